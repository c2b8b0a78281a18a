package dev.ludus.itests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A player on the WebSocket protocol (JDK client): keeps every message it receives, sends
 * requests and waits for their replies, and can play Liap Tui from what the server offers.
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final List<Map<String, Object>> received = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicLong ids = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile int closeCode = -1;
    private WebSocket ws;
    Map<String, Object> welcome;

    static WsClient connect(URI uri) throws Exception {
        WsClient c = new WsClient();
        c.ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, c).get(10, TimeUnit.SECONDS);
        return c;
    }

    /** Waits until the gateway at {@code ws} answers a new player's ping. */
    static void awaitGateway(URI ws) throws Exception {
        Wait.until("the gateway answers", 20_000, () -> {
            try (WsClient c = hello(ws, "probe")) {
                return "ok".equals(c.request("ping", Map.of()).get("type"));
            }
        });
    }

    static WsClient hello(URI uri, String name) throws Exception {
        WsClient c = connect(uri);
        c.welcome = c.ok("hello", Map.of("name", name));
        return c;
    }

    /** Connects again as the same player, resuming with the token and the last seq seen. */
    WsClient resume(URI uri) throws Exception {
        WsClient c = connect(uri);
        c.welcome = c.ok("hello", Map.of("token", token(), "lastSeq", lastSeq()));
        return c;
    }

    String playerId() {
        return (String) welcome.get("playerId");
    }

    String token() {
        return (String) welcome.get("token");
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            Map<String, Object> m;
            try {
                m = JSON.readValue(partial.toString(), MAP);
            } catch (Exception e) {
                m = Map.of("type", "unparseable");
            }
            partial.setLength(0);
            synchronized (received) {
                received.add(m);
                received.notifyAll();
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        closed.countDown();
        synchronized (received) {
            received.notifyAll();
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.countDown();
    }

    void sendRaw(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    Map<String, Object> request(String type, Map<String, Object> fields) throws Exception {
        String id = "q" + ids.incrementAndGet();
        Map<String, Object> m = new LinkedHashMap<>(fields);
        m.put("id", id);
        m.put("type", type);
        sendRaw(JSON.writeValueAsString(m));
        return await("reply " + id + " to " + type, x -> id.equals(x.get("id")), 20_000);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> ok(String type, Map<String, Object> fields) throws Exception {
        Map<String, Object> reply = request(type, fields);
        if (!"ok".equals(reply.get("type"))) {
            throw new AssertionError(type + " " + fields + " failed: " + reply);
        }
        return (Map<String, Object>) reply.get("result");
    }

    Map<String, Object> await(String what, Predicate<Map<String, Object>> p, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        synchronized (received) {
            int from = 0;
            while (true) {
                for (int i = from; i < received.size(); i++) {
                    if (p.test(received.get(i))) {
                        return received.get(i);
                    }
                }
                from = received.size();
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("timed out waiting for " + what + "; last messages "
                            + received.subList(Math.max(0, received.size() - 5), received.size()));
                }
                received.wait(Math.min(200, left));
            }
        }
    }

    List<Map<String, Object>> messages() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    long lastSeq() {
        long max = 0;
        for (Map<String, Object> m : messages()) {
            if (m.get("seq") instanceof Number n) {
                max = Math.max(max, n.longValue());
            }
        }
        return max;
    }

    /** Every seq received, in arrival order. */
    List<Long> seqs() {
        List<Long> out = new ArrayList<>();
        for (Map<String, Object> m : messages()) {
            if (m.get("seq") instanceof Number n) {
                out.add(n.longValue());
            }
        }
        return out;
    }

    boolean awaitClosed(long millis) throws InterruptedException {
        return closed.await(millis, TimeUnit.MILLISECONDS);
    }

    int closeCode() {
        return closeCode;
    }

    /** Like a network failure: no close handshake. */
    void drop() {
        ws.abort();
    }

    @Override
    public void close() {
        try {
            if (!ws.isOutputClosed()) {
                ws.sendClose(1000, "bye");
            }
        } finally {
            ws.abort();
        }
    }

    static boolean isGameOver(Map<String, Object> m) {
        return "event".equals(m.get("type")) && "game_over".equals(m.get("name"))
                && m.get("data") instanceof Map<?, ?> d && d.containsKey("result");
    }

    /** The latest view of the game this client has (from a snapshot or a state event), or null. */
    Map<String, Object> latestView() {
        Map<String, Object> latest = null;
        for (Map<String, Object> m : messages()) {
            if ("state".equals(m.get("type")) || "snapshot".equals(m.get("type"))) {
                latest = m;
            }
        }
        return latest;
    }

    /**
     * Plays Liap Tui for this seat until the game is over, choosing only among what the server
     * offers: keeps the hand at a redeal offer, declares the first allowed number, plays the first
     * valid play offered, or, as a follower with no play of the lead's type, discards the first
     * pieces of the hand. Stops early once {@code stopAfterMoves} moves are made (-1: never).
     * Returns the number of moves made.
     */
    /** Whether a view newer than {@code seq} arrives within a moment: the one acted on was stale. */
    private boolean staleView(long seq) throws InterruptedException {
        long end = System.currentTimeMillis() + 2000;
        while (System.currentTimeMillis() < end) {
            Map<String, Object> v = latestView();
            if (v != null && ((Number) v.get("seq")).longValue() > seq) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    int playLiapTui(long timeoutMillis, int stopAfterMoves) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        long actedOn = -1;
        int moves = 0;
        while (System.currentTimeMillis() < end) {
            List<Map<String, Object>> all = messages();
            if (all.stream().anyMatch(WsClient::isGameOver) || moves == stopAfterMoves) {
                return moves;
            }
            Map<String, Object> view = latestView();
            List<String> allowed = view == null ? List.of() : (List<String>) view.get("allowedActions");
            long seq = view == null ? -1 : ((Number) view.get("seq")).longValue();
            if (allowed.isEmpty() || seq <= actedOn) {
                int n = all.size();
                await("a new message", m -> messages().size() > n, Math.max(1, end - System.currentTimeMillis()));
                continue;
            }
            actedOn = seq;
            Map<String, Object> game = (Map<String, Object>) view.get("game");
            Map<String, Object> reply;
            if (allowed.contains("redeal_decline")) {
                reply = request("act", Map.of("action", "redeal_decline"));
            } else if (allowed.contains("declare")) {
                List<Number> options = (List<Number>) game.get("declareOptions");
                reply = request("act", Map.of("action", "declare", "args", Map.of("piles", options.get(0))));
            } else if (allowed.contains("play")) {
                List<Map<String, Object>> options = (List<Map<String, Object>>) game.getOrDefault("playOptions", List.of());
                List<String> pieces;
                if (!options.isEmpty()) {
                    pieces = (List<String>) options.get(0).get("pieces");
                } else {
                    int count = ((Number) ((Map<String, Object>) game.get("turn")).get("pieceCount")).intValue();
                    pieces = ((List<String>) game.get("hand")).subList(0, count);
                }
                reply = request("act", Map.of("action", "play", "args", Map.of("pieces", pieces)));
            } else {
                throw new AssertionError("an action this player does not know: " + allowed);
            }
            if ("ok".equals(reply.get("type"))) {
                moves++;
            } else if (!staleView(actedOn)) {
                // Right after a resume, the bot covering the seat may have moved first, and the replayed
                // events may still be arriving: a move made on a view that was already old is refused
                // (not_your_turn, or illegal_action for pieces the bot played). Only a refusal of a move
                // made on the newest view is a failure.
                throw new AssertionError("move refused: " + reply + " for view " + view);
            }
        }
        throw new AssertionError("the game did not end within " + timeoutMillis + " ms");
    }
}
