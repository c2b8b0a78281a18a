package dev.ludus.tracing.otlp;

import java.util.List;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * Decides which actions are traced: a span under a local parent follows its parent, so an
 * action's trace is whole or absent; every other span (a root, or the gateway's span under a
 * client's {@code traceparent}) is sampled by trace id at the configured ratio. A client's sampled
 * flag therefore cannot force tracing, and the same trace id gets the same decision on every node.
 * (The SDK's parent-based sampler would do the same with the ratio sampler for remote parents, but
 * warns at every start that the specification discourages it.)
 */
final class ActionSampler implements Sampler {

    private final Sampler byTraceId;

    ActionSampler(double ratio) {
        this.byTraceId = Sampler.traceIdRatioBased(ratio);
    }

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                                       Attributes attributes, List<LinkData> parentLinks) {
        SpanContext parent = Span.fromContext(parentContext).getSpanContext();
        if (parent.isValid() && !parent.isRemote()) {
            return parent.isSampled() ? SamplingResult.recordAndSample() : SamplingResult.drop();
        }
        return byTraceId.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return "ActionSampler{" + byTraceId.getDescription() + "}";
    }
}
