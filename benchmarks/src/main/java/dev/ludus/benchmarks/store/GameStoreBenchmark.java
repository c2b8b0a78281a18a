package dev.ludus.benchmarks.store;

import java.util.concurrent.ConcurrentHashMap;
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

import dev.ludus.api.store.VersionConflictException;
import dev.ludus.api.store.Versioned;
import dev.ludus.store.memory.MemoryGameStore;

/**
 * Active game store: read and compare-and-set latency, against a bare ConcurrentHashMap read
 * measured in the same run. SampleTime mode reports percentiles (p0.50, p0.99).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar GameStoreBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(2)
public class GameStoreBenchmark {

    @Param({"10000"})
    int games;

    MemoryGameStore store;
    ConcurrentHashMap<String, Versioned<Object>> baseline;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp() {
        store = new MemoryGameStore();
        baseline = new ConcurrentHashMap<>();
        ids = new String[games];
        for (int i = 0; i < games; i++) {
            ids[i] = "game-" + i;
            store.create(ids[i], Integer.valueOf(i));
            baseline.put(ids[i], new Versioned<>(1, Integer.valueOf(i)));
        }
    }

    private String anyId() {
        return ids[ThreadLocalRandom.current().nextInt(ids.length)];
    }

    @Benchmark
    public Object storeRead() {
        return store.get(anyId()).orElseThrow().value();
    }

    @Benchmark
    public Object baselineMapRead() {
        return baseline.get(anyId()).value();
    }

    @Benchmark
    public Object storeCompareAndSet() {
        String id = anyId();
        while (true) {
            Versioned<Integer> cur = store.<Integer>get(id).orElseThrow();
            try {
                return store.compareAndSet(id, cur.version(), cur.value() + 1);
            } catch (VersionConflictException e) {
                // another thread wrote this game first: read again
            }
        }
    }
}
