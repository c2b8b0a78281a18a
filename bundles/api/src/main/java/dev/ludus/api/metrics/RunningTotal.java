package dev.ludus.api.metrics;

import java.util.Objects;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;

/**
 * A counter read from a total the component already keeps (an {@code AtomicLong} it also shows in
 * its health details, say), so that a figure that only grows is exposed as a counter
 * ({@code <family>_total}) rather than as a gauge. The total must never decrease while the
 * component lives; it is not copied, so nothing can drift apart. It counts through its source
 * only: {@link #inc} and {@link #dec} throw {@link UnsupportedOperationException}. Thread-safe if
 * the source is.
 */
public final class RunningTotal extends Counter {

    private final LongSupplier total;

    public RunningTotal(LongSupplier total) {
        this.total = Objects.requireNonNull(total, "total");
    }

    @Override
    public long getCount() {
        return total.getAsLong();
    }

    @Override
    public void inc() {
        inc(1);
    }

    @Override
    public void inc(long n) {
        throw new UnsupportedOperationException("a running total counts through its source");
    }

    @Override
    public void dec() {
        dec(1);
    }

    @Override
    public void dec(long n) {
        throw new UnsupportedOperationException("a running total counts through its source");
    }
}
