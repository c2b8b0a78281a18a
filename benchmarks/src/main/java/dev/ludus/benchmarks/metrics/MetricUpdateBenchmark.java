package dev.ludus.benchmarks.metrics;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.SummingTimer;

/**
 * What recording one value costs the thread that records it, in nanoseconds: the updates the hot
 * paths make (the event store's writer thread makes one {@link SummingTimer} update per append and
 * three per group commit; an action costs the rooms runtime and the gateway a few more), against
 * Dropwizard's plain timer and a counter. A figure that a busy machine disturbs far less than an
 * on/off throughput comparison, and the one to set against the CPU an append or an action takes.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MetricUpdateBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricUpdateBenchmark {

    private final Timer summing = new SummingTimer();
    private final Timer plain = new Timer();
    private final Counter counter = new Counter();
    private long value = 1_000;

    /** The next duration: varied, so the reservoir sees different values, as it would. */
    private long next() {
        value = value * 6_364_136_223_846_793_005L + 1_442_695_040_888_963_407L;
        return 1_000 + (value >>> 44);
    }

    @Benchmark
    public long baseline() {
        return next();
    }

    @Benchmark
    public void summingTimerUpdate() {
        summing.update(next(), TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void dropwizardTimerUpdate() {
        plain.update(next(), TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void counterIncrement() {
        counter.inc(next() & 1);
    }
}
