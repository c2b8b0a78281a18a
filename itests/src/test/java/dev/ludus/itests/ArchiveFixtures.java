package dev.ludus.itests;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;

/**
 * What the archive tests share: realistic completed games, a producer that completes them
 * continuously, PostgreSQL access through the driver jar the distribution ships, and control of
 * the local PostgreSQL server.
 */
final class ArchiveFixtures {

    static final String JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String JDBC_USER = "postgres";

    private ArchiveFixtures() {
    }

    // ---------------------------------------------------------------- games

    /** A completed game with a record like a real game log (JSON lines), about 3 KB. */
    static CompletedGame game(String id, Instant completedAt) {
        Random r = new Random(id.hashCode());
        int seats = 2 + r.nextInt(3);
        List<String> players = new ArrayList<>();
        for (int i = 0; i < seats; i++) {
            players.add("player-" + r.nextInt(10_000));
        }
        StringBuilder b = new StringBuilder("{\"type\":\"setup\",\"game\":\"").append(id).append("\",\"seed\":")
                .append(r.nextLong()).append(",\"seats\":").append(seats).append("}\n");
        long t = completedAt.toEpochMilli() - 600_000;
        for (int seq = 0; b.length() < 3000; seq++) {
            t += 500 + r.nextInt(8000);
            b.append("{\"type\":\"action\",\"seq\":").append(seq).append(",\"seat\":").append(seq % seats)
                    .append(",\"action\":\"").append(r.nextInt(5) == 0 ? "draw" : "play").append("\",\"card\":\"")
                    .append("SHDC".charAt(r.nextInt(4))).append(1 + r.nextInt(13)).append("\",\"at\":").append(t).append("}\n");
        }
        return new CompletedGame(id, "liaptui", completedAt.minusSeconds(600 + r.nextInt(600)), completedAt, players,
                b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** True when every field is equal, the record byte for byte. */
    static boolean identical(CompletedGame a, CompletedGame b) {
        return a.gameId().equals(b.gameId()) && a.gameType().equals(b.gameType()) && a.startedAt().equals(b.startedAt())
                && a.completedAt().equals(b.completedAt()) && a.playerIds().equals(b.playerIds())
                && Arrays.equals(a.record(), b.record());
    }

    /**
     * SHA-256 (hex) of every field of a game, computed the way the example load generator writes
     * its ledger: id, type, start, end (ISO-8601), one line per player, an empty line, the record.
     */
    static String digest(CompletedGame g) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            StringBuilder head = new StringBuilder().append(g.gameId()).append('\n').append(g.gameType()).append('\n')
                    .append(g.startedAt()).append('\n').append(g.completedAt()).append('\n');
            for (String p : g.playerIds()) {
                head.append(p).append('\n');
            }
            head.append('\n');
            md.update(head.toString().getBytes(StandardCharsets.UTF_8));
            md.update(g.record());
            return HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Completes games continuously on a few threads, as rooms do when games end: each game is
     * submitted and, once submit returned, counted as completed. A refused submit is retried.
     */
    static final class Producer implements AutoCloseable {
        final Map<String, CompletedGame> completed = new ConcurrentHashMap<>();
        final AtomicLong refused = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong sequence = new AtomicLong();
        private volatile boolean running = true;
        private volatile String lastSubmitted;

        Producer(ArchiveService archive, String prefix, int threadCount, double gamesPerSecond) {
            long intervalNanos = (long) (1e9 * threadCount / gamesPerSecond);
            for (int t = 0; t < threadCount; t++) {
                Thread th = new Thread(() -> {
                    long next = System.nanoTime();
                    while (running) {
                        CompletedGame g = game(prefix + "-" + sequence.getAndIncrement(), Instant.now());
                        while (running) {
                            try {
                                archive.submit(g);
                                completed.put(g.gameId(), g);
                                lastSubmitted = g.gameId();
                                break;
                            } catch (ArchiveException e) {
                                refused.incrementAndGet();
                                sleep(50);
                            }
                        }
                        next += intervalNanos;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            sleep(TimeUnit.NANOSECONDS.toMillis(wait));
                        } else {
                            next = System.nanoTime();
                        }
                    }
                }, "archive-test-producer-" + t);
                th.setDaemon(true);
                threads.add(th);
                th.start();
            }
        }

        String lastSubmitted() {
            return lastSubmitted;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(10_000);
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(Math.max(0, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- PostgreSQL

    /** Opens a connection with the PostgreSQL driver jar found in the distribution's system/. */
    static Connection connect(Path dist) throws IOException, SQLException {
        Path jar;
        try (Stream<Path> s = Files.walk(dist.resolve("system/org/postgresql/postgresql"))) {
            jar = s.filter(p -> p.toString().endsWith(".jar")).findFirst()
                    .orElseThrow(() -> new IOException("no PostgreSQL driver under " + dist.resolve("system")));
        }
        URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        Driver driver;
        try {
            driver = (Driver) loader.loadClass("org.postgresql.Driver").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot load the PostgreSQL driver from " + jar, e);
        }
        Properties p = new Properties();
        p.setProperty("user", JDBC_USER);
        p.setProperty("connectTimeout", "5");
        Connection c = driver.connect(JDBC_URL, p);
        if (c == null) {
            throw new SQLException("driver refused " + JDBC_URL);
        }
        return c;
    }

    /** Fails the test (never skips it) when the local PostgreSQL server does not answer. */
    static void requirePostgres(Path dist) {
        try (Connection c = connect(dist)) {
            if (!c.isValid(5)) {
                throw new AssertionError("PostgreSQL at " + JDBC_URL + " does not answer");
            }
        } catch (IOException | SQLException e) {
            throw new AssertionError("these tests need PostgreSQL at " + JDBC_URL + " (user " + JDBC_USER
                    + "); .ci/run starts it. " + e, e);
        }
    }

    static void dropSchema(Path dist, String schema) {
        try (Connection c = connect(dist); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (IOException | SQLException e) {
            System.err.println("could not drop test schema " + schema + ": " + e);
        }
    }

    /** Runs {@code pg_ctlcluster <version> main <action>} for the local server and waits for it. */
    static void postgres(String action) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c",
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main " + action)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("pg_ctlcluster " + action + " failed: " + out);
        }
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
