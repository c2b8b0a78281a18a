package dev.ludus.eventlog;

import java.util.concurrent.CompletableFuture;

import io.opentelemetry.api.trace.Span;

/**
 * One append waiting for the writer. The caller's thread validates and encodes the records
 * (so the payload is copied once, and the writer only fills in versions, timestamps and checksums).
 */
final class PendingAppend {

    final String stream;
    final long expectedVersion;
    /** The append's records back to back, as {@link LogFormat#put} left them. */
    final byte[] records;
    final int count;
    final CompletableFuture<Long> future = new CompletableFuture<>();
    /** When it was asked for ({@link System#nanoTime()}), for the append-time series. */
    final long askedNanos = System.nanoTime();

    /** {@code eventstore.append} when the caller was traced, else the invalid span. */
    Span span = Span.getInvalid();

    // Set by the writer while it commits the group this append is in.
    RuntimeException rejection;
    long resultVersion;

    PendingAppend(String stream, long expectedVersion, byte[] records, int count) {
        this.stream = stream;
        this.expectedVersion = expectedVersion;
        this.records = records;
        this.count = count;
    }
}
