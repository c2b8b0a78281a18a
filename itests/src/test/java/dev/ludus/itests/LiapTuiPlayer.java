package dev.ludus.itests;

import java.util.List;
import java.util.Map;

import dev.ludus.testing.fixtures.ProtocolClient;

/** Plays Liap Tui for one client's seat from what the server offers. */
final class LiapTuiPlayer {

    private LiapTuiPlayer() {
    }

    /**
     * Creates a Liap Tui room named {@code name} with {@code options}, seats the client, fills the
     * other three seats with bots and starts the game; returns the room's id.
     */
    @SuppressWarnings("unchecked")
    static String startAgainstBots(ProtocolClient c, String name, Map<String, Object> options) throws Exception {
        Map<String, Object> created = okUnlessOverloaded(c, "create_room", Map.of("game", "liap-tui", "name", name,
                "options", options));
        String room = (String) ((Map<String, Object>) created.get("room")).get("roomId");
        okUnlessOverloaded(c, "join_room", Map.of("room", room));
        for (int i = 0; i < 3; i++) {
            c.ok("add_bot", Map.of());
        }
        c.ok("start", Map.of());
        return room;
    }

    /**
     * Sends a request and returns its ok result; one refused with {@code overloaded} (the node sheds
     * new work while it is busy, as a loaded test machine can make it) is sent again after its
     * {@code retryAfterMillis}, as a client should, for up to a minute.
     */
    static Map<String, Object> okUnlessOverloaded(ProtocolClient c, String type, Map<String, Object> fields)
            throws Exception {
        long end = System.currentTimeMillis() + 60_000;
        while (true) {
            Map<String, Object> reply = c.request(type, fields);
            if (!"overloaded".equals(reply.get("code")) || System.currentTimeMillis() > end) {
                if (!"ok".equals(reply.get("type"))) {
                    throw new AssertionError(type + " " + fields + " failed: " + reply);
                }
                return ProtocolClient.result(reply);
            }
            Thread.sleep(((Number) reply.get("retryAfterMillis")).longValue());
        }
    }

    /**
     * Plays until the game is over, choosing only among what the server offers: keeps the hand at
     * a redeal offer, declares the first allowed number, plays the first valid play offered, or,
     * as a follower with no play of the lead's type, discards the first pieces of the hand. Stops
     * early once {@code stopAfterMoves} moves are made (-1: never). Returns the number of moves made.
     */
    @SuppressWarnings("unchecked")
    static int play(ProtocolClient c, long timeoutMillis, int stopAfterMoves) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        long actedOn = -1;
        int moves = 0;
        while (System.currentTimeMillis() < end) {
            List<Map<String, Object>> all = c.messages();
            if (all.stream().anyMatch(ProtocolClient::isGameOver) || moves == stopAfterMoves) {
                return moves;
            }
            Map<String, Object> view = c.latestView();
            List<String> allowed = view == null ? List.of() : (List<String>) view.get("allowedActions");
            long seq = view == null ? -1 : ((Number) view.get("seq")).longValue();
            if (allowed.isEmpty() || seq <= actedOn) {
                c.awaitAfter(all.size(), "a new message", m -> true, Math.max(1, end - System.currentTimeMillis()));
                continue;
            }
            actedOn = seq;
            Map<String, Object> reply = c.request("act", move(view, allowed));
            if ("ok".equals(reply.get("type"))) {
                moves++;
            } else if ("game_paused".equals(reply.get("code"))) {
                // Paused for a while (a slow disk, a game bundle being replaced): the move was not
                // made; make it again on the same view after a moment.
                actedOn = -1;
                Thread.sleep(100);
            } else if (!staleView(c, actedOn)) {
                // Right after a resume, the bot covering the seat may have moved first, and the replayed
                // events may still be arriving: a move made on a view that was already old is refused
                // (not_your_turn, or illegal_action for pieces the bot played). Only a refusal of a move
                // made on the newest view is a failure.
                throw new AssertionError("move refused: " + reply + " for view " + view);
            }
        }
        throw new AssertionError("the game did not end within " + timeoutMillis + " ms");
    }

    /**
     * The move this player makes on {@code view}, as the fields of an {@code act} request: keeps
     * the hand at a redeal offer, declares the first allowed number, plays the first valid play
     * offered, or, as a follower with no play of the lead's type, discards the first pieces.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> move(Map<String, Object> view, List<String> allowed) {
        Map<String, Object> game = (Map<String, Object>) view.get("game");
        if (allowed.contains("redeal_decline")) {
            return Map.of("action", "redeal_decline");
        }
        if (allowed.contains("declare")) {
            List<Number> options = (List<Number>) game.get("declareOptions");
            return Map.of("action", "declare", "args", Map.of("piles", options.get(0)));
        }
        if (!allowed.contains("play")) {
            throw new AssertionError("an action this player does not know: " + allowed);
        }
        List<Map<String, Object>> options = (List<Map<String, Object>>) game.getOrDefault("playOptions", List.of());
        List<String> pieces;
        if (!options.isEmpty()) {
            pieces = (List<String>) options.get(0).get("pieces");
        } else {
            int count = ((Number) ((Map<String, Object>) game.get("turn")).get("pieceCount")).intValue();
            pieces = ((List<String>) game.get("hand")).subList(0, count);
        }
        return Map.of("action", "play", "args", Map.of("pieces", pieces));
    }

    /** Whether a view newer than {@code seq} arrives within a moment: the one acted on was stale. */
    private static boolean staleView(ProtocolClient c, long seq) throws InterruptedException {
        long end = System.currentTimeMillis() + 2000;
        while (System.currentTimeMillis() < end) {
            Map<String, Object> v = c.latestView();
            if (v != null && ((Number) v.get("seq")).longValue() > seq) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
