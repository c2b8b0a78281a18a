package dev.ludus.gateway;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Messages and bytes (UTF-8) one connection received and sent, for operators' pages. Thread safe.
 * Plain {@code volatile long} fields updated through one {@link VarHandle} each rather than four
 * {@code AtomicLong} objects: one of these lives as long as every connection, idle ones included.
 */
final class ConnectionCounts {

    private static final VarHandle MESSAGES_IN;
    private static final VarHandle BYTES_IN;
    private static final VarHandle MESSAGES_OUT;
    private static final VarHandle BYTES_OUT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            MESSAGES_IN = l.findVarHandle(ConnectionCounts.class, "messagesIn", long.class);
            BYTES_IN = l.findVarHandle(ConnectionCounts.class, "bytesIn", long.class);
            MESSAGES_OUT = l.findVarHandle(ConnectionCounts.class, "messagesOut", long.class);
            BYTES_OUT = l.findVarHandle(ConnectionCounts.class, "bytesOut", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long messagesIn;
    private volatile long bytesIn;
    private volatile long messagesOut;
    private volatile long bytesOut;

    void received(long bytes) {
        MESSAGES_IN.getAndAdd(this, 1L);
        BYTES_IN.getAndAdd(this, bytes);
    }

    void sent(long bytes) {
        MESSAGES_OUT.getAndAdd(this, 1L);
        BYTES_OUT.getAndAdd(this, bytes);
    }

    long messagesIn() {
        return messagesIn;
    }

    long bytesIn() {
        return bytesIn;
    }

    long messagesOut() {
        return messagesOut;
    }

    long bytesOut() {
        return bytesOut;
    }
}
