package dev.ludus.rooms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import dev.ludus.api.game.ActionResult;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventlog.LogTracingAccess;
import dev.ludus.gateway.GatewayTracingAccess;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * What tracing costs a player's action. One operation is one action through the rooms runtime on
 * the real event log (group commit and fsync, no linger; on {@code /dev/shm} where there is one,
 * so the disk does not drown the difference), wrapped in the gateway's span calls as the gateway makes them,
 * from the call to its answer. {@code tracing}:
 * <ul>
 *   <li>{@code noop}: no OpenTelemetry service, the API's no-op (what every node runs without a
 *       tracing bundle);</li>
 *   <li>{@code sdk-off}: an SDK whose sampler drops every trace;</li>
 *   <li>{@code sdk-on}: an SDK sampling every action, its spans batched to an exporter that
 *       discards them (the OTLP exporter's work minus the network).</li>
 * </ul>
 * {@code spanCalls} is the tracing calls of one action alone (eight spans, three context switches),
 * against {@code none}: the same loop making no tracing calls at all.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar TracingBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TracingBenchmark {

    @Param({"noop", "sdk-off", "sdk-on"})
    public String tracing;

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private Path dir;
    private EventLog log;
    private MemoryEventStore snapshots;
    private RoomRuntime runtime;
    private SdkTracerProvider provider;
    private OpenTelemetry otel;
    private GatewayTracingAccess gateway;
    private final RoomsTracing roomsTracing = new RoomsTracing();
    private String room;
    private int mover;

    /** Discards what it is given. */
    private static final class Discard implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
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
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (!tracing.equals("noop")) {
            provider = SdkTracerProvider.builder()
                    .setSampler(tracing.equals("sdk-on") ? Sampler.alwaysOn() : Sampler.alwaysOff())
                    .addSpanProcessor(BatchSpanProcessor.builder(new Discard()).build()).build();
            SdkTracerProvider tracers = provider;
            ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
            otel = new OpenTelemetry() {
                @Override
                public TracerProvider getTracerProvider() {
                    return tracers;
                }

                @Override
                public ContextPropagators getPropagators() {
                    return propagators;
                }
            };
        }
        Path shm = Path.of("/dev/shm");
        dir = Files.isWritable(shm) ? Files.createTempDirectory(shm, "ludus-tracing") : Files.createTempDirectory("ludus-tracing");
        // No linger: one action at a time, so the writer would only wait for appends that never come.
        log = EventLog.open(dir.resolve("events"), LogSettings.defaults().withGroupLingerMicros(0), Clock.systemUTC());
        snapshots = new MemoryEventStore();
        runtime = new RoomRuntime();
        runtime.bindGame(new TurnGame("turns", 2));
        runtime.bindEventStore(log);
        runtime.bindSnapshotStore(snapshots);
        if (otel != null) {
            runtime.bindOpenTelemetry(otel);
            LogTracingAccess.trace(log, otel);
        }
        gateway = new GatewayTracingAccess(otel);
        if (otel != null) {
            roomsTracing.bind(otel, "0");
        }
        runtime.activate(BenchmarkConfig.withBotThink(0));
        newGame();
    }

    /** A game of turns between p0 and p1 long enough for any run; finds who moves first. */
    private void newGame() {
        room = runtime.create("turns", "bench", Map.of("target", "100000")).roomId();
        runtime.join(room, "p0", "P0");
        runtime.join(room, "p1", "P1");
        runtime.start(room);
        mover = 0;
        if (act() instanceof ActionResult.Rejected) {
            mover = 1;
            act();
        }
    }

    private ActionResult act() {
        ActionResult r = runtime.act(room, "p" + mover, "add", Map.of("n", 1)).toCompletableFuture().join();
        if (r instanceof ActionResult.Accepted) {
            mover = 1 - mover;
        }
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runtime.deactivate();
        log.close();
        snapshots.close();
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
        RecoveryBenchmark.delete(dir);
    }

    /** One action from its frame's arrival to its answer, as the gateway traces it. */
    @Benchmark
    public ActionResult action() {
        Span span = gateway.startAct(TRACEPARENT, "add");
        ActionResult r;
        try (io.opentelemetry.context.Scope scope = span.makeCurrent()) {
            r = act();
        }
        gateway.replied(span);
        if (r instanceof ActionResult.Rejected) {
            newGame(); // the game ended (after 100,000 actions)
        }
        return r;
    }

    /** The tracing calls of one action alone: the gateway's, the rooms runtime's, the event store's. */
    @Benchmark
    public void spanCalls(Blackhole bh) {
        Span act = gateway.startAct(TRACEPARENT, "add");
        try (io.opentelemetry.context.Scope a = act.makeCurrent()) {
            Span rooms = roomsTracing.startAct(room, "add");
            try (io.opentelemetry.context.Scope r = rooms.makeCurrent()) {
                for (String name : INNER) {
                    Span inner = roomsTracing.startInner(name);
                    bh.consume(inner);
                    inner.end();
                }
            }
            rooms.end();
        }
        gateway.replied(act);
    }

    private static final String[] INNER = {"rooms.validate", "eventstore.append", "eventstore.commit", "rooms.apply",
            "rooms.broadcast"};

    /** The same work without a tracing call: what {@link #spanCalls} is measured against. */
    @Benchmark
    public void none(Blackhole bh) {
        for (String name : INNER) {
            bh.consume(name);
        }
    }
}
