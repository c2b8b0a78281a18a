package dev.ludus.api.metrics;

import java.util.concurrent.atomic.LongAdder;

import com.codahale.metrics.ExponentiallyDecayingReservoir;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;

/**
 * Dropwizard's default reservoir (exponentially decaying, biased to the last five minutes or so),
 * plus the exact sum of every value it was given since it was made. Thread-safe.
 */
final class SummingReservoir implements Reservoir {

    private final Reservoir recent = new ExponentiallyDecayingReservoir();
    private final LongAdder sum = new LongAdder();

    @Override
    public int size() {
        return recent.size();
    }

    @Override
    public void update(long value) {
        recent.update(value);
        sum.add(value);
    }

    @Override
    public Snapshot getSnapshot() {
        return recent.getSnapshot();
    }

    long sum() {
        return sum.sum();
    }
}
