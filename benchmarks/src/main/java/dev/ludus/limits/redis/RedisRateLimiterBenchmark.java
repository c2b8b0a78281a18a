package dev.ludus.limits.redis;

import java.lang.annotation.Annotation;
import java.net.URI;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;
import dev.ludus.redis.client.PlainRedisConnector;
import dev.ludus.redis.client.RedisConnector;

/**
 * A decision of the Redis limiter ({@code limits-redis}: Bucket4j's compare-and-swap bucket over
 * Lettuce, plus the block bookkeeping for a policy with {@code block}), against a bare {@code PING}
 * over the same Lettuce connection, measured in the same run: the floor any Redis round trip pays.
 * One caller thread, so each figure is one decision's latency; keys are drawn from {@code keys}
 * players and the policy allows more than the benchmark takes (every decision is an allowed one).
 * Redis: {@code LUDUS_BENCH_REDIS} (default {@code redis://127.0.0.1:6379}); keys under a prefix of
 * the run's own, expiring by themselves.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RedisRateLimiterBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(1)
@Threads(1)
public class RedisRateLimiterBenchmark {

    @Param({"1000000000/1s", "1000000000/1s block 1m"})
    String policySpec;

    @Param({"10000"})
    int keys;

    LimitPolicy policy;
    PlainRedisConnector client;
    RedisRateLimiter limiter;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        URI uri = URI.create(System.getenv().getOrDefault("LUDUS_BENCH_REDIS", "redis://127.0.0.1:6379"));
        client = new PlainRedisConnector(uri.getHost(), uri.getPort(), Duration.ofSeconds(1));
        RedisConnector connector = client;
        limiter = new RedisRateLimiter(connector, null);
        String prefix = "ludus:bench:" + System.nanoTime() + ":";
        limiter.activate(new RedisLimitsConfig() {
            @Override public Class<? extends Annotation> annotationType() { return RedisLimitsConfig.class; }
            @Override public String failure() { return "closed"; }
            @Override public int timeoutMillis() { return 1000; }
            @Override public int retryMillis() { return 1000; }
            @Override public String keyPrefix() { return prefix; }
            @Override public String redis_target() { return ""; }
            @Override public String fallback_target() { return ""; }
        }, null);
        long end = System.currentTimeMillis() + 10_000;
        while (!limiter.connected()) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("no Redis at " + uri + ": " + limiter.check().reason());
            }
            Thread.sleep(20);
        }
        policy = LimitPolicy.parse("bench", policySpec);
        ids = new String[keys];
        for (int i = 0; i < keys; i++) {
            ids[i] = "player:" + i;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long fallbacks = (long) limiter.check().details().get("fallbackDecisions");
        limiter.deactivate();
        client.close();
        if (fallbacks > 0) {
            throw new IllegalStateException(fallbacks + " decisions were not made by Redis (timeouts): the figures are void");
        }
    }

    @Benchmark
    public Decision redisDecision() {
        Decision d = limiter.acquire(policy, ids[ThreadLocalRandom.current().nextInt(ids.length)], 1);
        if (!d.allowed()) {
            throw new IllegalStateException("refused: " + d);
        }
        return d;
    }

    @Benchmark
    public String baselinePing() throws Exception {
        return limiter.ping();
    }
}
