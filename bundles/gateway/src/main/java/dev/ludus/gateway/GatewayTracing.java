package dev.ludus.gateway;

import java.util.Map;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * The gateway's spans of a player's action: {@code gateway.act} from the frame's arrival to its
 * reply, and {@code gateway.reply} around writing the reply. With no {@link OpenTelemetry}
 * service the API's no-op is used; a client's {@code traceparent} still becomes the trace id of
 * the action's log lines then.
 *
 * <p>Thread safe: the tracer is swapped whole when the service comes or goes.
 */
final class GatewayTracing {

    /** The key of the trace id in the logging context (MDC). */
    static final String LOG_TRACE_ID = "traceId";
    static final String SCOPE = "dev.ludus.gateway";
    static final AttributeKey<String> ACTION = AttributeKey.stringKey("ludus.action");
    static final AttributeKey<String> PLAYER = AttributeKey.stringKey("ludus.player_id");
    static final AttributeKey<String> ROOM = AttributeKey.stringKey("ludus.room_id");
    static final AttributeKey<String> REQUEST = AttributeKey.stringKey("ludus.request_id");
    static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("ludus.error_code");

    private static final TextMapGetter<Map<String, String>> FIELDS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private record Bound(OpenTelemetry otel, Tracer tracer) {
    }

    private volatile Bound bound = new Bound(null, OpenTelemetry.noop().getTracer(SCOPE));

    /** Uses {@code otel}'s tracer from now on. */
    void bind(OpenTelemetry otel, String version) {
        bound = new Bound(otel, otel.tracerBuilder(SCOPE).setInstrumentationVersion(version).build());
    }

    /** Goes back to the no-op if {@code otel} is the one in use. */
    void unbind(OpenTelemetry otel) {
        if (bound.otel() == otel) {
            bound = new Bound(null, OpenTelemetry.noop().getTracer(SCOPE));
        }
    }

    /**
     * Starts the span of an action whose frame just arrived: a child of the client's
     * {@code traceparent} when that is a valid W3C trace context, else a new trace (a malformed one
     * is ignored, as W3C Trace Context asks).
     */
    Span startAct(String traceparent, String action) {
        Context parent = Context.root();
        if (traceparent != null) {
            parent = W3CTraceContextPropagator.getInstance().extract(parent, Map.of("traceparent", traceparent), FIELDS);
        }
        return bound.tracer().spanBuilder("gateway.act").setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(ACTION, action).startSpan();
    }

    /** A child of {@code act} around writing its reply. */
    Span startReply(Span act) {
        return bound.tracer().spanBuilder("gateway.reply").setParent(Context.root().with(act)).startSpan();
    }

    /** Ends {@code span} as failed with the stable error {@code code}. */
    static void fail(Span span, String code) {
        if (span.isRecording()) {
            span.setAttribute(ERROR_CODE, code);
            span.setStatus(StatusCode.ERROR, code);
        }
        span.end();
    }
}
