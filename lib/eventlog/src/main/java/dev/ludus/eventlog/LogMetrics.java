package dev.ludus.eventlog;

/**
 * What the event log tells a metrics recorder. Called on the writer thread, once per group commit
 * and once per append it completes; an implementation must be quick and must not throw.
 */
public interface LogMetrics {

    /** Records nothing: the log's default, and what it falls back to when metrics leave. */
    LogMetrics NONE = new LogMetrics() {
        @Override
        public void groupCommitted(int events, int bytes, long writeNanos, long fsyncNanos) {
        }

        @Override
        public void appendCompleted(long nanos, boolean accepted) {
        }

        @Override
        public void ioFailure() {
        }
    };

    /** A group commit made {@code events} durable in {@code bytes}: one write, then one fsync. */
    void groupCommitted(int events, int bytes, long writeNanos, long fsyncNanos);

    /** An append completed, {@code nanos} after it was asked for: durable, or refused (wrong version). */
    void appendCompleted(long nanos, boolean accepted);

    /** A group commit failed with an I/O error (its appends failed with {@code io_error}). */
    void ioFailure();
}
