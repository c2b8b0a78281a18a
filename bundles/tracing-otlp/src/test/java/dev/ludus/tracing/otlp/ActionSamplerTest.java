package dev.ludus.tracing.otlp;

import static org.junit.Assert.assertEquals;

import java.util.List;

import org.junit.Test;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;

/** The configured ratio decides for roots and clients' traces; a local parent's decision is kept. */
public class ActionSamplerTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "00f067aa0ba902b7";

    private static SamplingDecision decide(double ratio, SpanContext parent) {
        Context ctx = parent == null ? Context.root() : Context.root().with(Span.wrap(parent));
        return new ActionSampler(ratio).shouldSample(ctx, TRACE, "x", SpanKind.INTERNAL, Attributes.empty(), List.of())
                .getDecision();
    }

    private static SpanContext remote(boolean sampled) {
        return SpanContext.createFromRemoteParent(TRACE, SPAN, sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                TraceState.getDefault());
    }

    private static SpanContext local(boolean sampled) {
        return SpanContext.create(TRACE, SPAN, sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                TraceState.getDefault());
    }

    @Test
    public void aClientsSampledFlagDoesNotForceTracing() {
        assertEquals(SamplingDecision.DROP, decide(0.0, remote(true)));
        assertEquals(SamplingDecision.RECORD_AND_SAMPLE, decide(1.0, remote(false)));
    }

    @Test
    public void rootsFollowTheRatio() {
        assertEquals(SamplingDecision.DROP, decide(0.0, null));
        assertEquals(SamplingDecision.RECORD_AND_SAMPLE, decide(1.0, null));
    }

    @Test
    public void aLocalParentsDecisionIsKeptSoATraceIsWholeOrAbsent() {
        assertEquals(SamplingDecision.RECORD_AND_SAMPLE, decide(0.0, local(true)));
        assertEquals(SamplingDecision.DROP, decide(1.0, local(false)));
    }
}
