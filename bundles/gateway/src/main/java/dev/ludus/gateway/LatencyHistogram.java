package dev.ludus.gateway;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations in fixed buckets, recorded without locks from any thread: 0.1 ms buckets up to 100 ms,
 * then 10 ms buckets up to 10 s (longer ones count in the last). Percentiles are bucket upper
 * bounds, so they err on the high side by at most one bucket.
 */
final class LatencyHistogram {

    private static final int FINE = 1000;   // 0.1 ms each, up to 100 ms
    private static final int COARSE = 990;  // 10 ms each, from 100 ms up to 10 s
    private final AtomicLongArray buckets = new AtomicLongArray(FINE + COARSE);
    private volatile long maxNanos;

    void record(long nanos) {
        long micros = Math.max(0, nanos / 1000);
        int i = micros < 100_000 ? (int) (micros / 100) : FINE + (int) Math.min(COARSE - 1, (micros - 100_000) / 10_000);
        buckets.incrementAndGet(i);
        if (nanos > maxNanos) {
            maxNanos = nanos; // racy by design: a lost update only understates a maximum momentarily
        }
    }

    long count() {
        long n = 0;
        for (int i = 0; i < buckets.length(); i++) {
            n += buckets.get(i);
        }
        return n;
    }

    /** The q-quantile (0..1) in milliseconds, or 0 with no samples. */
    double quantileMillis(double q) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < buckets.length(); i++) {
            seen += buckets.get(i);
            if (seen >= rank) {
                return i < FINE ? (i + 1) / 10.0 : 100 + (i - FINE + 1) * 10.0;
            }
        }
        return maxMillis();
    }

    double maxMillis() {
        return maxNanos / 1e6;
    }
}
