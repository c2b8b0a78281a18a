package dev.ludus.eventstore;

import java.io.IOException;

import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.event.NewEvent;
import dev.ludus.metrics.NodeMetricRegistry;

/**
 * What the event store's metrics cost its appends: durable appends per second, 64 threads each
 * appending one event of 100 bytes to its own stream with the blocking {@code append} (so group
 * commits of up to 64), with the store's series recorded into the node's registry
 * ({@code metrics=on}: the same {@link EventStoreMetrics} and registry class the bundles use,
 * JVM series off) or with no registry bound ({@code metrics=off}, what the store does without the
 * metrics bundle). Each fork opens a fresh log; the throughput includes the fsyncs, so run it on the
 * disk that matters ({@code -Dludus.bench.dir=...}, default {@code target/append-metrics-benchmark}).
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -jar benchmarks/target/benchmarks.jar AppendMetricsBenchmark -f 4 -wi 2 -i 4 -w 2s -r 2s
 * </pre>
 * JMH runs the forks of one value, then those of the other: compare runs whose load is alike
 * ({@code scripts/measure-append-overhead} alternates the two values several times and prints the
 * ratio of the medians).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(2)
@Threads(64)
public class AppendMetricsBenchmark {

    @Param({"off", "on"})
    public String metrics;

    private Path directory;
    private EventLog log;
    private MetricRegistry registry;
    private final AtomicInteger streams = new AtomicInteger();
    private final List<NewEvent> events = List.of(new NewEvent("moved", new byte[100]));

    /** One thread's stream and the version it expects next. */
    @State(Scope.Thread)
    public static class OwnStream {
        String name;
        long version;

        @Setup(Level.Trial)
        public void name(AppendMetricsBenchmark b) {
            name = "game-" + b.streams.getAndIncrement();
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path root = Path.of(System.getProperty("ludus.bench.dir", "target/append-metrics-benchmark")).toAbsolutePath();
        directory = Files.createTempDirectory(Files.createDirectories(root), "log-");
        log = EventLog.open(directory, LogSettings.defaults(), Clock.systemUTC());
        switch (metrics) {
            case "on" -> {
                NodeMetricRegistry node = new NodeMetricRegistry();
                registry = node;
                EventLog open = log;
                log.metrics(new EventStoreMetrics(registry, "dev.ludus.eventstore", "0.1.0", () -> open));
            }
            case "off" -> log.metrics(null);
            default -> throw new IllegalArgumentException("metrics must be on or off, got " + metrics);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        log.close();
        if (registry != null && registry.timer("ludus_eventstore_append_seconds{bundle=\"dev.ludus.eventstore\","
                + "bundle_version=\"0.1.0\",result=\"durable\"}").getCount() == 0) {
            throw new IllegalStateException("metrics on, but no append was recorded");
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public long append(OwnStream s) {
        long v = log.append(s.name, s.version, events);
        s.version = v;
        return v;
    }
}
