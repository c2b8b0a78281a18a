package dev.ludus.rooms;

import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * A WARN that a failing dependency could otherwise write once per move: written at most once per
 * interval, with how many like it were left out since the last one written. Thread safe.
 */
final class ThrottledWarning {

    private final long intervalNanos;
    private final AtomicLong lastNanos = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong skipped = new AtomicLong();

    ThrottledWarning(long intervalMillis) {
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** Logs {@code message} with {@code cause} (its stack trace) unless one was logged within the interval. */
    void warn(Logger log, String message, Throwable cause) {
        long now = System.nanoTime();
        long last = lastNanos.get();
        if (last != Long.MIN_VALUE && now - last < intervalNanos || !lastNanos.compareAndSet(last, now)) {
            skipped.incrementAndGet();
            return;
        }
        long left = skipped.getAndSet(0);
        log.warn(left == 0 ? message : message + " (and " + left + " more like it since the last such line)", cause);
    }
}
