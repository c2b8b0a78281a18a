package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import org.junit.After;
import org.junit.Test;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/** Where an action's trace starts: the client's traceparent when valid, else a new trace. */
public class GatewayTracingTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CLIENT_SPAN = "00f067aa0ba902b7";
    static final String TRACEPARENT = "00-" + TRACE + "-" + CLIENT_SPAN + "-01";

    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build(); // a provider without a processor records nothing
    private final OpenTelemetry sdk = new OpenTelemetry() {
        @Override
        public TracerProvider getTracerProvider() {
            return provider;
        }

        @Override
        public ContextPropagators getPropagators() {
            return ContextPropagators.noop();
        }
    };

    @After
    public void tearDown() {
        provider.shutdown();
    }

    @Test
    public void aValidTraceparentBecomesTheParentOfTheActionsSpan() {
        GatewayTracing tracing = new GatewayTracing();
        tracing.bind(sdk, "1");
        Span span = tracing.startAct(TRACEPARENT, "add");
        ReadableSpan read = (ReadableSpan) span;
        assertEquals(TRACE, span.getSpanContext().getTraceId());
        assertEquals(CLIENT_SPAN, read.getParentSpanContext().getSpanId());
        assertTrue(read.getParentSpanContext().isRemote());
        assertEquals("gateway.act", read.getName());
        span.end();
    }

    @Test
    public void aMalformedTraceparentStartsANewTrace() {
        GatewayTracing tracing = new GatewayTracing();
        tracing.bind(sdk, "1");
        for (String bad : new String[] {"junk", "00-" + TRACE + "-" + CLIENT_SPAN, "00-" + "0".repeat(32) + "-" + CLIENT_SPAN + "-01",
                "00-" + TRACE.toUpperCase() + "-" + CLIENT_SPAN + "-01", "ff-" + TRACE + "-" + CLIENT_SPAN + "-01", ""}) {
            Span span = tracing.startAct(bad, "add");
            assertTrue(bad, span.getSpanContext().isValid());
            assertNotEquals(bad, TRACE, span.getSpanContext().getTraceId());
            assertFalse(bad, ((ReadableSpan) span).getParentSpanContext().isValid());
            span.end();
        }
    }

    @Test
    public void withoutAnSdkTheClientsTraceIdStillReachesTheLogs() {
        GatewayTracing tracing = new GatewayTracing();
        Span span = tracing.startAct(TRACEPARENT, "add");
        assertFalse("the no-op records nothing", span.isRecording());
        assertEquals(TRACE, span.getSpanContext().getTraceId());
        assertFalse(tracing.startAct(null, "add").getSpanContext().isValid());
    }

    @Test
    public void unbindingTheServiceInUseGoesBackToTheNoOp() {
        GatewayTracing tracing = new GatewayTracing();
        tracing.bind(sdk, "1");
        tracing.unbind(OpenTelemetry.noop()); // another service: no change
        assertTrue(tracing.startAct(null, "add").isRecording());
        tracing.unbind(sdk);
        SpanContext after = tracing.startAct(null, "add").getSpanContext();
        assertFalse(after.isValid());
    }
}
