package dev.ludus.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Utf8StringBuilder;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;

/**
 * One WebSocket connection, on Jetty's core WebSocket layer (frames, not its endpoint API: that
 * API keeps the whole HTTP exchange of the upgrade reachable for as long as the connection lasts,
 * a third of an idle connection's memory). Receives frames from Jetty (one at a time per
 * connection, the next only once this one is handled), joins a text message's frames and hands
 * the message to the {@link Gateway}; sends text without blocking, counting the messages and the
 * bytes Jetty has not yet written. When more than the configured number of messages or bytes wait,
 * or the whole gateway holds too many bytes and this connection a good share of them, the client
 * is reading too slowly and is disconnected with {@link Codes#CLOSE_SLOW_CONSUMER}: the rest of
 * the server never waits for it, and the heap it can fill is bounded.
 */
public final class Connection implements FrameHandler {

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
    private volatile CoreSession ws;
    private volatile long lastHeardMillis;
    /** Whether the client asked, in its hello, for what one action gives it as one message. */
    private volatile boolean batch;
    /**
     * The message being received when it came in more than one frame: its text so far (a text
     * message) and its size. Only Jetty's reading of this connection touches them, one frame at a
     * time.
     */
    private Utf8StringBuilder partialText;
    private byte partialType = OpCode.UNDEFINED;
    private long partialBytes;

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
    public void onOpen(CoreSession session, Callback callback) {
        ws = session;
        heard(gateway.nowMillis());
        gateway.opened(this);
        callback.succeeded();
        session.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        // What shows the client is there: a whole message, a ping or a pong. Not a frame of a
        // message: one dribbled a byte at a time, or never finished, must not hold the connection
        // past the idle timeout.
        CoreSession s = ws;
        try {
            switch (frame.getOpCode()) {
                case OpCode.TEXT, OpCode.BINARY -> {
                    partialType = frame.getOpCode();
                    partialBytes = 0;
                    message(s, frame, callback);
                }
                case OpCode.CONTINUATION -> message(s, frame, callback);
                case OpCode.PING -> {
                    heard(gateway.nowMillis());
                    // Answered here: Jetty's core layer leaves pings to the handler.
                    ByteBuffer payload = frame.hasPayload() ? copy(frame.getPayload()) : ByteBuffer.allocate(0);
                    s.sendFrame(new Frame(OpCode.PONG).setPayload(payload), Callback.from(() -> {
                        callback.succeeded();
                        s.demand();
                    }, failure -> {
                        // The output may be closing while a ping comes in: nothing to answer then.
                        callback.succeeded();
                        s.demand();
                    }), false);
                }
                case OpCode.PONG -> {
                    heard(gateway.nowMillis());
                    callback.succeeded();
                    s.demand();
                }
                // Jetty answers a close once this succeeds, then calls onClosed.
                case OpCode.CLOSE -> callback.succeeded();
                default -> callback.failed(new IllegalStateException("unexpected frame " + OpCode.name(frame.getOpCode())));
            }
        } catch (Throwable t) {
            partialText = null;
            partialType = OpCode.UNDEFINED;
            callback.failed(t);
        }
    }

    /** One frame of a text or binary message: joined, and the whole message handed on at its last frame. */
    private void message(CoreSession s, Frame frame, Callback callback) {
        partialBytes += frame.getPayloadLength();
        boolean text = partialType == OpCode.TEXT;
        long max = text ? s.getMaxTextMessageSize() : s.getMaxBinaryMessageSize();
        if (max > 0 && partialBytes > max) {
            long size = partialBytes;
            partialText = null;
            partialType = OpCode.UNDEFINED;
            callback.failed(new MessageTooLargeException(String.format("%s message too large: %,d > %,d",
                    text ? "Text" : "Binary", size, max)));
            return;
        }
        boolean whole = frame.isFin() && partialText == null; // the usual case: a message in one frame
        if (text && !whole) {
            if (partialText == null) {
                partialText = new Utf8StringBuilder(Math.max(16, frame.getPayloadLength()));
            }
            if (frame.hasPayload()) {
                partialText.append(frame.getPayload());
            }
        }
        if (frame.isFin()) {
            long bytes = partialBytes;
            String message = !text ? null
                    : whole ? utf8(frame.getPayload()) : partialText.takeCompleteString(BadPayloadException.InvalidUtf8::new);
            partialText = null;
            partialType = OpCode.UNDEFINED;
            heard(gateway.nowMillis());
            if (text) {
                gateway.received(this, message, bytes);
            } else {
                gateway.receivedBinary(this, (int) Math.min(bytes, Integer.MAX_VALUE));
            }
        }
        callback.succeeded();
        s.demand();
    }

    /** A whole text message's payload as a string; a close with 1007 for bytes that are not UTF-8. */
    private static String utf8(ByteBuffer payload) {
        if (payload == null || !payload.hasRemaining()) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(payload).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadPayloadException.InvalidUtf8();
        }
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.slice()).flip();
        return c;
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        // A close follows every error; the gateway acts on the close.
        gateway.failed(this, cause);
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        closing.set(true);
        partialText = null;
        gateway.closed(this, status.getCode(), status.getReason());
        callback.succeeded();
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
        CoreSession s = ws;
        if (s == null || closing.get()) {
            return false;
        }
        // Encoded once, here: the bytes are both what is counted and what Jetty writes.
        ByteBuffer payload = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        long bytes = payload.remaining();
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
        s.sendFrame(new Frame(OpCode.TEXT).setPayload(payload), Callback.from(() -> unqueue(bytes), failure -> unqueue(bytes)), false);
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

    /**
     * Marks this connection as flooding; true only the first time, so a client that goes on sending
     * after its close is logged and counted once.
     */
    boolean markFlooded() {
        return flooded.compareAndSet(false, true);
    }

    /** Sets this connection's frame and message size limit and its network idle timeout. */
    void limits(long maxFrameBytes, java.time.Duration idleTimeout) {
        CoreSession s = ws;
        if (s != null) {
            s.setMaxTextMessageSize(maxFrameBytes);
            s.setMaxBinaryMessageSize(maxFrameBytes);
            s.setMaxFrameSize(maxFrameBytes);
            s.setIdleTimeout(idleTimeout);
        }
    }

    void ping() {
        CoreSession s = ws;
        if (s != null && !closing.get()) {
            s.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
        }
    }

    /** Starts a close handshake with a status code and reason; later calls do nothing. */
    void close(int code, String reason) {
        CoreSession s = ws;
        if (s != null && closing.compareAndSet(false, true)) {
            s.close(code, reason.length() > 120 ? reason.substring(0, 120) : reason, Callback.NOOP);
        }
    }

    /** Drops the network connection without a handshake (for a peer that does not answer one). */
    void abort() {
        CoreSession s = ws;
        closing.set(true);
        if (s != null) {
            s.abort();
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

    /** Something came from the client (a whole message, a ping or a pong) at this time. */
    void heard(long nowMillis) {
        lastHeardMillis = nowMillis;
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
