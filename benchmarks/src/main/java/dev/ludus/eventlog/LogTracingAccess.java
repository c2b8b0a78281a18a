package dev.ludus.eventlog;

import io.opentelemetry.api.OpenTelemetry;

/** Binds an OpenTelemetry to an event log, for benchmarks outside the event store's package. */
public final class LogTracingAccess {

    private LogTracingAccess() {
    }

    public static void trace(EventLog log, OpenTelemetry otel) {
        log.tracing(otel == null ? null : LogTracing.of(otel, "0"));
    }
}
