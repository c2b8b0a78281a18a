package dev.ludus.gateway;

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
 * A protocol client over the JDK's WebSocket: keeps every message it receives, in order, and lets
 * a test send requests and wait for replies and events.
 */
final class TestClient implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<Map<String, Object>> received = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicLong ids = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile int closeCode = -1;
    private volatile String closeReason;
    private volatile boolean reading = true;
    private WebSocket ws;

    static TestClient connect(URI uri) throws Exception {
        TestClient c = new TestClient();
        c.ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, c).get(10, TimeUnit.SECONDS);
        return c;
    }

    /** Connects and says hello; returns the client, its welcome in {@link #welcome}. */
    static TestClient hello(URI uri, String name) throws Exception {
        TestClient c = connect(uri);
        c.welcome = c.request("hello", Map.of("name", name));
        return c;
    }

    Map<String, Object> welcome;

    String playerId() {
        return (String) result(welcome).get("playerId");
    }

    String token() {
        return (String) result(welcome).get("token");
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
                m = JSON.readValue(partial.toString(), new TypeReference<Map<String, Object>>() {
                });
            } catch (Exception e) {
                m = Map.of("type", "unparseable", "text", partial.toString());
            }
            partial.setLength(0);
            synchronized (received) {
                received.add(m);
                received.notifyAll();
            }
        }
        if (reading) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        closeReason = reason;
        closed.countDown();
        synchronized (received) {
            received.notifyAll();
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.countDown();
        synchronized (received) {
            received.notifyAll();
        }
    }

    /** Stops reading: the server's messages pile up in the network and then in its queue. */
    void stopReading() {
        reading = false;
    }

    void resumeReading() {
        reading = true;
        ws.request(1);
    }

    void sendRaw(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    /** Sends a request and returns its id, without waiting. */
    String send(String type, Map<String, Object> fields) throws Exception {
        String id = "r" + ids.incrementAndGet();
        Map<String, Object> m = new LinkedHashMap<>(fields);
        m.put("id", id);
        m.put("type", type);
        sendRaw(JSON.writeValueAsString(m));
        return id;
    }

    /** Sends a request and waits for its reply (ok or error). */
    Map<String, Object> request(String type, Map<String, Object> fields) throws Exception {
        String id = send(type, fields);
        return await("reply to " + id, m -> id.equals(m.get("id")), 15_000);
    }

    /** Sends a request and returns the result of an ok reply; fails on an error reply. */
    Map<String, Object> ok(String type, Map<String, Object> fields) throws Exception {
        Map<String, Object> reply = request(type, fields);
        if (!"ok".equals(reply.get("type"))) {
            throw new AssertionError(type + " failed: " + reply);
        }
        return result(reply);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result(Map<String, Object> reply) {
        return (Map<String, Object>) reply.get("result");
    }

    /** The first message received (ever) that matches, waiting for it up to the timeout. */
    Map<String, Object> await(String what, Predicate<Map<String, Object>> p, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
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
                    throw new AssertionError("timed out waiting for " + what + "; received " + tail(10));
                }
                received.wait(Math.min(left, 200));
            }
        }
    }

    /** The first message after index {@code from} that matches. */
    Map<String, Object> awaitAfter(int from, String what, Predicate<Map<String, Object>> p, long timeoutMillis)
            throws InterruptedException {
        return await(what, m -> indexOf(m) >= from && p.test(m), timeoutMillis);
    }

    private int indexOf(Map<String, Object> m) {
        synchronized (received) {
            for (int i = 0; i < received.size(); i++) {
                if (received.get(i) == m) {
                    return i;
                }
            }
            return -1;
        }
    }

    int count() {
        synchronized (received) {
            return received.size();
        }
    }

    List<Map<String, Object>> messages() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    List<Map<String, Object>> tail(int n) {
        synchronized (received) {
            return List.copyOf(received.subList(Math.max(0, received.size() - n), received.size()));
        }
    }

    /** The highest event seq received so far, or 0. */
    long lastSeq() {
        long max = 0;
        for (Map<String, Object> m : messages()) {
            if (m.get("seq") instanceof Number n) {
                max = Math.max(max, n.longValue());
            }
        }
        return max;
    }

    boolean awaitClosed(long millis) throws InterruptedException {
        return closed.await(millis, TimeUnit.MILLISECONDS);
    }

    int closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    /** Drops the connection without a close handshake, like a network failure. */
    void drop() {
        ws.abort();
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(1000, "bye");
        }
        ws.abort();
    }
}
