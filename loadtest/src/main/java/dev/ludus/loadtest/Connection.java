package dev.ludus.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One client WebSocket (the JDK's), the same for the game players and the echo baseline: whole
 * text messages to a handler, sends queued so that one is in flight at a time, open connections
 * counted.
 */
final class Connection implements WebSocket.Listener {

    private final Consumer<String> onMessage;
    private final Runnable onClosed;
    private final AtomicInteger open;
    private final StringBuilder partial = new StringBuilder();
    private WebSocket ws;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    private volatile boolean closed;
    /** The close code the server sent, 1006 for a connection that failed without one; 0 while open. */
    private volatile int closeCode;

    private Connection(Consumer<String> onMessage, Runnable onClosed, AtomicInteger open) {
        this.onMessage = onMessage;
        this.onClosed = onClosed;
        this.open = open;
    }

    static CompletableFuture<Connection> open(HttpClient http, URI uri, Consumer<String> onMessage, Runnable onClosed,
                                              AtomicInteger open) {
        Connection c = new Connection(onMessage, onClosed, open);
        return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).buildAsync(uri, c).thenApply(ws -> {
            c.ws = ws;
            return c;
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        open.incrementAndGet();
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (last && partial.length() == 0) {
            onMessage.accept(data.toString());
        } else {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onMessage.accept(text);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        ended();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        if (closeCode == 0) {
            closeCode = 1006;
        }
        ended();
    }

    private void ended() {
        if (!closed) {
            closed = true;
            open.decrementAndGet();
            onClosed.run();
        }
    }

    /** Sends after whatever is being sent: the JDK client takes one message at a time. */
    synchronized void send(String text) {
        sending = sending.handle((v, e) -> null).thenCompose(v -> ws.sendText(text, true));
    }

    boolean isClosed() {
        return closed;
    }

    /** The close code the server sent (1006: the connection failed without one); 0 while open. */
    int closeCode() {
        return closeCode;
    }

    void close() {
        if (!closed && ws != null) {
            synchronized (this) {
                sending = sending.handle((v, e) -> null).thenCompose(v -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "done"));
            }
        }
    }

    void abort() {
        if (ws != null) {
            ws.abort();
        }
        ended();
    }
}
