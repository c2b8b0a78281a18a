package dev.ludus.bus.support;

/**
 * How long a consumer group's handler takes: a moving average of its recent calls. A broker bus
 * hands each message from the client's delivering thread to its key's lane, and that hand-over (a
 * thread wake-up) costs more than a quick handler itself; so when the handler has been quick and
 * the key's lane is idle, the delivering thread runs the handler itself. A slow handler (a webhook
 * POST, a disk write) keeps going through the lanes, where the group's keys are handled in
 * parallel and the delivering thread stays free.
 *
 * <p>The average starts above the limit, so a new group's first messages go through the lanes and
 * are timed there; the group runs inline only once it has shown itself quick, and goes back to its
 * lanes as soon as its calls slow down.
 */
public final class HandlerPace {

    /** A handler whose recent calls took less than this on average runs on the delivering thread. */
    public static final long INLINE_NANOS = 100_000;

    /** Weight of the newest call in the average: 1/8. */
    private static final int SHIFT = 3;

    private volatile long averageNanos = 4 * INLINE_NANOS;

    /** Whether the handler has been quick enough to run on the delivering thread. */
    public boolean quick() {
        return averageNanos < INLINE_NANOS;
    }

    /** Counts one call that took {@code nanos} (races between lanes lose a sample at worst). */
    public void took(long nanos) {
        long a = averageNanos;
        averageNanos = a + ((Math.max(0, nanos) - a) >> SHIFT);
    }

    /** The average, for logs and tests. */
    public long averageNanos() {
        return averageNanos;
    }
}
