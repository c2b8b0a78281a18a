package dev.ludus.example.archive.loadgen;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import dev.ludus.api.archive.CompletedGame;

/**
 * Generated completed games whose records look like a real game log: a setup line, then one JSON
 * line per action (seat, action, card, time), then the result, about {@code recordBytes} long.
 * The content follows from the game id, so a game can be generated again for comparison.
 */
public final class GameRecords {

    private static final String[] ACTIONS = {"play", "play", "play", "draw", "pass", "capture"};
    private static final String SUITS = "SHDC";

    private GameRecords() {
    }

    /** A completed game with this id, finished at {@code completedAt}. */
    public static CompletedGame game(String gameId, Instant completedAt, int recordBytes) {
        Random r = new Random(gameId.hashCode() * 31L + recordBytes);
        int seats = 2 + r.nextInt(3);
        List<String> players = new ArrayList<>(seats);
        for (int i = 0; i < seats; i++) {
            players.add("player-" + Integer.toString(r.nextInt(50_000), 36));
        }
        Instant startedAt = completedAt.minus(Duration.ofSeconds(120 + r.nextInt(1200)));
        StringBuilder b = new StringBuilder(recordBytes + 256);
        b.append("{\"type\":\"setup\",\"game\":\"").append(gameId).append("\",\"rules\":\"liaptui/1\",\"seed\":")
                .append(r.nextLong()).append(",\"seats\":[");
        for (int i = 0; i < seats; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(players.get(i)).append('"');
        }
        b.append("],\"startedAt\":\"").append(startedAt).append("\"}\n");
        long t = startedAt.toEpochMilli();
        int seq = 0;
        while (b.length() < recordBytes - 80) {
            t += 400 + r.nextInt(9000);
            b.append("{\"type\":\"action\",\"seq\":").append(seq++).append(",\"seat\":").append(seq % seats)
                    .append(",\"action\":\"").append(ACTIONS[r.nextInt(ACTIONS.length)]).append("\",\"card\":\"")
                    .append(SUITS.charAt(r.nextInt(4))).append(1 + r.nextInt(13)).append("\",\"at\":").append(t)
                    .append("}\n");
        }
        b.append("{\"type\":\"result\",\"winner\":").append(r.nextInt(seats)).append(",\"moves\":").append(seq)
                .append("}\n");
        return new CompletedGame(gameId, "liaptui", startedAt, completedAt, players, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * SHA-256, hex, over every field: id, type, start and end (ISO-8601), one line per player, an
     * empty line, then the record bytes.
     */
    public static String digest(CompletedGame g) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            StringBuilder head = new StringBuilder();
            head.append(g.gameId()).append('\n').append(g.gameType()).append('\n').append(g.startedAt()).append('\n')
                    .append(g.completedAt()).append('\n');
            for (String p : g.playerIds()) {
                head.append(p).append('\n');
            }
            head.append('\n');
            md.update(head.toString().getBytes(StandardCharsets.UTF_8));
            md.update(g.record());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
