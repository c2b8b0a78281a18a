package dev.ludus.gateway;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One WebSocket connection. Receives frames from Jetty (one at a time per connection) and hands
 * them to the {@link Gateway}; sends text without blocking, counting the messages Jetty has not
 * yet written. When more than the configured limit wait, the client is reading too slowly and is
 * disconnected with {@link Codes#CLOSE_SLOW_CONSUMER}: the rest of the server never waits for it.
 */
public final class Connection implements Session.Listener.AutoDemanding {

    private final Gateway gateway;
    final long id;
    final String remote;
    final SerialQueue requests;
    final MessageBudget budget;
    private final int outboundLimit;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile Session ws;
    private volatile long lastHeardMillis;

    /** The player whose session this connection carries, once it has said hello. Guarded by this. */
    private PlayerSession player;

    Connection(Gateway gateway, long id, String remote, SerialQueue requests, MessageBudget budget, int outboundLimit,
               long nowMillis) {
        this.gateway = gateway;
        this.id = id;
        this.remote = remote;
        this.requests = requests;
        this.budget = budget;
        this.outboundLimit = outboundLimit;
        this.lastHeardMillis = nowMillis;
    }

    // ---------------------------------------------------------------- Jetty callbacks

    @Override
    public void onWebSocketOpen(Session session) {
        ws = session;
        lastHeardMillis = gateway.nowMillis();
        gateway.opened(this);
    }

    @Override
    public void onWebSocketText(String message) {
        lastHeardMillis = gateway.nowMillis();
        gateway.received(this, message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        lastHeardMillis = gateway.nowMillis();
        callback.succeed();
        gateway.receivedBinary(this);
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        lastHeardMillis = gateway.nowMillis();
        Session s = ws;
        if (s != null) {
            s.sendPong(payload, Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        lastHeardMillis = gateway.nowMillis();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closing.set(true);
        gateway.closed(this, statusCode, reason);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // A close follows every error; the gateway acts on the close.
        gateway.failed(this, cause);
    }

    // ---------------------------------------------------------------- sending

    /**
     * Queues a text message without blocking. Callers that need an order between messages call this
     * under a common lock. Returns false if the connection is closing or just overflowed.
     */
    boolean send(String text) {
        Session s = ws;
        if (s == null || closing.get()) {
            return false;
        }
        if (pending.incrementAndGet() > outboundLimit) {
            pending.decrementAndGet();
            gateway.slowConsumer(this);
            close(Codes.CLOSE_SLOW_CONSUMER, "outbound queue over " + outboundLimit + " messages: reading too slowly");
            return false;
        }
        s.sendText(text, Callback.from(pending::decrementAndGet, failure -> pending.decrementAndGet()));
        return true;
    }

    /** Sets this connection's frame and message size limit and its network idle timeout. */
    void limits(long maxFrameBytes, java.time.Duration idleTimeout) {
        Session s = ws;
        if (s != null) {
            s.setMaxTextMessageSize(maxFrameBytes);
            s.setMaxBinaryMessageSize(maxFrameBytes);
            s.setMaxFrameSize(maxFrameBytes);
            s.setIdleTimeout(idleTimeout);
        }
    }

    void ping() {
        Session s = ws;
        if (s != null && !closing.get()) {
            s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
        }
    }

    /** Starts a close handshake with a status code and reason; later calls do nothing. */
    void close(int code, String reason) {
        Session s = ws;
        if (s != null && closing.compareAndSet(false, true)) {
            s.close(code, reason.length() > 120 ? reason.substring(0, 120) : reason, Callback.NOOP);
        }
    }

    /** Drops the network connection without a handshake (for a peer that does not answer one). */
    void abort() {
        Session s = ws;
        closing.set(true);
        if (s != null) {
            s.disconnect();
        }
    }

    boolean isClosing() {
        return closing.get();
    }

    int pendingMessages() {
        return pending.get();
    }

    long lastHeardMillis() {
        return lastHeardMillis;
    }

    synchronized PlayerSession player() {
        return player;
    }

    synchronized void player(PlayerSession p) {
        player = p;
    }

    @Override
    public String toString() {
        return "connection " + id + " from " + remote;
    }
}
