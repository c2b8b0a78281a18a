package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import dev.ludus.api.game.GameDefinition;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * A player's action over a real WebSocket in the default feature set, traced by an OpenTelemetry
 * SDK (with an in-memory exporter) that the test publishes as the node's OpenTelemetry service,
 * as a tracing bundle would: the gateway, the rooms runtime and the event store pick it up.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TracingIT {

    /** Every span one accepted action makes, and each one's parent. */
    static final Map<String, String> PARENTS = Map.of(
            "gateway.act", "(client or none)",
            "rooms.act", "gateway.act",
            "rooms.validate", "rooms.act",
            "eventstore.append", "rooms.act",
            "eventstore.commit", "eventstore.append",
            "rooms.apply", "rooms.act",
            "rooms.broadcast", "rooms.act",
            "gateway.reply", "gateway.act");

    @Inject
    BundleContext context;

    /** The exporter: keeps every finished span. */
    static final class Collected implements SpanExporter {
        final List<SpanData> spans = new ArrayList<>();

        @Override
        public synchronized CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAll(batch);
            notifyAll();
            return CompletableResultCode.ofSuccess();
        }

        synchronized List<SpanData> snapshot() {
            return List.copyOf(spans);
        }

        synchronized void clear() {
            spans.clear();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    private final Collected exported = new Collected();
    private SdkTracerProvider provider;
    private ServiceRegistration<OpenTelemetry> otel;
    private ServiceRegistration<GameDefinition> game;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("tracing", List.of(), Map.of(),
                bundle(Path.of(System.getProperty("ludus.otel.sdk-common.jar")).toUri().toString()).startLevel(5),
                bundle(Path.of(System.getProperty("ludus.otel.sdk-trace.jar")).toUri().toString()).startLevel(5));
    }

    @Before
    public void publishSdk() throws Exception {
        provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
        ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
        SdkTracerProvider tracers = provider;
        otel = context.registerService(OpenTelemetry.class, new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return tracers;
            }

            @Override
            public ContextPropagators getPropagators() {
                return propagators;
            }
        }, null);
        game = context.registerService(GameDefinition.class, new TurnGame("turns-traced", 2), null);
        ProtocolClient.awaitGateway(ws(), 20_000);
    }

    @After
    public void withdrawSdk() {
        otel.unregister();
        game.unregister();
        provider.shutdown();
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    /** Two players in a started game of turns; returns the one whose turn it is first. */
    @SuppressWarnings("unchecked")
    private ProtocolClient mover(ProtocolClient a, ProtocolClient b) throws Exception {
        Map<String, Object> created = a.ok("create_room", Map.of("game", "turns-traced", "name", "traced"));
        String room = (String) ((Map<String, Object>) created.get("room")).get("roomId");
        a.ok("join_room", Map.of("room", room));
        b.ok("join_room", Map.of("room", room));
        a.ok("start", Map.of());
        for (ProtocolClient c : List.of(a, b)) {
            Map<String, Object> view = (Map<String, Object>) c.await("the game's view",
                    m -> ("state".equals(m.get("type")) || "snapshot".equals(m.get("type")))
                            && m.get("game") instanceof Map<?, ?> g && g.get("turn") != null, 10_000).get("game");
            if (view.get("turn").equals(view.get("seat"))) {
                return c;
            }
        }
        throw new AssertionError("nobody's turn");
    }

    /**
     * Plays one accepted action with {@code fields} added to the request and returns the spans of
     * the traces made meanwhile, once all of {@link #PARENTS} are in.
     */
    private List<SpanData> oneAction(Map<String, Object> fields) throws Exception {
        try (ProtocolClient a = ProtocolClient.hello(ws(), "Ann"); ProtocolClient b = ProtocolClient.hello(ws(), "Bo")) {
            ProtocolClient mover = mover(a, b);
            exported.clear();
            Map<String, Object> request = new HashMap<>(fields);
            request.put("action", "add");
            request.put("args", Map.of("n", 1));
            mover.ok("act", request); // accepted, whatever the traceparent was
            Wait.until("every span of the action", 10_000,
                    () -> names(exported.snapshot()).containsAll(PARENTS.keySet()));
            Thread.sleep(300); // anything more would come now
            return exported.snapshot();
        }
    }

    private static Set<String> names(List<SpanData> spans) {
        return spans.stream().map(SpanData::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    /** One trace, each expected span once, each under its parent; returns the root (gateway.act). */
    private static SpanData assertOneTrace(List<SpanData> spans) {
        assertEquals("one trace: " + spans, 1, spans.stream().map(SpanData::getTraceId).distinct().count());
        assertEquals("each span once: " + names(spans), PARENTS.size(), spans.size());
        assertEquals(PARENTS.keySet(), names(spans));
        Map<String, SpanData> byName = spans.stream().collect(Collectors.toMap(SpanData::getName, s -> s));
        for (Map.Entry<String, String> e : PARENTS.entrySet()) {
            SpanData parent = byName.get(e.getValue());
            if (parent != null) {
                assertEquals(e.getKey() + " is a child of " + e.getValue(), parent.getSpanId(),
                        byName.get(e.getKey()).getParentSpanId());
            }
        }
        SpanData commit = byName.get("eventstore.commit");
        assertTrue("the commit span says which group it wrote",
                commit.getAttributes().asMap().keySet().stream().anyMatch(k -> k.getKey().equals("ludus.eventstore.group")));
        return byName.get("gateway.act");
    }

    @Test
    public void anActionWithTheClientsTraceparentIsOneTraceUnderTheClientsSpan() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String clientSpan = "00f067aa0ba902b7";
        List<SpanData> spans = oneAction(Map.of("traceparent", "00-" + traceId + "-" + clientSpan + "-01"));
        SpanData root = assertOneTrace(spans);
        assertEquals("the client's trace", traceId, root.getTraceId());
        assertEquals("under the client's span", clientSpan, root.getParentSpanId());
        assertTrue(root.getParentSpanContext().isRemote());
    }

    @Test
    public void anActionWithoutTraceparentStartsAFreshTrace() throws Exception {
        List<SpanData> first = oneAction(Map.of());
        SpanData root = assertOneTrace(first);
        assertFalse("a root span", SpanId.isValid(root.getParentSpanId()));
        List<SpanData> second = oneAction(Map.of());
        assertNotEquals("each action its own trace", root.getTraceId(), assertOneTrace(second).getTraceId());
    }

    @Test
    public void aMalformedTraceparentIsIgnoredAndTheActionStillAccepted() throws Exception {
        for (Object bad : List.of("00-4bf92f3577b34da6a3ce929d0e0e4736-zz-01", "not a traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", 42)) {
            SpanData root = assertOneTrace(oneAction(Map.of("traceparent", bad)));
            assertFalse(bad + ": a root span", SpanId.isValid(root.getParentSpanId()));
            assertNotEquals("00000000000000000000000000000000", root.getTraceId());
        }
    }
}
