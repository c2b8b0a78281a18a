package dev.ludus.loadtest;

import java.util.Arrays;

/** Latency samples in nanoseconds, recorded from many threads; percentiles on demand. */
final class Latencies {

    private long[] samples = new long[1 << 16];
    private int size;

    synchronized void record(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = Math.max(0, nanos);
    }

    synchronized int count() {
        return size;
    }

    /** A summary: count and p50/p99/max in milliseconds. */
    synchronized Summary summary() {
        long[] s = Arrays.copyOf(samples, size);
        Arrays.sort(s);
        return new Summary(size, ms(at(s, 0.50)), ms(at(s, 0.99)), ms(size == 0 ? 0 : s[size - 1]));
    }

    private static long at(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    record Summary(int count, double p50, double p99, double max) {
        @Override
        public String toString() {
            return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)", p50, p99, max, count);
        }
    }
}
