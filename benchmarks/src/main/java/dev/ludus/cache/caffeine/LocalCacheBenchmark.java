package dev.ludus.cache.caffeine;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheCodec;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.cache.support.Owner;

/**
 * A get that hits, from a cache of {@code cache-caffeine} (the key checked, the value looked up,
 * hits counted) beside a bare Caffeine cache built the same way (size bound, expiry after write,
 * statistics, maintenance on the caller) in the same run: {@code getIfPresent} and {@code get}
 * with a loader. Keys drawn at random from {@code keys}, all present.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar LocalCacheBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(1)
@Threads(1)
public class LocalCacheBenchmark {

    @Param({"10000"})
    int keys;

    Cache<String> ludus;
    com.github.benmanes.caffeine.cache.Cache<String, String> bare;
    String[] ids;

    @Setup
    public void setUp() {
        CacheSpec<String> spec = CacheSpec.of("bench", CacheCodec.UTF8).withMaxEntries(keys * 2L);
        ludus = new LocalCacheStore(c -> { }, c -> { }).cache(new Owner(1, "bench", "1.0.0"), spec);
        bare = Caffeine.newBuilder().maximumSize(keys * 2L).expireAfterWrite(spec.timeToLive()).executor(Runnable::run)
                .recordStats().build();
        ids = new String[keys];
        for (int i = 0; i < keys; i++) {
            ids[i] = "player:" + i;
            ludus.put(ids[i], "value of " + i);
            bare.put(ids[i], "value of " + i);
        }
    }

    private String key() {
        return ids[ThreadLocalRandom.current().nextInt(ids.length)];
    }

    @Benchmark
    public String ludusGetIfPresent() {
        return ludus.getIfPresent(key());
    }

    @Benchmark
    public String bareGetIfPresent() {
        return bare.getIfPresent(key());
    }

    @Benchmark
    public String ludusGetWithLoader() {
        return ludus.get(key(), k -> "loaded");
    }

    @Benchmark
    public String bareGetWithLoader() {
        return bare.get(key(), k -> "loaded");
    }
}
