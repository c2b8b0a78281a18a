package dev.ludus.benchmarks.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.Deflater;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.archive.Archiver;
import dev.ludus.archive.DurableQueue;
import dev.ludus.archive.fs.FileArchive;
import dev.ludus.archive.jdbc.PostgresArchive;

/**
 * Measures the archive pipeline as it runs in Ludus (durable queue, worker, backend) outside a
 * framework, for each backend:
 * <ul>
 * <li><b>drain</b>: a backlog of games waits in the queue, then the backend is attached; archived
 * games per second until the queue is empty (the most a backend takes);</li>
 * <li><b>steady load</b>: four producers complete games at a fixed rate; archived games per second
 * (median and lowest of the one-second samples), queue depth (median, p99, max, sampled every
 * 50 ms) and submit latency (median, p99: the fsync'd hand-off a game room waits for); then a
 * count check that every submitted game is in the backend;</li>
 * <li><b>size</b>: bytes per game before and after compression, and on disk.</li>
 * </ul>
 * Baselines from the same run: the disk alone (the same raw records appended, one fdatasync per
 * batch), compression alone (Deflater on the same records, one thread), and one fdatasync per
 * game from one thread (the floor of a single submitter's latency).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.ludus.benchmarks.archive.ArchiveBenchmark
 * [--seconds 8] [--rate 1000] [--backlog 20000] [--record-bytes 4096] [--backends fs,jdbc]
 * [--jdbc-url jdbc:postgresql://127.0.0.1:5432/test] [--jdbc-user postgres]}.
 */
public final class ArchiveBenchmark {

    private ArchiveBenchmark() {
    }

