package dev.ludus.bus.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.bus.support.BusMetrics;
import dev.ludus.bus.support.Subscriber;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;

/**
 * The local bus against the bare event log it is built on, in one run, alternating: durable
 * publishes per second and publish → acknowledgement latency (p50/p99) for the bus, appends per
 * second and latency for the log with the same payload, and publish → consumer latency (the time
 * from the publish call to the handler's call). Each scenario keeps {@code inFlight} operations
 * outstanding from 4 threads, so group commit batches them as a busy node would.
 *
 * Two loads: saturation (as many as the disk and the cores take; the throughput figure) and a
 * steady {@code rate} per second from one thread (the latency figures at a load both can carry).
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.ludus.bus.local.BusLocalBenchmark [seconds] [rounds] [rate] [directory]
 * </pre>
 * Defaults: 3 s per scenario, 3 rounds, 20,000/s, {@code target/bus-benchmark} (put it on the disk
 * to measure, not a tmpfs). Prints each round and the medians, and the bus/log ratios of the medians.
 */
public final class BusLocalBenchmark {

    public static final int PAYLOAD_CHARS = 100;
    static final int THREADS = 4;
    static final int IN_FLIGHT_PER_THREAD = 256;
    static final int TOPICS = 16;

    private BusLocalBenchmark() {
    }

    /** How many operations a run started, warm-up included (the last counter value). */
    private static long counterOf(Result r) {
        return r.started;
    }

    /** One scenario's figures; latencies sorted, in ns. */
    public record Result(String name, long ops, double seconds, long[] latencies, long started) {
        public Result(String name, long ops, double seconds, long[] latencies) {
            this(name, ops, seconds, latencies, ops);
        }

        public double perSecond() {
            return ops / seconds;
        }

