package dev.ludus.eventstore;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where each event of one stream is in the log: {@code positions[v - 1]} is the position of
 * version {@code v} (see {@link LogFormat#position}).
 *
 * <p>One writer (the log's writer thread, or the start-up scan before the log is shared) and any
 * number of readers. The writer records positions of written but not yet durable events beyond
 * {@link #durable()}; readers only look below it. Publishing order (array, then count, both
 * volatile) makes every position below a count a reader saw visible to it.
 */
final class StreamIndex {

    final String name;
    final byte[] nameBytes;

    private volatile long[] positions = new long[4];
    private volatile int durable;
    /** Written (maybe not yet durable) count; touched only by the writer. */
    private int written;

    StreamIndex(String name) {
        this.name = name;
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
    }

    /** The stream's durable version: readers see events 1..durable(). */
    int durable() {
        return durable;
    }

    /** Writer only: the version including written but not yet durable events. */
    int written() {
        return written;
    }

    /** Writer only: records the position of version {@code written() + 1}. */
    void add(long position) {
        long[] p = positions;
        if (written == p.length) {
            p = Arrays.copyOf(p, p.length * 2);
            positions = p;
        }
        p[written++] = position;
    }

    /** Writer only: everything written so far is durable; readers may see it. */
    void publish() {
        durable = written;
    }

    /** Writer only: forgets written events that did not become durable. */
    void rollback() {
        written = durable;
    }

    /** The position of durable version {@code version}; caller checked {@code version <= durable()}. */
    long position(long version) {
        return positions[(int) (version - 1)];
    }
}
