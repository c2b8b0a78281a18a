package dev.ludus.benchmarks.eventstore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventstore.jdbc.PostgresEventStore;

/**
 * The shared event store (PostgreSQL) beside the file store, in one run, on the same workload:
 * durable appends of one event of {@value EventStoreBenchmark#PAYLOAD_BYTES} bytes to one of
 * {@value EventStoreBenchmark#STREAMS} streams with its expected version, {@code inFlight} appends
 * outstanding (what many rooms playing at once look like to the store), latency from the call to
 * the completion (durable). Then the time to read 1,000 streams of 100 events back (recovery).
 * Rounds alternate the two stores so a noisy machine hits both alike.
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.ludus.benchmarks.eventstore.SharedEventStoreBenchmark \
 *      [seconds] [rounds] [jdbc-url] [user] [directory]
 * </pre>
 * Defaults: 5 s per scenario after 1 s of warm-up, 2 rounds, {@code jdbc:postgresql://127.0.0.1:5432/test},
 * user {@code postgres} (password from {@code LUDUS_BENCH_PG_PASSWORD}), {@code target/shared-eventstore-benchmark}.
 * A schema of its own is made and dropped in that database.
 */
public final class SharedEventStoreBenchmark {

    private SharedEventStoreBenchmark() {
    }

    record Result(String name, long events, double seconds, long[] sortedNanos) {
        double perSecond() {
            return events / seconds;
        }

        double micros(double p) {
            if (sortedNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(p * sortedNanos.length) - 1);
            return sortedNanos[Math.max(0, i)] / 1000.0;
        }
    }

    interface Opened extends AutoCloseable {
        EventStore store();

