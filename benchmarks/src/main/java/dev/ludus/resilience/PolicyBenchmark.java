package dev.ludus.resilience;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.ludus.api.resilience.Policy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * What a resilience policy (breaker and retries, the defaults) adds to a call that succeeds, the
 * hot path: a call through {@link Policy#call} against the same call made bare, and against
 * Resilience4j's own breaker around it ({@code executeSupplier}), in the same run, two threads on
 * one policy (its breaker's window is shared, as callers of one name share it). The call itself is
 * an atomic increment, so the difference is the policy's. SampleTime gives p0.50 and p0.99.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar PolicyBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(2)
public class PolicyBenchmark {

    private final AtomicLong counter = new AtomicLong();
    private ResilienceService service;
    private Policy policy;
    private CircuitBreaker breaker;

    @Setup(Level.Trial)
    public void setUp() {
        service = new ResilienceService();
        service.activate(null, Map.of());
        policy = service.policy("benchmark");
        breaker = CircuitBreaker.ofDefaults("bare-breaker");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        service.deactivate();
    }

    private long work() {
        return counter.incrementAndGet();
    }

    @Benchmark
    public long baselineBareCall() {
        return work();
    }

    @Benchmark
    public long policyCall() {
        return policy.call(this::work);
    }

    @Benchmark
    public long resilience4jBreakerOnly() {
        return breaker.executeSupplier(this::work);
    }
}
