package dev.ludus.api.metrics;

import com.codahale.metrics.Timer;

/**
 * A Dropwizard {@link Timer} that also keeps the exact sum of the durations it recorded, so that
 * {@code GET /metrics} can give its summary a {@code _sum} (a plain {@code Timer} keeps only a
 * sample of recent durations, from which no sum can be had). Its quantiles come from the same
 * algorithm as a plain {@code Timer}'s. The node's registry makes these from
 * {@code registry.timer(name)}; a bundle that owns its timers (to keep them across a swap of the
 * metrics bundle) makes them with {@code new SummingTimer()}.
 *
 * <p>Thread-safe like {@code Timer}. The sum and the count are read one after the other, not
 * together: a scrape may see one more duration in one than in the other.
 */
public final class SummingTimer extends Timer {

    private final SummingReservoir reservoir;

    public SummingTimer() {
        this(new SummingReservoir());
    }

    private SummingTimer(SummingReservoir reservoir) {
        super(reservoir);
        this.reservoir = reservoir;
    }

    /** The sum of every duration recorded (negative ones are not recorded), in nanoseconds. */
    public long getSumNanos() {
        return reservoir.sum();
    }
}
