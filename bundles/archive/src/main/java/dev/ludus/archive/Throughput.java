package dev.ludus.archive;

import java.time.Instant;

/** Counts events per second over the last minute, to report a recent rate. Thread safe. */
final class Throughput {

    private static final int SLOTS = 64;

    private final long[] seconds = new long[SLOTS];
    private final long[] counts = new long[SLOTS];

    synchronized void add(long n, Instant now) {
        long s = now.getEpochSecond();
        int i = (int) Math.floorMod(s, (long) SLOTS);
        if (seconds[i] != s) {
            seconds[i] = s;
            counts[i] = 0;
        }
        counts[i] += n;
    }

    /** Events per second over the {@code window} whole seconds before {@code now} (at most 60). */
    synchronized double perSecond(Instant now, int window) {
        int w = Math.max(1, Math.min(window, 60));
        long s = now.getEpochSecond();
        long sum = 0;
        for (int k = 1; k <= w; k++) {
            long t = s - k;
            int i = (int) Math.floorMod(t, (long) SLOTS);
            if (seconds[i] == t) {
                sum += counts[i];
            }
        }
        return sum / (double) w;
    }
}
