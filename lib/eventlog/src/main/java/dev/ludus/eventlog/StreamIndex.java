package dev.ludus.eventlog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where each event of one stream is in the log. Versions up to {@link #base()} were trimmed (their
 * segments deleted, see {@link EventLog#trimBefore}); {@code positions[v - 1 - base]} is the
 * position of version {@code v} (see {@link LogFormat#position}).
 *
 * <p>One writer (the log's writer thread, or the start-up scan before the log is shared) and any
 * number of readers. The writer records positions of written but not yet durable events beyond
 * {@link #durable()}; readers only look below it. The positions and their base travel together
 * in one immutable-reference holder, so a reader always indexes the array with its own base;
 * publishing order (holder, then count, both volatile) makes every position below a count a reader
 * saw visible to it.
 */
final class StreamIndex {

    /** Positions of versions {@code base + 1 ...}; the array may be longer than what is written. */
    private record Slab(long base, long[] positions) {
    }

    final String name;
    final byte[] nameBytes;

    private volatile Slab slab = new Slab(0, new long[4]);
    private volatile long durable;
    /** Written (maybe not yet durable) version; touched only by the writer. */
    private long written;

    StreamIndex(String name) {
        this.name = name;
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
    }

    /** The stream's durable version: readers see events {@code first()..durable()}. */
    long durable() {
        return durable;
    }

    /** The first version still in the log (1 unless trimmed); {@code durable() + 1} when all were trimmed. */
    long first() {
        return slab.base + 1;
    }

    /** Writer only: the version including written but not yet durable events. */
    long written() {
        return written;
    }

    /** Writer only: records the position of version {@code written() + 1}. */
    void add(long position) {
        Slab s = slab;
        int at = (int) (written - s.base);
        if (at == s.positions.length) {
            s = new Slab(s.base, Arrays.copyOf(s.positions, s.positions.length * 2));
            slab = s;
        }
        s.positions[at] = position;
        written++;
    }

    /**
     * Start-up scan only, before any {@link #add}: the stream's first record in the log has
     * {@code version} (earlier ones were trimmed).
     */
    void startAt(long version) {
        slab = new Slab(version - 1, slab.positions);
        written = version - 1;
        durable = version - 1;
    }

    /** Writer only: everything written so far is durable; readers may see it. */
    void publish() {
        durable = written;
    }

    /** Writer only: forgets written events that did not become durable. */
    void rollback() {
        written = durable;
    }

    /**
     * Writer only, between groups: forgets the positions below {@code position} (their segments
     * are being deleted). Positions grow with the version, so they are a prefix.
     *
     * @return the versions forgotten
     */
    long trimBelow(long position) {
        Slab s = slab;
        int count = (int) (written - s.base);
        int lo = 0;
        int hi = count;
        while (lo < hi) { // first index whose position is at or above the limit
            int mid = (lo + hi) >>> 1;
            if (s.positions[mid] < position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == 0) {
            return 0;
        }
        long[] kept = Arrays.copyOfRange(s.positions, lo, Math.max(lo + 4, count));
        slab = new Slab(s.base + lo, kept);
        return lo;
    }

    /**
     * The position of durable version {@code version}; caller checked
     * {@code first() <= version <= durable()}.
     */
    long position(long version) {
        Slab s = slab;
        long at = version - 1 - s.base;
        if (at < 0) {
            return -1; // trimmed since the caller looked
        }
        return s.positions[(int) at];
    }
}
