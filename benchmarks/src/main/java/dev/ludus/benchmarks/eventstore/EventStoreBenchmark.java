package dev.ludus.benchmarks.eventstore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventlog.LogStats;

/**
 * Durable appends per second of the event store, with group commit and, in the same run, with one
 * fsync per append (group size 1) as the baseline; then replay speed and start-up scan time.
 *
 * <p>Every append is one event of {@value #PAYLOAD_BYTES} bytes to one of {@value #STREAMS} streams,
 * with its expected version (every append succeeds; a conflict aborts the run). Latency is measured
 * from the call to the completion of the append, which happens after its fsync.
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.ludus.benchmarks.eventstore.EventStoreBenchmark [seconds] [directory] [replay-events]
 * </pre>
 * {@code seconds} is the measured time per scenario (default 3, after 1 s of warm-up);
 * {@code directory} is where the logs are written (default {@code target/eventstore-benchmark}),
 * which must be on the disk you want to measure (not a tmpfs); {@code replay-events} is how many
 * events the replay and start-up scan part writes first (default 1,000,000; 0 leaves that part out).
 */
public final class EventStoreBenchmark {

    static final int PAYLOAD_BYTES = 100;
    static final int STREAMS = 1000;
    private static final int MAX_SAMPLES = 4_000_000;

    private EventStoreBenchmark() {
    }

    /** One scenario's outcome. */
    record Result(String name, long events, double seconds, long[] latenciesNanos, LogStats stats) {
        double perSecond() {
            return events / seconds;
        }