        @Override
        void close() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String url = args.length > 2 ? args[2] : "jdbc:postgresql://127.0.0.1:5432/test";
        String user = args.length > 3 ? args[3] : "postgres";
        Path root = Path.of(args.length > 4 ? args[4] : "target/shared-eventstore-benchmark").toAbsolutePath();
        String password = System.getenv().getOrDefault("LUDUS_BENCH_PG_PASSWORD", "");
        Files.createDirectories(root);
        String schema = "ludus_bench_" + Long.toHexString(System.nanoTime());

        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(url);
        pg.setUser(user);
        if (!password.isEmpty()) {
            pg.setPassword(password);
        }
        pg.setReWriteBatchedInserts(true);
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(pg);
        hc.setMaximumPoolSize(6);
        hc.setRegisterMbeans(false);
        String version;
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                var rs = st.executeQuery("SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync')");
                rs.next();
                version = "PostgreSQL " + rs.getString(1) + ", synchronous_commit " + rs.getString(2) + ", fsync " + rs.getString(3);
            }
            System.out.printf(Locale.ROOT, "shared event store benchmark: %d cores, Java %s, %.0f s per scenario, %d rounds;"
                    + " files in %s (%s); %s at %s%n", Runtime.getRuntime().availableProcessors(), Runtime.version(), seconds, rounds,
                    root, Files.getFileStore(root).type(), version, url);
            List<Result> results = new ArrayList<>();
            try {
                for (int round = 1; round <= rounds; round++) {
                    for (int inFlight : new int[] {64, 1024}) {
                        results.add(run("file log, " + inFlight + " in flight", () -> file(root), inFlight, seconds));
                        results.add(run("PostgreSQL, " + inFlight + " in flight", () -> postgres(pool, schema), inFlight, seconds));
                    }
                }
                System.out.println();
                System.out.printf(Locale.ROOT, "%-34s %12s %10s %10s %10s%n", "durable appends (1 event of 100 B)", "events/s",
                        "p50 us", "p99 us", "max us");
                for (Result r : results) {
                    System.out.printf(Locale.ROOT, "%-34s %12.0f %10.0f %10.0f %10.0f%n", r.name(), r.perSecond(), r.micros(0.5),
                            r.micros(0.99), r.micros(1.0));
                }
                System.out.println();
                readBack("file log", () -> file(root));
                readBack("PostgreSQL", () -> postgres(pool, schema));
            } finally {
                try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                    st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
                EventStoreBenchmark.delete(root.resolve("log"));
            }
        }
    }

    interface Opener {
        Opened open() throws Exception;
    }

    private static Opened file(Path root) throws Exception {
        Path dir = root.resolve("log");
        EventStoreBenchmark.delete(dir);
        EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC());
        return new Opened() {
            @Override
            public EventStore store() {
                return log;
            }

            @Override
            public void close() throws Exception {
                log.close();
                EventStoreBenchmark.delete(dir);
            }
        };
    }

    private static Opened postgres(HikariDataSource pool, String schema) throws Exception {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        PostgresEventStore store = new PostgresEventStore(pool, schema, PostgresEventStore.Settings.defaults(), Clock.systemUTC(), "bench");
        return new Opened() {
            @Override
            public EventStore store() {
                return store;
            }

            @Override
            public void close() {
                store.close();
            }
        };
    }

    /** Two producer threads keep {@code inFlight} appends outstanding, each to the next stream with its expected version. */
    static Result run(String name, Opener opener, int inFlight, double seconds) throws Exception {
        try (Opened opened = opener.open()) {
            EventStore es = opened.store();
            int producers = 2;
            Semaphore permits = new Semaphore(inFlight);
            long[] samples = new long[4_000_000];
            AtomicInteger sampleCount = new AtomicInteger();
            AtomicLong measured = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            long start = System.nanoTime();
            long from = start + TimeUnit.SECONDS.toNanos(1);
            long to = from + (long) (seconds * 1e9);
            List<NewEvent> events = List.of(new NewEvent("moved", new byte[EventStoreBenchmark.PAYLOAD_BYTES]));
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                int producer = p;
                threads[p] = new Thread(() -> {
                    long[] next = new long[EventStoreBenchmark.STREAMS];
                    int s = producer;
                    while (System.nanoTime() < to) {
                        permits.acquireUninterruptibly();
                        long t0 = System.nanoTime();
                        es.appendAsync("game-" + s, next[s]++, events).whenComplete((v, e) -> {
                            long t1 = System.nanoTime();
                            if (e != null) {
                                failures.incrementAndGet();
                            } else if (t0 >= from && t1 <= to) {
                                measured.incrementAndGet();
                                int i = sampleCount.getAndIncrement();
                                if (i < samples.length) {
                                    samples[i] = t1 - t0;
                                }
                            }
                            permits.release();
                        });
                        s += producers;
                        if (s >= EventStoreBenchmark.STREAMS) {
                            s = producer;
                        }
                    }
                });
                threads[p].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            permits.acquire(inFlight);
            if (failures.get() > 0) {
                throw new IllegalStateException(name + ": " + failures.get() + " appends failed");
            }
            long[] sorted = Arrays.copyOf(samples, Math.min(sampleCount.get(), samples.length));
            Arrays.sort(sorted);
            return new Result(name, measured.get(), seconds, sorted);
        }
    }

    /** Writes 1,000 streams of 100 events, then times reading every stream back. */
    static void readBack(String name, Opener opener) throws Exception {
        try (Opened opened = opener.open()) {
            EventStore es = opened.store();
            int streams = 1000;
            int perStream = 100;
            Semaphore permits = new Semaphore(1024);
            List<NewEvent> events = List.of(new NewEvent("moved", new byte[EventStoreBenchmark.PAYLOAD_BYTES]));
            for (int v = 0; v < perStream; v++) {
                for (int s = 0; s < streams; s++) {
                    permits.acquireUninterruptibly();
                    es.appendAsync("game-" + s, v, events).whenComplete((r, e) -> permits.release());
                }
            }
            permits.acquire(1024);
            long t0 = System.nanoTime();
            long read = 0;
            for (int s = 0; s < streams; s++) {
                read += es.read("game-" + s, 1, Integer.MAX_VALUE).size();
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (read != (long) streams * perStream) {
                throw new IllegalStateException(name + ": read " + read);
            }
            System.out.printf(Locale.ROOT, "read back (recovery), %-12s %d streams of %d events in %.0f ms (%.0f events/s)%n", name,
                    streams, perStream, ms, read / (ms / 1000));
        }
    }
}
