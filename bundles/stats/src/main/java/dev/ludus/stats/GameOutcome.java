package dev.ludus.stats;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A finished game as statistics need it, read from a {@code game.finished} message (what the rooms
 * runtime announces) or from an archived game: who sat where, their final scores, who won, and how
 * many rounds each declared exactly where the game counts that.
 *
 * <p>Games report their result as {@code GameEngine.result()}: {@code scores} (by seat) and
 * {@code winners} (seats) are read when present; {@code rounds} and {@code declaredExactly} (by
 * seat) only where the game has declarations (Liap Tui).
 *
 * @param id         the message id that announced it (the same for every copy of the fact)
 * @param rounds     rounds played, 0 when the game does not count declarations
 */
record GameOutcome(String id, String roomId, String gameType, Instant finishedAt, int rounds, List<Seat> seats) {

    /**
     * @param playerId null for a bot
     * @param exact    rounds declared exactly, -1 when unknown
     */
    record Seat(int seat, String playerId, String name, boolean bot, int score, boolean won, int exact) {
    }

    GameOutcome {
        seats = List.copyOf(seats);
    }

    /**
     * Reads a {@code game.finished} payload.
     *
     * @throws IllegalArgumentException naming what is missing or wrong
     */
    static GameOutcome read(String id, JsonNode doc) {
        String roomId = text(doc, "roomId");
        String gameType = text(doc, "gameType");
        Instant finishedAt;
        try {
            finishedAt = Instant.parse(text(doc, "finishedAt"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("finishedAt is not an instant: " + doc.get("finishedAt"));
        }
        JsonNode players = doc.get("players");
        if (players == null || !players.isArray() || players.isEmpty() || players.size() > 64) {
            throw new IllegalArgumentException("players must be a list of 1 to 64 seats");
        }
        JsonNode result = doc.path("result");
        JsonNode scores = result.path("scores");
        JsonNode exact = result.path("declaredExactly");
        Set<Integer> winners = new HashSet<>();
        for (JsonNode w : result.path("winners")) {
            winners.add(w.asInt(-1));
        }
        int rounds = exact.isArray() ? Math.max(0, result.path("rounds").asInt(0)) : 0;
        List<Seat> seats = new ArrayList<>();
        for (int i = 0; i < players.size(); i++) {
            JsonNode p = players.get(i);
            int seat = p.path("seat").asInt(i);
            boolean bot = p.path("bot").asBoolean(false);
            String playerId = bot || !p.hasNonNull("playerId") ? null : p.get("playerId").asText();
            if (playerId != null && (playerId.isBlank() || playerId.length() > 128)) {
                throw new IllegalArgumentException("seat " + seat + ": playerId must be 1 to 128 characters");
            }
            String name = p.hasNonNull("name") ? cut(p.get("name").asText(), 64) : "";
            int score = scores.isArray() && seat < scores.size() ? scores.get(seat).asInt(0) : 0;
            int hit = exact.isArray() && seat < exact.size() ? exact.get(seat).asInt(-1) : -1;
            seats.add(new Seat(seat, playerId, name, bot, score, winners.contains(seat), hit));
        }
        return new GameOutcome(id, roomId, gameType, finishedAt, rounds, seats);
    }

    private static String text(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank() || n.asText().length() > 200) {
            throw new IllegalArgumentException(field + " must be a text of 1 to 200 characters");
        }
        return n.asText();
    }

    private static String cut(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }
}