        double percentileMicros(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(latenciesNanos.length - 1, Math.ceil(p * latenciesNanos.length) - 1);
            return latenciesNanos[Math.max(0, i)] / 1000.0;
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        Path root = Path.of(args.length > 1 ? args[1] : "target/eventstore-benchmark").toAbsolutePath();
        int replayEvents = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        if (replayEvents < 0 || replayEvents % STREAMS != 0) {
            throw new IllegalArgumentException("replay-events must be 0 or a positive multiple of " + STREAMS + ", got " + replayEvents);
        }
        Files.createDirectories(root);
        System.out.printf(Locale.ROOT, "event store benchmark: %s (file system %s), %d cores, Java %s, %.0f s per scenario%n",
                root, Files.getFileStore(root).type(), Runtime.getRuntime().availableProcessors(),
                Runtime.version(), seconds);

        LogSettings group = LogSettings.defaults();
        LogSettings single = LogSettings.defaults().withGroupMaxEvents(1);
        List<Result> results = new ArrayList<>();
        for (int inFlight : new int[] {64, 1024}) {
            results.add(asyncBounded(root, "group commit, appendAsync, " + inFlight + " in flight", group, inFlight, seconds));
            results.add(asyncBounded(root, "baseline fsync per append, appendAsync, " + inFlight + " in flight", single, inFlight, seconds));
        }
        results.add(syncThreads(root, "group commit, append(), 64 threads", group, 64, seconds));
        results.add(syncThreads(root, "baseline fsync per append, append(), 64 threads", single, 64, seconds));

        System.out.println();
        System.out.printf(Locale.ROOT, "%-58s %12s %10s %10s %12s%n", "durable appends (1 event of 100 B each)", "events/s", "p50 us", "p99 us", "mean group");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-58s %12.0f %10.0f %10.0f %12.1f%n", r.name(), r.perSecond(),
                    r.percentileMicros(0.50), r.percentileMicros(0.99), r.stats().meanGroupEvents());
        }
        if (replayEvents > 0) {
            System.out.println();
            replayAndScan(root, replayEvents);
        }
    }

    private static Path fresh(Path root, String name) throws IOException {
        Path dir = root.resolve(name);
        delete(dir);
        return dir;
    }

    private static NewEvent event() {
        return new NewEvent("moved", new byte[PAYLOAD_BYTES]);
    }

    /**
     * A few producer threads keep {@code inFlight} appendAsync calls outstanding (a semaphore), each
     * to the next stream in turn with its expected version.
     */
    static Result asyncBounded(Path root, String name, LogSettings settings, int inFlight, double seconds) throws Exception {
        Path dir = fresh(root, "async");
        try (EventLog log = EventLog.open(dir, settings, Clock.systemUTC())) {
            int producers = 2;
            Semaphore permits = new Semaphore(inFlight);
            long[] samples = new long[MAX_SAMPLES];
            AtomicInteger sampleCount = new AtomicInteger();
            AtomicLong measured = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.SECONDS.toNanos(1);
            long measureTo = measureFrom + (long) (seconds * 1e9);
            List<NewEvent> events = List.of(event());
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                int producer = p;
                threads[p] = new Thread(() -> {
                    long[] next = new long[STREAMS];
                    int s = producer;
                    while (System.nanoTime() < measureTo) {
                        permits.acquireUninterruptibly();
                        long t0 = System.nanoTime();
                        long expected = next[s]++;
                        log.appendAsync("game-" + s, expected, events).whenComplete((v, e) -> {
                            long t1 = System.nanoTime();
                            if (e != null) {
                                failures.incrementAndGet();
                            } else if (t0 >= measureFrom && t1 <= measureTo) {
                                measured.incrementAndGet();
                                int i = sampleCount.getAndIncrement();
                                if (i < samples.length) {
                                    samples[i] = t1 - t0;
                                }
                            }
                            permits.release();
                        });
                        s += producers;
                        if (s >= STREAMS) {
                            s = producer;
                        }
                    }
                });
                threads[p].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            permits.acquire(inFlight); // everything completed
            if (failures.get() > 0) {
                throw new IllegalStateException(name + ": " + failures.get() + " appends failed");
            }
            return result(name, measured.get(), seconds, samples, sampleCount.get(), log.stats());
        } finally {
            delete(dir);
        }
    }

    /** {@code threads} threads each call the blocking append() on their own stream. */
    static Result syncThreads(Path root, String name, LogSettings settings, int threadCount, double seconds) throws Exception {
        Path dir = fresh(root, "sync");
        try (EventLog log = EventLog.open(dir, settings, Clock.systemUTC())) {
            long[] samples = new long[MAX_SAMPLES];
            AtomicInteger sampleCount = new AtomicInteger();
            AtomicLong measured = new AtomicLong();
            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.SECONDS.toNanos(1);
            long measureTo = measureFrom + (long) (seconds * 1e9);
            List<NewEvent> events = List.of(event());
            CountDownLatch done = new CountDownLatch(threadCount);
            for (int t = 0; t < threadCount; t++) {
                String stream = "game-" + t;
                new Thread(() -> {
                    long version = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= measureTo) {
                            break;
                        }
                        version = log.append(stream, version, events);
                        long t1 = System.nanoTime();
                        if (t0 >= measureFrom && t1 <= measureTo) {
                            measured.incrementAndGet();
                            int i = sampleCount.getAndIncrement();
                            if (i < samples.length) {
                                samples[i] = t1 - t0;
                            }
                        }
                    }
                    done.countDown();
                }).start();
            }
            done.await();
            return result(name, measured.get(), seconds, samples, sampleCount.get(), log.stats());
        } finally {
            delete(dir);
        }
    }

    private static Result result(String name, long events, double seconds, long[] samples, int count, LogStats stats) {
        long[] sorted = Arrays.copyOf(samples, Math.min(count, samples.length));
        Arrays.sort(sorted);
        return new Result(name, events, seconds, sorted, stats);
    }

    /** Writes {@code total} events, then times reopening (the start-up scan) and reading every stream back. */
    static void replayAndScan(Path root, int total) throws Exception {
        Path dir = fresh(root, "replay");
        try {
            int perStream = total / STREAMS;
            try (EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC())) {
                Semaphore permits = new Semaphore(4096);
                List<NewEvent> events = List.of(event());
                for (int v = 0; v < perStream; v++) {
                    for (int s = 0; s < STREAMS; s++) {
                        permits.acquireUninterruptibly();
                        log.appendAsync("game-" + s, v, events).whenComplete((r, e) -> {
                            if (e != null) {
                                e.printStackTrace();
                            }
                            permits.release();
                        });
                    }
                }
                permits.acquire(4096);
            }
            long bytes = 0;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    bytes += Files.size(p);
                }
            }
            System.out.printf(Locale.ROOT, "replay: %d events in %d streams, %.1f MiB of log%n", total, STREAMS, bytes / 1048576.0);
            for (int round = 1; round <= 3; round++) {
                long t0 = System.nanoTime();
                EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC());
                long scanNanos = System.nanoTime() - t0;
                long read = 0;
                long t1 = System.nanoTime();
                for (int s = 0; s < STREAMS; s++) {
                    List<RecordedEvent> got = log.read("game-" + s, 1, Integer.MAX_VALUE);
                    read += got.size();
                }
                long readNanos = System.nanoTime() - t1;
                log.close();
                if (read != total) {
                    throw new IllegalStateException("read " + read + " of " + total);
                }
                System.out.printf(Locale.ROOT, "round %d: open with start-up scan %6.0f ms (%,.0f events/s); read all streams back %6.0f ms (%,.0f events/s)%n",
                        round, scanNanos / 1e6, total / (scanNanos / 1e9), readNanos / 1e6, total / (readNanos / 1e9));
            }
        } finally {
            delete(dir);
        }
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
