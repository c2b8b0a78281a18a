package dev.ludus.api.metrics;

import com.codahale.metrics.Histogram;

/**
 * A Dropwizard {@link Histogram} that also keeps the exact sum of the values it recorded, for the
 * {@code _sum} of its summary in {@code GET /metrics}; see {@link SummingTimer}. The node's
 * registry makes these from {@code registry.histogram(name)}. Thread-safe.
 */
public final class SummingHistogram extends Histogram {

    private final SummingReservoir reservoir;

    public SummingHistogram() {
        this(new SummingReservoir());
    }

    private SummingHistogram(SummingReservoir reservoir) {
        super(reservoir);
        this.reservoir = reservoir;
    }

    /** The sum of every value recorded. */
    public long getSum() {
        return reservoir.sum();
    }
}
