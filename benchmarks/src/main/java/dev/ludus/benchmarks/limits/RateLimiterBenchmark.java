package dev.ludus.benchmarks.limits;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.ludus.api.limits.LimitPolicy;
import dev.ludus.limits.local.LocalRateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

/**
 * A rate-limit decision of the in-memory limiter (find the key's bucket, take a token, the block
 * bookkeeping), against a bare Bucket4j bucket's {@code tryConsumeAndReturnRemaining} measured in
 * the same run: what the limiter adds to Bucket4j. Keys are drawn from {@code keys} players, as the
 * gateway asks for one player's bucket per request; the policy allows far more than the benchmark
 * takes, so every decision is an allowed one (the common case). SampleTime gives p0.50 and p0.99.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RateLimiterBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(2)
public class RateLimiterBenchmark {

    @Param({"10000"})
    int keys;

    LimitPolicy policy;
    LocalRateLimiter limiter;
    Bucket[] bare;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp() {
        policy = LimitPolicy.of("player_messages", 1_000_000_000L, Duration.ofSeconds(1));
        limiter = new LocalRateLimiter();
        ids = new String[keys];
        bare = new Bucket[keys];
        for (int i = 0; i < keys; i++) {
            ids[i] = "player:" + i;
            bare[i] = Bucket.builder().addLimit(Bandwidth.builder().capacity(policy.capacity())
                    .refillGreedy(policy.tokens(), policy.period()).build()).build();
            limiter.acquire(policy, ids[i], 1);
        }
    }


    @Benchmark
    public Object limiterDecision() {
        return limiter.acquire(policy, ids[ThreadLocalRandom.current().nextInt(ids.length)], 1);
    }

    @Benchmark
    public Object baselineBareBucket() {
        return bare[ThreadLocalRandom.current().nextInt(bare.length)].tryConsumeAndReturnRemaining(1);
    }
}
