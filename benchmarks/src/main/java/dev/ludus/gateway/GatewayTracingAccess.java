package dev.ludus.gateway;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;

/** The gateway's action spans, for benchmarks outside the gateway's package. */
public final class GatewayTracingAccess {

    private final GatewayTracing tracing = new GatewayTracing();

    /** Traces through {@code otel}; null keeps the API's no-op. */
    public GatewayTracingAccess(OpenTelemetry otel) {
        if (otel != null) {
            tracing.bind(otel, "0");
        }
    }

    /** What the gateway does when an action's frame arrives. */
    public Span startAct(String traceparent, String action) {
        return tracing.startAct(traceparent, action);
    }

    /** What the gateway does when the action's answer comes: the reply span, then the end of both. */
    public void replied(Span act) {
        tracing.startReply(act).end();
        act.end();
    }
}
