package dev.ludus.gateway;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(GatewayTracing.class);

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
        try {
            Context parent = Context.root();
            if (traceparent != null) {
                parent = W3CTraceContextPropagator.getInstance().extract(parent, Map.of("traceparent", traceparent), FIELDS);
            }
            return bound.tracer().spanBuilder("gateway.act").setParent(parent).setSpanKind(SpanKind.SERVER)
                    .setAttribute(ACTION, action).startSpan();
        } catch (RuntimeException | LinkageError e) {
            return failed(e);
        }
    }

    /** A child of {@code act} around writing its reply. */
    Span startReply(Span act) {
        try {
            return bound.tracer().spanBuilder("gateway.reply").setParent(Context.root().with(act)).startSpan();
        } catch (RuntimeException | LinkageError e) {
            return failed(e);
        }
    }

    /** Names the player, the request and the room on a recording span. */
    static void annotate(Span span, String player, String request, String room) {
        try {
            if (span.isRecording()) {
                span.setAttribute(PLAYER, player);
                span.setAttribute(REQUEST, request);
                if (room != null) {
                    span.setAttribute(ROOM, room);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            failed(e);
        }
    }

    /** Ends {@code span}. */
    static void end(Span span) {
        try {
            span.end();
        } catch (RuntimeException | LinkageError e) {
            failed(e);
        }
    }

    /** Ends {@code span} as failed with the stable error {@code code}. */
    static void fail(Span span, String code) {
        try {
            if (span.isRecording()) {
                span.setAttribute(ERROR_CODE, code);
                span.setStatus(StatusCode.ERROR, code);
            }
            span.end();
        } catch (RuntimeException | LinkageError e) {
            failed(e);
        }
    }

    /**
     * A tracing call failed. Tracing must never cost a player an action: a span that outlives the
     * SDK that made it (the tracing bundle updated and refreshed meanwhile) may fail to load its
     * classes. The action goes on untraced.
     */
    private static Span failed(Throwable e) {
        LOG.debug("gateway: a tracing call failed, the action goes on untraced: {}", e.toString());
        return Span.getInvalid();
    }
}
