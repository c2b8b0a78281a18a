package dev.ludus.api.metrics;

import java.util.concurrent.atomic.LongAdder;

import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;

/**
 * An exponentially decaying reservoir (Dropwizard's default algorithm and sizes: 1,028 values
 * biased to the last five minutes or so), plus the exact sum of every value it was given since it
 * was made. Its lock-free form: the event store's writer thread records every append, and there
 * each nanosecond holds up the whole group commit. Thread-safe.
 */
final class SummingReservoir implements Reservoir {

    private final Reservoir recent = LockFreeExponentiallyDecayingReservoir.builder().build();
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
