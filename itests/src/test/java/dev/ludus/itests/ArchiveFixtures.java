package dev.ludus.itests;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;

/**
 * What the archive tests share: realistic completed games, a producer that completes them
 * continuously, and stopping and starting the test's PostgreSQL server.
 */
final class ArchiveFixtures {

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

    /** System property holding the stop/start control of the test's PostgreSQL server. */
    private static final String SERVER_CONTROL = "ludus.itest.postgres.control";

    /** The archive-jdbc configuration file for a database. */
    static String jdbcConfig(String url, String user, String password, String schema) {
        return "url = " + url + "\nuser = " + user + (password.isEmpty() ? "" : "\n.password = " + password)
                + "\nschema = " + schema + "\nconnectTimeoutSeconds = 2\n";
    }

    /**
     * Called outside the framework: hands the test's server control ("stop", "start") to the
     * test methods. Pax Exam runs those inside the framework, where the test-services classes
     * are not visible; a JDK interface kept in the system properties of the shared JVM is.
     */
    static void handOverServerControl(Consumer<String> control) {
        System.getProperties().put(SERVER_CONTROL, control);
    }

    /** Stops or starts ("stop", "start") the PostgreSQL server the test uses, and waits for it. */
    @SuppressWarnings("unchecked")
    static void postgres(String action) {
        Object control = System.getProperties().get(SERVER_CONTROL);
        if (!(control instanceof Consumer<?>)) {
            throw new AssertionError("no PostgreSQL server control: the @Configuration method hands it over");
        }
        ((Consumer<String>) control).accept(action);
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
