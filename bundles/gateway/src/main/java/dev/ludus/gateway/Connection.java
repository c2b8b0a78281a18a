package dev.ludus.gateway;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One WebSocket connection. Receives frames from Jetty (one at a time per connection) and hands
 * them to the {@link Gateway}; sends text without blocking, counting the messages and the bytes
 * Jetty has not yet written. When more than the configured number of messages or bytes wait, or
 * the whole gateway holds too many bytes and this connection a good share of them, the client is
 * reading too slowly and is disconnected with {@link Codes#CLOSE_SLOW_CONSUMER}: the rest of the
 * server never waits for it, and the heap it can fill is bounded.
 */
public final class Connection implements Session.Listener.AutoDemanding {

    private final Gateway gateway;
    final long id;
    final String remote;
    final SerialQueue requests;
    final MessageBudget budget;
    final String address;
    private final int outboundLimit;
    private final long outboundBytesLimit;
    private final OutboundBytes total;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean flooded = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile Session ws;
    private volatile long lastHeardMillis;
    /** Whether the client asked, in its hello, for what one action gives it as one message. */
    private volatile boolean batch;

    /** The player whose session this connection carries, once it has said hello. Guarded by this. */
    private PlayerSession player;
    /** When the connection opened (the gateway's clock), and what passed on it: for operators' pages. */
    final long openedAtMillis;
    final ConnectionCounts counts = new ConnectionCounts();

    Connection(Gateway gateway, long id, String remote, String address, SerialQueue requests, MessageBudget budget,
               int outboundLimit, long outboundBytesLimit, OutboundBytes total, long nowMillis) {
        this.gateway = gateway;
        this.id = id;
        this.remote = remote;
        this.address = address;
        this.outboundBytesLimit = outboundBytesLimit;
        this.total = total;
        this.requests = requests;
        this.budget = budget;
        this.outboundLimit = outboundLimit;
        this.lastHeardMillis = nowMillis;
        this.openedAtMillis = nowMillis;
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
        int bytes = payload.remaining();
        callback.succeed();
        gateway.receivedBinary(this, bytes);
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

    boolean batch() {
        return batch;
    }

    void batch(boolean on) {
        batch = on;
    }

    /**
     * Queues a text message without blocking. Callers that need an order between messages call this
     * under a common lock. Returns false if the connection is closing or just overflowed.
     */
    boolean send(String text) {
        Session s = ws;
        if (s == null || closing.get()) {
            return false;
        }
        long bytes = utf8Bytes(text);
        if (pending.incrementAndGet() > outboundLimit) {
            pending.decrementAndGet();
            return overflow("outbound queue over " + outboundLimit + " messages: reading too slowly");
        }
        long mine = pendingBytes.addAndGet(bytes);
        long all = total.add(bytes);
        // A single message larger than the limit still goes to a connection that has nothing waiting.
        boolean overMine = mine > outboundBytesLimit && mine > bytes;
        boolean overAll = all > total.limit() && mine > OutboundBytes.FAIR_SHARE;
        if (overMine || overAll) {
            unqueue(bytes);
            return overflow(overMine
                    ? "outbound queue over " + outboundBytesLimit + " bytes: reading too slowly"
                    : "the server's outbound memory is full and this connection holds " + mine + " bytes of it");
        }
        s.sendText(text, Callback.from(() -> unqueue(bytes), failure -> unqueue(bytes)));
        gateway.metrics.sent(bytes);
        counts.sent(bytes);
        return true;
    }

    private void unqueue(long bytes) {
        pending.decrementAndGet();
        pendingBytes.addAndGet(-bytes);
        total.add(-bytes);
    }

    private boolean overflow(String reason) {
        if (!closing.get()) {
            gateway.slowConsumer(this, reason);
            close(Codes.CLOSE_SLOW_CONSUMER, reason);
        }
        return false;
    }

    /** The length of {@code s} in UTF-8, as Jetty will queue it. */
    static long utf8Bytes(String s) {
        long n = s.length();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80) {
                // 2 bytes below U+0800, 3 above; a surrogate pair (2 chars) makes 4.
                n += ch < 0x800 ? 1 : Character.isSurrogate(ch) ? 1 : 2;
            }
        }
        return n;
    }

    /**
     * Marks this connection as flooding; true only the first time, so a client that goes on sending
     * after its close is logged and counted once.
     */
    boolean markFlooded() {
        return flooded.compareAndSet(false, true);
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

    long pendingBytes() {
        return pendingBytes.get();
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
