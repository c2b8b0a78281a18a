package dev.ludus.gateway;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes waiting to be written to all of the gateway's connections together, and the bound on
 * them. Per-connection limits alone do not bound the heap: many clients each a little under their
 * own limit add up. Thread safe.
 */
final class OutboundBytes {

    /**
     * What one connection may hold while the gateway is over its total: a normal player's queue (a
     * few events and replies) stays far below it, a reader that has fallen behind does not.
     */
    static final long FAIR_SHARE = 64 * 1024;

    private final AtomicLong waiting = new AtomicLong();
    private volatile long limit;

    OutboundBytes(long limit) {
        this.limit = limit;
    }

    /** Adds (or with a negative count removes) waiting bytes; returns the new total. */
    long add(long bytes) {
        return waiting.addAndGet(bytes);
    }

    long waiting() {
        return waiting.get();
    }

    long limit() {
        return limit;
    }

    void limit(long bytes) {
        limit = bytes;
    }

    /**
     * The limit for a setting in MiB: the setting itself, or, when it is 0, a quarter of the JVM's
     * maximum heap, so a default installation cannot be pushed out of memory by slow readers.
     */
    static long limitFor(int megabytes, long maxHeapBytes) {
        if (megabytes > 0) {
            return megabytes * 1024L * 1024L;
        }
        long heap = maxHeapBytes == Long.MAX_VALUE || maxHeapBytes <= 0 ? 4L << 30 : maxHeapBytes;
        return Math.max(16L << 20, heap / 4);
    }
}
