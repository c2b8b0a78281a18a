package dev.ludus.eventlog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.WrongExpectedVersionException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The event log's spans. The log joins traces, it starts none: an append made while a span is
 * current (a player's action in the rooms runtime) gets {@code eventstore.append}, from the call
 * until the append is durable or refused. Its group's write and fsync are the child
 * {@code eventstore.commit}.
 *
 * <p>Why a child per append and not one span per group linked from each append: a group carries
 * the appends of many traces, and a span belongs to exactly one. A shared group span would sit in
 * one action's trace (or in a trace of its own) and every other action would show a gap where its
 * fsync was. Instead each traced append gets its own {@code eventstore.commit}, timed around the
 * same write and fsync, and all of a group's commit spans carry the group's number
 * ({@code ludus.eventstore.group}), its appends and its events, so they can be matched up. Only
 * traced appends pay for it; the writer starts and ends one span per traced append in the group.
 *
 * <p>Immutable; swapped whole when the OpenTelemetry service comes or goes.
 */
public final class LogTracing {

    private static final Logger LOG = LoggerFactory.getLogger(LogTracing.class);
    static final String SCOPE = "dev.ludus.eventstore";
    static final AttributeKey<String> STREAM = AttributeKey.stringKey("ludus.eventstore.stream");
    static final AttributeKey<Long> EVENTS = AttributeKey.longKey("ludus.eventstore.events");
    static final AttributeKey<Long> VERSION = AttributeKey.longKey("ludus.eventstore.version");
    static final AttributeKey<Long> GROUP = AttributeKey.longKey("ludus.eventstore.group");
    static final AttributeKey<Long> GROUP_APPENDS = AttributeKey.longKey("ludus.eventstore.group_appends");
    static final AttributeKey<Long> GROUP_EVENTS = AttributeKey.longKey("ludus.eventstore.group_events");
    static final AttributeKey<Long> GROUP_BYTES = AttributeKey.longKey("ludus.eventstore.group_bytes");
    static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("ludus.error_code");

    /** No tracing: the API's no-op. */
    public static final LogTracing NONE = new LogTracing(null, OpenTelemetry.noop().getTracer(SCOPE));

    private final OpenTelemetry otel;
    private final Tracer tracer;

    private LogTracing(OpenTelemetry otel, Tracer tracer) {
        this.otel = otel;
        this.tracer = tracer;
    }

    public static LogTracing of(OpenTelemetry otel, String version) {
        return new LogTracing(otel, otel.tracerBuilder(SCOPE).setInstrumentationVersion(version).build());
    }

    public OpenTelemetry otel() {
        return otel;
    }

    /**
     * Starts {@code eventstore.append} for {@code p} when a span is current on the caller's thread,
     * and ends it when the append completes; returns the span, or the invalid span.
     */
    Span startAppend(PendingAppend p) {
        Context parent = Context.current();
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return Span.getInvalid();
        }
        try {
            Span span = tracer.spanBuilder("eventstore.append").setParent(parent)
                    .setAttribute(STREAM, p.stream).setAttribute(EVENTS, (long) p.count).startSpan();
            p.future.whenComplete((version, error) -> {
                try {
                    if (error != null) {
                        span.setAttribute(ERROR_CODE, code(error));
                        span.setStatus(StatusCode.ERROR, error.getMessage());
                    } else {
                        span.setAttribute(VERSION, version);
                    }
                    span.end();
                } catch (RuntimeException | LinkageError e) {
                    failed(e);
                }
            });
            return span;
        } catch (RuntimeException | LinkageError e) {
            return failed(e);
        }
    }

    /** The stable code of an append's failure. */
    static String code(Throwable error) {
        if (error instanceof EventStoreException e) {
            return e.code();
        }
        if (error instanceof WrongExpectedVersionException w) {
            return w.code();
        }
        return "error";
    }

    /** Starts {@code eventstore.commit} under a traced append as its group's write begins. */
    Span startCommit(Span append, long group, int appends, int events, long bytes) {
        try {
            return tracer.spanBuilder("eventstore.commit").setParent(Context.root().with(append))
                    .setAttribute(GROUP, group).setAttribute(GROUP_APPENDS, (long) appends)
                    .setAttribute(GROUP_EVENTS, (long) events).setAttribute(GROUP_BYTES, bytes).startSpan();
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

    /** Ends a commit span whose write or fsync failed. */
    static void failed(Span commit, String message) {
        try {
            commit.setAttribute(ERROR_CODE, Codes.IO_ERROR);
            commit.setStatus(StatusCode.ERROR, message);
            commit.end();
        } catch (RuntimeException | LinkageError e) {
            failed(e);
        }
    }

    /**
     * A tracing call failed. Tracing must never cost an append, least of all on the writer's
     * thread (an exception there stops the log): a span that outlives the SDK that made it (the
     * tracing bundle updated and refreshed meanwhile) may fail to load its classes. The append
     * goes on untraced.
     */
    private static Span failed(Throwable e) {
        LOG.debug("event store: a tracing call failed, the append goes on untraced: {}", e.toString());
        return Span.getInvalid();
    }
}
