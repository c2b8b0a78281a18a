package dev.ludus.eventlog;

import static dev.ludus.eventlog.Events.event;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/** The event log's spans: traced appends only, each with a commit span of its group. */
public class LogTracingTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final List<SpanData> spans = new ArrayList<>();
    private SdkTracerProvider provider;
    private EventLog log;

    @Before
    public void setUp() throws Exception {
        provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                synchronized (spans) {
                    spans.addAll(batch);
                }
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        })).build();
        SdkTracerProvider tracers = provider;
        log = EventLog.open(tmp.newFolder("events").toPath(), LogSettings.defaults(), Clock.systemUTC());
        log.tracing(LogTracing.of(new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return tracers;
            }

            @Override
            public ContextPropagators getPropagators() {
                return ContextPropagators.noop();
            }
        }, "test"));
    }

    @After
    public void tearDown() {
        log.close();
        provider.shutdown();
    }

    private List<SpanData> spans() {
        synchronized (spans) {
            return List.copyOf(spans);
        }
    }

    /** The spans once there are {@code n}: the writer ends them as it completes the appends. */
    private List<SpanData> spans(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (spans().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50); // and no more come
        return spans();
    }

    @Test
    public void anAppendUnderASpanGetsAnAppendSpanAndACommitSpanOfItsGroup() throws Exception {
        Span parent = provider.get("test").spanBuilder("caller").startSpan();
        CompletionStage<Long> done;
        try (Scope scope = parent.makeCurrent()) {
            done = log.appendAsync("s-1", EventStore.NO_STREAM, List.of(event("a", "1"), event("b", "2")));
        }
        assertEquals(2L, (long) done.toCompletableFuture().get());
        parent.end();
        Map<String, SpanData> byName = spans(3).stream().collect(Collectors.toMap(SpanData::getName, Function.identity()));
        assertEquals(Set.of("caller", "eventstore.append", "eventstore.commit"), byName.keySet());
        SpanData append = byName.get("eventstore.append");
        SpanData commit = byName.get("eventstore.commit");
        assertEquals(parent.getSpanContext().getSpanId(), append.getParentSpanId());
        assertEquals(append.getSpanId(), commit.getParentSpanId());
        assertEquals(Long.valueOf(2), append.getAttributes().get(AttributeKey.longKey("ludus.eventstore.version")));
        assertEquals(Long.valueOf(2), commit.getAttributes().get(AttributeKey.longKey("ludus.eventstore.group_events")));
        assertTrue("the commit lies within the append",
                commit.getStartEpochNanos() >= append.getStartEpochNanos() && commit.getEndEpochNanos() <= append.getEndEpochNanos());
    }

    @Test
    public void anAppendWithoutACurrentSpanStartsNoTrace() throws Exception {
        log.appendAsync("s-2", EventStore.NO_STREAM, List.of(event("a", "1"))).toCompletableFuture().get();
        assertEquals(List.of(), spans(1));
    }

    @Test
    public void aRefusedAppendEndsItsSpanAsAnErrorWithoutACommit() throws Exception {
        Span parent = provider.get("test").spanBuilder("caller").startSpan();
        CompletableFuture<Long> done;
        try (Scope scope = parent.makeCurrent()) {
            done = log.appendAsync("s-3", 5, List.of(event("a", "1"))).toCompletableFuture();
        }
        assertTrue(done.handle((v, e) -> e != null).get());
        List<SpanData> got = spans(1);
        assertEquals(1, got.size());
        assertEquals("eventstore.append", got.get(0).getName());
        assertEquals("wrong_expected_version",
                got.get(0).getAttributes().get(AttributeKey.stringKey("ludus.error_code")));
    }
}
