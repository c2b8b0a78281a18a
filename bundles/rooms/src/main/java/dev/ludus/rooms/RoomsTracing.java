package dev.ludus.rooms;

import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/**
 * The rooms runtime's spans of a player's action: {@code rooms.act} from the call to the end of
 * its room step, with {@code rooms.validate} (seat, declared action, the engine's verdict),
 * {@code rooms.apply} (the durable record applied to the room) and {@code rooms.broadcast} (its
 * events published) inside it. The three inner spans are only made while a traced action is the
 * current span: bots', timers' and lobby steps start no traces of their own.
 *
 * <p>Thread safe: the tracer is swapped whole when the OpenTelemetry service comes or goes.
 */
final class RoomsTracing {

    private static final Logger LOG = LoggerFactory.getLogger(RoomsTracing.class);
    static final String SCOPE = "dev.ludus.rooms";
    /** The key of the trace id in the logging context (MDC), as the gateway names it. */
    static final String LOG_TRACE_ID = "traceId";
    static final AttributeKey<String> ROOM = AttributeKey.stringKey("ludus.room_id");
    static final AttributeKey<String> ACTION = AttributeKey.stringKey("ludus.action");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("ludus.outcome");

    private record Bound(OpenTelemetry otel, Tracer tracer) {
    }

    private volatile Bound bound = new Bound(null, OpenTelemetry.noop().getTracer(SCOPE));

    void bind(OpenTelemetry otel, String version) {
        bound = new Bound(otel, otel.tracerBuilder(SCOPE).setInstrumentationVersion(version).build());
    }

    void unbind(OpenTelemetry otel) {
        if (bound.otel() == otel) {
            bound = new Bound(null, OpenTelemetry.noop().getTracer(SCOPE));
        }
    }

    /** Starts {@code rooms.act}, a child of the current span (the gateway's), or a new trace. */
    Span startAct(String roomId, String action) {
        try {
            return bound.tracer().spanBuilder("rooms.act").setAttribute(ROOM, roomId).setAttribute(ACTION, action)
                    .startSpan();
        } catch (RuntimeException | LinkageError e) {
            return failed(e);
        }
    }

    /**
     * Starts {@code name} as a child of the current span when that belongs to a trace, else
     * returns the invalid span (ending it does nothing).
     */
    Span startInner(String name) {
        if (!Span.current().getSpanContext().isValid()) {
            return Span.getInvalid();
        }
        try {
            return bound.tracer().spanBuilder(name).startSpan();
        } catch (RuntimeException | LinkageError e) {
            return failed(e);
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

    /** Ends {@code span} with the outcome {@code code} (an error code), marked as an error. */
    static void refused(Span span, String code) {
        try {
            if (span.isRecording()) {
                span.setAttribute(OUTCOME, code);
                span.setStatus(StatusCode.ERROR, code);
            }
            span.end();
        } catch (RuntimeException | LinkageError e) {
            failed(e);
        }
    }

    /** Ends {@code span} once {@code stage} completes (at once if it is null); returns the stage. */
    static CompletionStage<?> endWhenDone(Span span, CompletionStage<?> stage) {
        if (stage == null) {
            end(span);
        } else {
            stage.whenComplete((r, e) -> end(span));
        }
        return stage;
    }

    /**
     * A tracing call failed. Tracing must never cost a room its step: a span that outlives the SDK
     * that made it (the tracing bundle updated and refreshed meanwhile) may fail to load its
     * classes. The step goes on untraced.
     */
    private static Span failed(Throwable e) {
        LOG.debug("rooms: a tracing call failed, the step goes on untraced: {}", e.toString());
        return Span.getInvalid();
    }
}