        public double micros(double p) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1);
            return latencies[Math.max(0, i)] / 1000.0;
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        Path root = Path.of(args.length > 3 ? args[3] : "target/bus-benchmark").toAbsolutePath();
        Files.createDirectories(root);
        System.out.printf(Locale.ROOT, "local bus benchmark: %s (file system %s), %d cores, Java %s, %.0f s per scenario, "
                + "%d rounds, %d threads x %d in flight, payload %d chars%n", root, Files.getFileStore(root).type(),
                Runtime.getRuntime().availableProcessors(), Runtime.version(), seconds, rounds, THREADS,
                IN_FLIGHT_PER_THREAD, PAYLOAD_CHARS);
        List<List<Result>> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(new ArrayList<>());
        }
        for (int r = 1; r <= rounds; r++) {
            List<Result> round = List.of(
                    runLog(root.resolve("log-" + r), seconds, 0),
                    runBus(root.resolve("bus-" + r), seconds, false, 0),
                    runLog(root.resolve("log-paced-" + r), seconds, rate),
                    runBus(root.resolve("bus-paced-" + r), seconds, false, rate),
                    runBus(root.resolve("consumed-" + r), seconds, true, rate));
            for (int i = 0; i < round.size(); i++) {
                print("round " + r, round.get(i));
                all.get(i).add(round.get(i));
            }
        }
        System.out.println("medians:");
        List<Result> m = all.stream().map(BusLocalBenchmark::median).toList();
        m.forEach(x -> print("", x));
        System.out.printf(Locale.ROOT, "bus / log at saturation: throughput x%.2f%n", m.get(1).perSecond() / m.get(0).perSecond());
        System.out.printf(Locale.ROOT, "bus / log at %,d/s: p50 x%.2f, p99 x%.2f%n", rate, m.get(3).micros(0.5) / m.get(2).micros(0.5),
                m.get(3).micros(0.99) / m.get(2).micros(0.99));
        deleteTree(root);
    }

    public static void print(String prefix, Result r) {
        System.out.printf(Locale.ROOT, "%s %-28s %,10.0f /s   p50 %,9.1f us   p99 %,9.1f us   (%d ops)%n", prefix, r.name,
                r.perSecond(), r.micros(0.5), r.micros(0.99), r.ops);
    }

    /**
     * The median over rounds of one round's {@code bus / bare} ratio of the {@code q} latency
     * quantile ({@code q} 0: of throughput). Each round's two runs are next to each other in time,
     * so a ratio taken within the round holds better on a noisy machine than one of two medians.
     */
    public static double medianRatio(List<Result> bus, List<Result> bare, double q) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(bus.size(), bare.size()); i++) {
            ratios.add(q == 0 ? bus.get(i).perSecond() / bare.get(i).perSecond()
                    : bus.get(i).micros(q) / bare.get(i).micros(q));
        }
        ratios.sort(Comparator.naturalOrder());
        int n = ratios.size();
        return n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
    }

    /** Runs a bare and a bus scenario, the bus first in every other round (no order always favoured). */
    public static List<Result> pair(int round, java.util.concurrent.Callable<Result> bare,
                                    java.util.concurrent.Callable<Result> bus) throws Exception {
        if (round % 2 == 0) {
            Result b = bus.call();
            return List.of(bare.call(), b);
        }
        Result a = bare.call();
        return List.of(a, bus.call());
    }

    /** The round with the median p50 (paced) or the median throughput (saturation). */
    public static Result median(List<Result> results) {
        List<Result> sorted = new ArrayList<>(results);
        sorted.sort(results.get(0).name.contains("/s") ? Comparator.comparingDouble((Result r) -> r.micros(0.5))
                : Comparator.comparingDouble(Result::perSecond));
        return sorted.get(sorted.size() / 2);
    }

    public static String payload(long n) {
        String head = "{\"n\":" + n + ",\"pad\":\"";
        return head + "x".repeat(Math.max(0, PAYLOAD_CHARS - head.length() - 2)) + "\"}";
    }

    private static Result runLog(Path dir, double seconds, int rate) throws Exception {
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC())) {
            byte[] data = Records.message("id", null, payload(0), java.util.Map.of(), 0);
            return drive(rate > 0 ? "log append at " + rate + "/s" : "log append", seconds, rate, n -> log.appendAsync("t:topic-" + (n % TOPICS), EventStore.ANY,
                    List.of(new NewEvent(Records.MESSAGE, data))));
        }
    }

    private static Result runBus(Path dir, double seconds, boolean consume, int rate) throws Exception {
        LocalBus bus = LocalBus.open(dir, LogSettings.defaults(), LocalBus.Settings.defaults(), Clock.systemUTC(),
                new BusMetrics("local"));
        try {
            long[] deliveries = new long[4_000_000];
            AtomicLong delivered = new AtomicLong();
            AtomicLong seen = new AtomicLong();
            long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // drive's warm-up ends about then
            if (consume) {
                List<String> topics = new ArrayList<>();
                for (int i = 0; i < TOPICS; i++) {
                    topics.add("topic-" + i);
                }
                bus.subscribe(new Subscriber("bench", "bench", topics, d -> {
                    String p = d.message().payload();
                    long sent = Long.parseLong(p.substring(5, p.indexOf(',')));
                    seen.incrementAndGet();
                    if (sent >= measureFrom) {
                        long i = delivered.getAndIncrement();
                        if (i < deliveries.length) {
                            deliveries[(int) i] = System.nanoTime() - sent;
                        }
                    }
                }, 5, 100, 1000, "benchmark", "0"));
            }
            String name = (consume ? "bus publish (consumed)" : "bus publish") + (rate > 0 ? " at " + rate + "/s" : "");
            Result published = drive(name, seconds, rate, n -> bus.publish(OutgoingMessage.of("topic-" + (n % TOPICS), null, payload(System.nanoTime()))));
            if (!consume) {
                return published;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long publishedAll = counterOf(published);
            while (seen.get() < publishedAll && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int n = (int) Math.min(delivered.get(), deliveries.length);
            long[] latencies = Arrays.copyOf(deliveries, n);
            Arrays.sort(latencies);
            return new Result("publish -> consumer at " + rate + "/s", published.ops, published.seconds, latencies);
        } finally {
            bus.close();
        }
    }

    /**
     * With {@code rate} 0: keeps {@link #IN_FLIGHT_PER_THREAD} operations outstanding from each of
     * {@link #THREADS} threads. Otherwise one thread starts {@code rate} operations per second.
     */
    public static Result drive(String name, double seconds, int rate, Function<Long, CompletionStage<?>> op)
            throws Exception {
        int threadCount = rate > 0 ? 1 : THREADS;
        int window = rate > 0 ? 1_000_000 : IN_FLIGHT_PER_THREAD;
        long interval = rate > 0 ? 1_000_000_000L / rate : 0;
        AtomicLong counter = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long end = warmupEnd + (long) (seconds * 1e9);
        List<long[]> perThread = new ArrayList<>();
        List<int[]> counts = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicLong measured = new AtomicLong();
        for (int t = 0; t < threadCount; t++) {
            long[] samples = new long[2_000_000];
            int[] count = {0};
            perThread.add(samples);
            counts.add(count);
            Semaphore permits = new Semaphore(window);
            Thread th = new Thread(() -> {
                try {
                    long next = System.nanoTime();
                    while (System.nanoTime() < end) {
                        if (interval > 0) {
                            next += interval;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                        }
                        permits.acquire();
                        long started = System.nanoTime();
                        boolean counted = started >= warmupEnd;
                        CompletableFuture<?> f = op.apply(counter.incrementAndGet()).toCompletableFuture();
                        f.whenComplete((v, e) -> {
                            if (e != null) {
                                System.err.println(name + ": " + e);
                            } else if (counted) {
                                long lat = System.nanoTime() - started;
                                synchronized (samples) {
                                    if (count[0] < samples.length) {
                                        samples[count[0]++] = lat;
                                    }
                                }
                                measured.incrementAndGet();
                            }
                            permits.release(); // after the sample: the drain below waits for every one
                        });
                    }
                    permits.acquire(window); // the last ones are done
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        double took = (System.nanoTime() - warmupEnd) / 1e9;
        long[] all = new long[0];
        for (int t = 0; t < perThread.size(); t++) {
            long[] s = perThread.get(t);
            synchronized (s) {
                int n = counts.get(t)[0];
                int from = all.length;
                all = Arrays.copyOf(all, from + n);
                System.arraycopy(s, 0, all, from, n);
            }
        }
        Arrays.sort(all);
        return new Result(name, measured.get(), took, all, counter.get());
    }

    /** The payload's first number is the nanoTime it was sent at. */
    public static long sentAt(String payload) {
        return Long.parseLong(payload.substring(5, payload.indexOf(',')));
    }

    /** Collects publish → consumer latencies of messages sent after the warm-up (for the broker buses' benchmarks). */
    public static final class Deliveries {
        final long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        final long[] latencies = new long[2_000_000];
        final AtomicLong counted = new AtomicLong();
        final AtomicLong seen = new AtomicLong();

        public void saw(String payload) {
            long sent = sentAt(payload);
            long now = System.nanoTime();
            seen.incrementAndGet();
            if (sent >= measureFrom) {
                long i = counted.getAndIncrement();
                if (i < latencies.length) {
                    latencies[(int) i] = now - sent;
                }
            }
        }

        public Result result(String name, Result published) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.get() < published.started() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long[] l = Arrays.copyOf(latencies, (int) Math.min(counted.get(), latencies.length));
            Arrays.sort(l);
            return new Result(name, published.ops(), published.seconds(), l);
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