    record Options(int seconds, int rate, int backlog, int recordBytes, List<String> backends, String jdbcUrl,
                   String jdbcUser, int batchSize) {
        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected --name value, got " + args[i]);
                }
                m.put(args[i].substring(2), args[i + 1]);
            }
            return new Options(Integer.parseInt(m.getOrDefault("seconds", "8")), Integer.parseInt(m.getOrDefault("rate", "1000")),
                    Integer.parseInt(m.getOrDefault("backlog", "20000")), Integer.parseInt(m.getOrDefault("record-bytes", "4096")),
                    List.of(m.getOrDefault("backends", "fs,jdbc").split(",")),
                    m.getOrDefault("jdbc-url", "jdbc:postgresql://127.0.0.1:5432/test"), m.getOrDefault("jdbc-user", "postgres"),
                    Integer.parseInt(m.getOrDefault("batch-size", "256")));
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Path work = Files.createTempDirectory("ludus-archive-bench");
        System.out.printf(Locale.ROOT, "Archive benchmark: %d cores, Java %s; records ~%d bytes, batches of %d, steady load %d games/s for %d s, backlog %d%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), o.recordBytes(), o.batchSize(),
                o.rate(), o.seconds(), o.backlog());
        System.out.println("work directory: " + work);
        List<CompletedGame> sample = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            sample.add(game("sample-" + i, Instant.now(), o.recordBytes()));
        }

        System.out.println();
        System.out.println("Baselines (same records):");
        double disk = diskBaseline(work.resolve("baseline"), sample, o.batchSize());
        System.out.printf(Locale.ROOT, "  disk alone, raw records, one fdatasync per batch: %,.0f games/s%n", disk);
        double deflate = deflateBaseline(sample);
        System.out.printf(Locale.ROOT, "  compression alone (Deflater level 6, one thread): %,.0f games/s%n", deflate);
        long[] syncLatency = syncLatencyBaseline(work.resolve("baseline"), o.recordBytes());
        System.out.printf(Locale.ROOT, "  one write + fdatasync per game, one thread: median %s, p99 %s%n",
                micros(percentile(syncLatency, 50)), micros(percentile(syncLatency, 99)));

        for (String backend : o.backends()) {
            System.out.println();
            switch (backend.trim()) {
                case "fs" -> runFs(work, o);
                case "jdbc" -> runJdbc(work, o);
                default -> System.out.println("unknown backend " + backend);
            }
        }
        deleteTree(work);
    }

    // ---------------------------------------------------------------- backends

    private static void runFs(Path work, Options o) throws Exception {
        Path dir = work.resolve("fs");
        try (FileArchive fs = new FileArchive(dir.resolve("archive"), 6)) {
            ArchiveBackend b = new FileBackend(fs);
            Result r = measure("fs", b, dir.resolve("queue"), o);
            FileArchive.Stats s = fs.stats();
            long onDisk = treeSize(dir.resolve("archive"));
            r.print();
            System.out.printf(Locale.ROOT, "  size: %,d games; record %,.0f bytes raw -> %,.0f bytes compressed (%.1f%% saved); %,.0f bytes per game on disk with headers and footers (%d packs)%n",
                    s.games(), (double) s.rawBytes() / s.games(), (double) s.storedBytes() / s.games(), 100 * s.saved(),
                    (double) onDisk / s.games(), s.packs());
        }
    }

    private static void runJdbc(Path work, Options o) throws Exception {
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(o.jdbcUrl());
        pg.setUser(o.jdbcUser());
        pg.setConnectTimeout(3);
        pg.setReWriteBatchedInserts(true);
        try (Connection c = pg.getConnection()) {
            c.isValid(3);
        } catch (Exception e) {
            System.out.println("jdbc: not measured, PostgreSQL is not reachable at " + o.jdbcUrl() + ": " + e.getMessage());
            return;
        }
        String schema = "ludus_bench_" + Long.toHexString(System.nanoTime());
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(pg);
        hc.setMaximumPoolSize(4);
        hc.setAutoCommit(false);
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            PostgresArchive db = new PostgresArchive(pool, schema);
            db.migrate();
            try {
                Result r = measure("jdbc", new JdbcBackend(db), work.resolve("jdbc-queue"), o);
                r.print();
                Map<String, Long> s = db.sizes();
                long games = s.get("games");
                System.out.printf(Locale.ROOT, "  size: %,d games; record %,.0f bytes raw -> %,.0f bytes as stored by PostgreSQL (TOAST compression, %.1f%% saved); %,.0f bytes per game in tables and indexes%n",
                        games, (double) s.get("rawRecordBytes") / games, (double) s.get("storedRecordBytes") / games,
                        100 * (1 - (double) s.get("storedRecordBytes") / s.get("rawRecordBytes")), (double) s.get("totalBytes") / games);
            } finally {
                try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                    st.execute("DROP SCHEMA " + schema + " CASCADE");
                    c.commit();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the measurement

    static final class Result {
        final String backend;
        double drainRate;
        long drainMillis;
        int backlog;
        double[] perSecond;
        long[] depth;
        long[] submitNanos;
        double offered;
        double achieved;
        long submitted;
        long stored;

        Result(String backend) {
            this.backend = backend;
        }

        void print() {
            double[] sorted = perSecond.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "%s backend:%n", backend);
            System.out.printf(Locale.ROOT, "  drain: %,d queued games archived in %,d ms = %,.0f games/s%n", backlog, drainMillis, drainRate);
            System.out.printf(Locale.ROOT, "  steady load, %,.0f games/s asked, %,.0f submitted: archived per second median %,.0f, lowest %,.0f; queue depth median %d, p99 %d, max %d; submit latency median %s, p99 %s%n",
                    offered, achieved, percentile(sorted, 50), percentile(sorted, 0), percentile(depth, 50), percentile(depth, 99),
                    Arrays.stream(depth).max().orElse(0), micros(percentile(submitNanos, 50)), micros(percentile(submitNanos, 99)));
            System.out.printf(Locale.ROOT, "  check: %,d games submitted in all, %,d in the backend (%s)%n", backlog + submitted, stored,
                    stored == backlog + submitted ? "none lost" : "MISMATCH");
        }
    }

    private static Result measure(String name, ArchiveBackend backend, Path queueDir, Options o) throws Exception {
        Result r = new Result(name);
        AtomicReference<Archiver.Target> active = new AtomicReference<>();
        try (DurableQueue queue = new DurableQueue(queueDir, 64L << 20, Clock.systemUTC())) {
            Archiver archiver = new Archiver(queue, active::get, new Archiver.Settings(o.batchSize(), 8L << 20,
                    Duration.ofMillis(200), Duration.ofSeconds(5)), Clock.systemUTC());
            try {
                // Drain: a backlog submitted by 4 threads while no backend is attached.
                r.backlog = o.backlog();
                AtomicLong seq = new AtomicLong();
                List<Thread> fill = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Thread th = new Thread(() -> {
                        long i;
                        while ((i = seq.getAndIncrement()) < o.backlog()) {
                            queue.append(game(name + "-backlog-" + i, Instant.now(), o.recordBytes()));
                        }
                    });
                    fill.add(th);
                    th.start();
                }
                for (Thread t : fill) {
                    t.join();
                }
                long t0 = System.nanoTime();
                active.set(new Archiver.Target(name, backend));
                archiver.backendChanged();
                while (queue.depth() > 0) {
                    Thread.sleep(5);
                }
                r.drainMillis = (System.nanoTime() - t0) / 1_000_000;
                r.drainRate = o.backlog() * 1000.0 / Math.max(1, r.drainMillis);

                // Steady load.
                r.offered = o.rate();
                int threads = 4;
                long interval = (long) (1e9 * threads / o.rate());
                long end = System.nanoTime() + o.seconds() * 1_000_000_000L;
                long[][] latencies = new long[threads][];
                List<Thread> producers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    Thread th = new Thread(() -> {
                        long[] lat = new long[o.rate() * o.seconds() / threads * 2 + 1000];
                        int n = 0;
                        long next = System.nanoTime();
                        long i = 0;
                        while (next < end) {
                            CompletedGame g = game(name + "-steady-" + id + "-" + i++, Instant.now(), o.recordBytes());
                            long s = System.nanoTime();
                            queue.append(g);
                            if (n < lat.length) {
                                lat[n++] = System.nanoTime() - s;
                            }
                            next += interval;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                sleepNanos(wait);
                            }
                        }
                        latencies[id] = Arrays.copyOf(lat, n);
                    });
                    producers.add(th);
                    th.start();
                }
                List<Long> depth = new ArrayList<>();
                List<Double> perSecond = new ArrayList<>();
                long lastArchived = archiver.status().archivedTotal();
                long lastSecond = System.nanoTime();
                while (System.nanoTime() < end) {
                    Thread.sleep(50);
                    depth.add((long) queue.depth());
                    if (System.nanoTime() - lastSecond >= 1_000_000_000L) {
                        long now = System.nanoTime();
                        long archived = archiver.status().archivedTotal();
                        perSecond.add((archived - lastArchived) * 1e9 / (now - lastSecond));
                        lastArchived = archived;
                        lastSecond = now;
                    }
                }
                for (Thread t : producers) {
                    t.join();
                }
                while (queue.depth() > 0) {
                    Thread.sleep(5);
                }
                r.depth = depth.stream().mapToLong(Long::longValue).toArray();
                r.perSecond = perSecond.stream().mapToDouble(Double::doubleValue).toArray();
                r.submitNanos = Arrays.stream(latencies).flatMapToLong(Arrays::stream).toArray();
                r.submitted = r.submitNanos.length;
                r.achieved = r.submitted / (double) o.seconds();
                AtomicLong stored = new AtomicLong();
                backend.forEachId(id -> stored.incrementAndGet());
                r.stored = stored.get();
            } finally {
                archiver.close(Duration.ofSeconds(10));
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- baselines

    private static double diskBaseline(Path dir, List<CompletedGame> games, int batch) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("raw.log");
        long t0 = System.nanoTime();
        int n = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < games.size(); i += batch) {
                    for (CompletedGame g : games.subList(i, Math.min(games.size(), i + batch))) {
                        ByteBuffer b = ByteBuffer.wrap(g.record());
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                        n++;
                    }
                    ch.force(false);
                }
            }
        }
        double rate = n * 1e9 / (System.nanoTime() - t0);
        Files.delete(file);
        return rate;
    }

    private static double deflateBaseline(List<CompletedGame> games) {
        Deflater d = new Deflater(6);
        byte[] out = new byte[1 << 20];
        long t0 = System.nanoTime();
        int n = 0;
        for (int round = 0; round < 5; round++) {
            for (CompletedGame g : games) {
                d.reset();
                d.setInput(g.record());
                d.finish();
                while (!d.finished()) {
                    d.deflate(out);
                }
                n++;
            }
        }
        d.end();
        return n * 1e9 / (System.nanoTime() - t0);
    }

    private static long[] syncLatencyBaseline(Path dir, int recordBytes) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("sync.log");
        long[] lat = new long[2000];
        byte[] record = new byte[recordBytes];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < lat.length; i++) {
                long s = System.nanoTime();
                ch.write(ByteBuffer.wrap(record));
                ch.force(false);
                lat[i] = System.nanoTime() - s;
            }
        }
        Files.delete(file);
        return lat;
    }

    // ---------------------------------------------------------------- games

    private static final String[] ACTIONS = {"play", "play", "play", "draw", "pass", "capture"};

    /** A completed game whose record reads like a game log: JSON lines of seats, actions, cards, times. */
    static CompletedGame game(String id, Instant completedAt, int recordBytes) {
        Random r = new Random(id.hashCode());
        int seats = 2 + r.nextInt(3);
        List<String> players = new ArrayList<>();
        for (int i = 0; i < seats; i++) {
            players.add("player-" + Integer.toString(r.nextInt(50_000), 36));
        }
        Instant started = completedAt.minusSeconds(120 + r.nextInt(1200));
        StringBuilder b = new StringBuilder(recordBytes + 128);
        b.append("{\"type\":\"setup\",\"game\":\"").append(id).append("\",\"rules\":\"liaptui/1\",\"seed\":").append(r.nextLong())
                .append(",\"seats\":").append(players.toString().replace("[", "[\"").replace("]", "\"]").replace(", ", "\",\""))
                .append("}\n");
        long t = started.toEpochMilli();
        int seq = 0;
        while (b.length() < recordBytes - 60) {
            t += 400 + r.nextInt(9000);
            b.append("{\"type\":\"action\",\"seq\":").append(seq++).append(",\"seat\":").append(seq % seats)
                    .append(",\"action\":\"").append(ACTIONS[r.nextInt(ACTIONS.length)]).append("\",\"card\":\"")
                    .append("SHDC".charAt(r.nextInt(4))).append(1 + r.nextInt(13)).append("\",\"at\":").append(t).append("}\n");
        }
        b.append("{\"type\":\"result\",\"winner\":").append(r.nextInt(seats)).append("}\n");
        return new CompletedGame(id, "liaptui", started, completedAt, players, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- adapters (the DS components need a framework)

    private record FileBackend(FileArchive fs) implements ArchiveBackend {
        public String name() { return "fs"; }
        public void store(Collection<CompletedGame> games) { fs.store(games); }
        public Optional<CompletedGame> load(String gameId) { return fs.load(gameId); }
        public List<CompletedGame> query(ArchiveQuery query) { return fs.query(query); }
        public void forEachId(Consumer<String> action) { fs.forEachId(action); }
        public int deleteCompletedBefore(Instant cutoff) { return fs.deleteCompletedBefore(cutoff); }
    }

    private record JdbcBackend(PostgresArchive db) implements ArchiveBackend {
        public String name() { return "jdbc"; }
        public void store(Collection<CompletedGame> games) { db.store(games); }
        public Optional<CompletedGame> load(String gameId) { return db.load(gameId); }
        public List<CompletedGame> query(ArchiveQuery query) { return db.query(query); }
        public void forEachId(Consumer<String> action) { db.forEachId(action); }
        public int deleteCompletedBefore(Instant cutoff) { return db.deleteCompletedBefore(cutoff); }
    }

    // ---------------------------------------------------------------- small things

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long percentile(long[] values, double p) {
        if (values.length == 0) {
            return 0;
        }
        long[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))];
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))];
    }

    private static String micros(long nanos) {
        return nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6) : String.format(Locale.ROOT, "%d µs", nanos / 1000);
    }

    private static long treeSize(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
