package dev.ludus.tracing.otlp;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;

/**
 * The service this bundle publishes: the SDK's tracer provider and W3C trace-context propagation.
 * Metrics and logs stay the API's no-ops. (The SDK's own {@code OpenTelemetrySdk} would bring the
 * metrics and logs SDKs along for nothing.)
 */
record LudusOpenTelemetry(TracerProvider tracerProvider, ContextPropagators propagators) implements OpenTelemetry {

    @Override
    public TracerProvider getTracerProvider() {
        return tracerProvider;
    }

    @Override
    public ContextPropagators getPropagators() {
        return propagators;
    }
}
