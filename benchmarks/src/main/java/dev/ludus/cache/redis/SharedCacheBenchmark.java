package dev.ludus.cache.redis;

import java.net.URI;
import java.nio.charset.StandardCharsets;
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

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheCodec;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.cache.support.Owner;
import dev.ludus.redis.client.PlainRedisConnector;
import dev.ludus.redis.client.RedisConnector;

/**
 * A get that hits, from a shared cache of {@code cache-redis} (Redis only: every get is a round
 * trip; the key checked, the bytes decoded, hits counted) beside a bare Lettuce {@code GET} of the
 * same key over the same connection, in the same run; and the two-level cache's get, which its
 * near-cache answers. Keys drawn at random from {@code keys}, all present. Redis:
 * {@code LUDUS_BENCH_REDIS} (default {@code redis://127.0.0.1:6379}); keys under a prefix of the
 * run's own, expiring by themselves.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SharedCacheBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(1)
@Threads(1)
public class SharedCacheBenchmark {

    @Param({"10000"})
    int keys;

    PlainRedisConnector client;
    RedisLink link;
    Cache<String> shared;
    Cache<String> twoLevel;
    String[] ids;
    String keyspace;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        URI uri = URI.create(System.getenv().getOrDefault("LUDUS_BENCH_REDIS", "redis://127.0.0.1:6379"));
        client = new PlainRedisConnector(uri.getHost(), uri.getPort(), Duration.ofSeconds(1));
        RedisConnector connector = client;
        String prefix = "ludus:bench:" + System.nanoTime();
        SharedStore[] two = new SharedStore[1];
        link = new RedisLink(connector, prefix, 1000, 1000, m -> two[0].invalidation(m), () -> two[0].forgetNear());
        SharedStore sharedStore = new SharedStore(link, prefix, 0, Duration.ofSeconds(5), c -> { }, c -> { });
        two[0] = new SharedStore(link, prefix, keys, Duration.ofMinutes(5), c -> { }, c -> { });
        long end = System.currentTimeMillis() + 10_000;
        while (!link.usable()) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("no Redis at " + uri + ": " + link.problem());
            }
            Thread.sleep(20);
        }
        Owner owner = new Owner(1, "bench", "1.0.0");
        CacheSpec<String> spec = CacheSpec.of("bench", CacheCodec.UTF8).withMaxEntries(keys * 2L)
                .withTimeToLive(Duration.ofMinutes(10));
        shared = sharedStore.cache(owner, spec);
        twoLevel = two[0].cache(new Owner(2, "bench2", "1.0.0"), spec);
        keyspace = prefix + ":bench:1.0.0:bench:";
        ids = new String[keys];
        for (int i = 0; i < keys; i++) {
            ids[i] = "player:" + i;
            shared.put(ids[i], "value of " + i);
            twoLevel.put(ids[i], "value of " + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long errors = link.errors.sum();
        link.close();
        client.close();
        if (errors > 0) {
            throw new IllegalStateException(errors + " Redis failures during the run: the figures are void");
        }
    }

    private String key() {
        return ids[ThreadLocalRandom.current().nextInt(ids.length)];
    }

    @Benchmark
    public String sharedGet() {
        String v = shared.getIfPresent(key());
        if (v == null) {
            throw new IllegalStateException("a miss");
        }
        return v;
    }

    @Benchmark
    public String bareGet() {
        byte[] v = link.connection().sync().get(keyspace + key());
        if (v == null) {
            throw new IllegalStateException("a miss");
        }
        return new String(v, StandardCharsets.UTF_8);
    }

    @Benchmark
    public String twoLevelGet() {
        return twoLevel.getIfPresent(key());
    }
}
