package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Assume;
import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TcpRelay;
import dev.ludus.testing.services.Amqp;
import dev.ludus.testing.services.Nats;
import dev.ludus.testing.services.Postgres;
import dev.ludus.testing.services.PostgresDatabase;
import dev.ludus.testing.services.Redis;
import dev.ludus.testing.services.ServiceEndpoint;

/**
 * The chaos suite: the distribution with the {@code chaos} feature, all-bot games (the bot-load
 * example, which logs every acknowledged move outside the process) and players over real
 * WebSockets (each against three bots, game after game, resuming whenever their connection
 * closes), while one scenario at a time does its damage through the chaos bundle or from outside:
 * the swappable bundles restarted again and again, then updated again and again; the event store's
 * appends made durable 500 ms late; the process killed with SIGKILL and started again; and, in a
 * second run with the opt-in features that use them, PostgreSQL, Redis, NATS and RabbitMQ each cut
 * away (reached through relays: every connection closed, new ones refused). Each
 * scenario gets a row: acknowledged moves lost and applied twice (the bot games' acknowledgements
 * against the rooms and their event streams after the scenario), players whose connection closed
 * without a close code, players that could not resume, players' action p99 during and after, and
 * the time from the end of the damage to {@code /health} UP.
 *
 * <p>The short form (the default, and what CI runs) holds each fault 4 s with 40 bot games and 12
 * players; {@code mvn -Pchaos verify} runs the full form (200 bot games, 200 players, 30 s each)
 * alone. The tables go to {@code target/chaos-suite.md} and {@code target/chaos-suite-services.md},
 * the node's log beside them; {@code scripts/chaos-table} runs the full form and puts the tables
 * into the README. {@code -Dludus.chaos.scenarios=restarts,updates,slowfsync,kill,services} picks
 * scenarios, {@code -Dludus.chaos.bundles=...} the bundles the schedules act on.
 */
public class ChaosSuiteIT {

    static final boolean FULL = "full".equals(System.getProperty("ludus.chaos.form", "short"));
    static final int ROOMS = FULL ? 200 : 40;
    static final int PLAYERS = FULL ? 200 : 12;
    static final long FAULT_MILLIS = FULL ? 30_000 : 4_000;
    static final long AFTER_MILLIS = FULL ? 15_000 : 3_000;
    static final long THINK_MILLIS = FULL ? 500 : 150;
    /** Every swappable bundle of the default feature set (the swap suite's, and the caches). */
    static final String SWAPPABLE = System.getProperty("ludus.chaos.bundles", "").isBlank() ? "dev.ludus.game.liaptui, dev.ludus.eventstore, dev.ludus.store.memory, dev.ludus.rooms,"
            + " dev.ludus.gateway, dev.ludus.archive, dev.ludus.archive.fs, dev.ludus.health, dev.ludus.web.security,"
            + " dev.ludus.config.guard, dev.ludus.metrics, dev.ludus.limits.local, dev.ludus.resilience, dev.ludus.bus.local,"
            + " dev.ludus.stats, dev.ludus.webhooks, dev.ludus.cache.caffeine, dev.ludus.console"
            : System.getProperty("ludus.chaos.bundles");
    /** The scenarios to run (all by default): restarts, updates, slowfsync, kill. */
    static final String SCENARIOS = System.getProperty("ludus.chaos.scenarios", "restarts,updates,slowfsync,kill,services");

    /** One scenario's row. */
    record Row(String scenario, String damage, int rooms, int notCompared, int lost, int twice, int missing, long withoutCloseCode,
               long couldNotResume, long movesDuring, long p99During, long movesAfter, long p99After, long healthyMillis,
               String note, List<String> examples) {
    }

    /** What every player saw, with when. */
    static final class Record {
        /** {sentNanos, latencyNanos} of each acknowledged move. */
        final List<long[]> moves = Collections.synchronizedList(new ArrayList<>());
        /** {atNanos, closeCode} of each connection that closed under a player. */
        final List<long[]> closes = Collections.synchronizedList(new ArrayList<>());
        /** {atNanos} of each player that gave up resuming after a minute. */
        final List<Long> resumeFailures = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Integer> refusals = new ConcurrentHashMap<>();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger playing = new AtomicInteger();
        /** Rooms whose end a player saw. */
        final java.util.Set<String> finishedRooms = ConcurrentHashMap.newKeySet();
        volatile boolean stop;
    }

    /** One scenario: its name, what it does, how it starts and how it ends. */
    record Scenario(String name, String damage, Step on, Step off) {
    }

    @Test
    public void everyScenarioLosesNothingAndEveryPlayerResumes() throws Exception {
        try (Distribution d = Distribution.copy()) {
            Path conf = d.home.resolve("conf");
            List<Scenario> scenarios = new ArrayList<>();
            if (SCENARIOS.contains("restarts")) {
                scenarios.add(new Scenario("bundles restarted", "each " + (FULL ? "1.5" : "0.8")
                        + " s, one of the 18 swappable bundles stopped and started", () -> {
                            Files.writeString(conf.resolve("dev.ludus.chaos.schedule-restarts.cfg"), "bundles = " + SWAPPABLE
                                    + "\naction = restart\neveryMillis = " + (FULL ? 1500 : 800) + "\n");
                            arm(conf, true);
                        }, () -> {
                            arm(conf, false);
                            Files.delete(conf.resolve("dev.ludus.chaos.schedule-restarts.cfg"));
                        }));
            }
            if (SCENARIOS.contains("updates")) {
                scenarios.add(new Scenario("bundles updated", "each " + (FULL ? "1.5" : "0.8")
                        + " s, one of them updated in place and refreshed", () -> {
                            Files.writeString(conf.resolve("dev.ludus.chaos.schedule-updates.cfg"), "bundles = " + SWAPPABLE
                                    + "\naction = update\neveryMillis = " + (FULL ? 1500 : 800) + "\n");
                            arm(conf, true);
                        }, () -> {
                            arm(conf, false);
                            Files.delete(conf.resolve("dev.ludus.chaos.schedule-updates.cfg"));
                        }));
            }
            if (SCENARIOS.contains("slowfsync")) {
                scenarios.add(new Scenario("slow fsync", "every append to the event store made durable 500 ms late", () -> {
                    Files.writeString(conf.resolve("dev.ludus.chaos.fault-slowstore.cfg"),
                            "service = dev.ludus.api.event.EventStore\nmethods = appendAsync\nlatencyMillis = 500\n");
                    arm(conf, true);
                }, () -> {
                    arm(conf, false);
                    Files.delete(conf.resolve("dev.ludus.chaos.fault-slowstore.cfg"));
                }));
            }
            suite(d, "", "", Map.of("dev.ludus.gateway.cfg", "limits = off\nmaxConnectionsPerAddress = 5000\n"), scenarios,
                    SCENARIOS.contains("kill"), null, "chaos-suite");
        }
    }

    /**
     * PostgreSQL (the archive), Redis (rate limits, caches), NATS (rooms' announcements) and
     * RabbitMQ (the gateway's player events) each away, one at a time: the node reaches each
     * through a relay that the scenario cuts (every connection closed, new ones refused) and
     * restores. At the end every finished game the test knows of must be in PostgreSQL's archive.
     */
    @Test
    public void everyOutsideServiceAwayLosesNothing() throws Exception {
        Assume.assumeTrue("services scenarios not asked for", SCENARIOS.contains("services"));
        PostgresDatabase db = Postgres.server(ChaosSuiteIT.class, 1).createDatabase("chaos_suite");
        ServiceEndpoint redis = Redis.server(ChaosSuiteIT.class, 1);
        ServiceEndpoint nats = Nats.server(ChaosSuiteIT.class, 1);
        ServiceEndpoint amqp = Amqp.server(ChaosSuiteIT.class, 1);
        URI pg = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        String bus = "chaos" + Long.toHexString(System.nanoTime());
        try (Distribution d = Distribution.copy(); TcpRelay pgRelay = new TcpRelay(pg.getPort());
             TcpRelay redisRelay = new TcpRelay(redis.port()); TcpRelay natsRelay = new TcpRelay(nats.port());
             TcpRelay amqpRelay = new TcpRelay(amqp.port())) {
            String jdbc = "jdbc:postgresql://127.0.0.1:" + pgRelay.port() + pg.getPath();
            Map<String, String> conf = new java.util.LinkedHashMap<>();
            conf.put("dev.ludus.archive.jdbc.cfg", ArchiveFixtures.jdbcConfig(jdbc, db.user(), db.password(), "chaos"));
            conf.put("dev.ludus.archive.cfg", "backend.target = (ludus.archive.backend=jdbc)\n"
                    + "cache.target = (ludus.cache=two-level)\n");
            conf.put("dev.ludus.redis.cfg", "host = 127.0.0.1\nport = " + redisRelay.port() + "\n");
            conf.put("dev.ludus.nats.cfg", "servers = nats://127.0.0.1:" + natsRelay.port()
                    + "\ncheckSeconds = 1\nreconnectWaitMillis = 200\n");
            conf.put("dev.ludus.bus.nats.cfg", "name = " + bus + "\n");
            conf.put("dev.ludus.bus.rabbitmq.cfg", "host = 127.0.0.1\nport = " + amqpRelay.port() + "\nname = " + bus + "\n");
            conf.put("dev.ludus.gateway.cfg", "limits = shadow\nlimiter.target = (ludus.limiter=redis)\n"
                    + "cache.target = (ludus.cache=redis)\nbus.target = (ludus.bus=rabbitmq)\nmaxConnectionsPerAddress = 5000\n");

            List<Scenario> scenarios = new ArrayList<>();
            for (var s : List.of(Map.entry("PostgreSQL", pgRelay), Map.entry("Redis", redisRelay),
                    Map.entry("NATS", natsRelay), Map.entry("RabbitMQ", amqpRelay))) {
                scenarios.add(new Scenario(s.getKey() + " away", "every connection to " + s.getKey()
                        + " cut and new ones refused", s.getValue()::cut, s.getValue()::restore));
            }
            suite(d, ", archive-jdbc, redis, limits-redis, cache-redis, nats, bus-nats, bus-rabbitmq",
                    "bus.target = (ludus.bus=nats)\narchiveRetrySeconds = 1\n", conf, scenarios, false,
                    db.jdbcUrl() + "|" + db.user() + "|" + db.password(), "chaos-suite-services");
        } finally {
            // this run's streams, exchanges and queues go with it
            Brokers.deleteNatsStreams("nats://" + nats.host() + ":" + nats.port(), bus);
            Brokers.deleteRabbitTopology(URI.create("amqp://" + amqp.host() + ":" + amqp.port()), bus, List.of("stats"),
                    List.of());
        }
    }

    /**
     * The load, the scenarios one after the other, the table, the checks. {@code moreRooms}: lines
     * added to the rooms' configuration; {@code moreConf}: more {@code conf/} files. {@code archive}: the
     * PostgreSQL archive to find every finished game in ({@code url|user|password}), or null.
     */
    private void suite(Distribution d, String moreFeatures, String moreRooms, Map<String, String> moreConf, List<Scenario> scenarios,
                       boolean kill, String archive, String tableName) throws Exception {
        d.env.put("LUDUS_FEATURES", "framework, http, webconsole, ludus-core, games, chaos" + moreFeatures);
        d.env.put("LUDUS_CONSOLE_PASSWORD", "chaos-suite-password-1234");
        Path conf = d.home.resolve("conf");
        Path acks = d.home.getParent().resolve("acks.log");
        Files.writeString(conf.resolve("dev.ludus.rooms.cfg"), "botThinkMillis = 50\nsnapshotEvery = 25\n"
                + moreRooms);
        // Players resume and move as fast as the server answers after a fault: rate limits would
        // (rightly) refuse some of that; connections per address: every player is on 127.0.0.1.
        for (Map.Entry<String, String> f : moreConf.entrySet()) {
            Files.writeString(conf.resolve(f.getKey()), f.getValue());
        }
        Files.writeString(conf.resolve("dev.ludus.chaos.cfg"), "armed = false\n");
        // Bot games that last the whole suite, so every scenario meets them playing.
        Path botload = d.deployBotLoad("rooms = " + ROOMS + "\nackLog = " + acks
                + "\ngameOptions = maxRounds=1000, winScore=100000\n");
        d.start().awaitHealthy();
        d.awaitGateway();
        URI ws = URI.create("ws://127.0.0.1:" + d.port + "/ws");
        Path out = Path.of(System.getProperty("ludus.chaos.table")).resolveSibling(tableName + ".md");

        Record rec = new Record();
        ExecutorService pool = Executors.newFixedThreadPool(PLAYERS);
        List<Row> rows = new ArrayList<>();
        String acted = "";
        String archived = "";
        try {
            for (int i = 0; i < PLAYERS; i++) {
                int n = i;
                pool.submit(() -> play(ws, n, rec));
            }
            Wait.until("every player playing", 120_000, () -> rec.playing.get() == PLAYERS);
            Wait.until("every bot room acknowledged moves", 60_000,
                    () -> Files.exists(acks) && AckLog.maxAcked(acks).size() >= ROOMS);
            Thread.sleep(2_000);
            for (Scenario sc : scenarios) {
                rows.add(scenario(d, rec, acks, botload, sc));
            }
            // The node's log starts again with the process: read what the schedules did first.
            acted = actedOn(d.output());
            if (kill) {
                Files.writeString(out.resolveSibling(tableName + "-node-before-kill.log"), d.output());
                rows.add(kill(d, rec, acks, botload));
            }
            if (archive != null) {
                archived = archiveCheck(archive, acks, botload, rec);
            }
        } finally {
            Files.writeString(out.resolveSibling(tableName + "-node.log"), d.output());
            rec.stop = true;
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            pool.shutdownNow();
        }
        String table = table(rows, rec, moreFeatures) + acted + archived;
        System.out.println(table);
        Files.writeString(out, table);
        for (Row r : rows) {
            assertEquals(r.scenario() + ": acknowledged moves lost\n" + table, 0, r.lost());
            assertEquals(r.scenario() + ": moves applied twice\n" + table, 0, r.twice());
            assertEquals(r.scenario() + ": rooms missing\n" + table, 0, r.missing());
            assertEquals(r.scenario() + ": players that could not resume\n" + table, 0, r.couldNotResume());
            if (!r.scenario().equals("SIGKILL")) {
                assertEquals(r.scenario() + ": connections closed without a close code\n" + table, 0,
                        r.withoutCloseCode());
            }
        }
        assertTrue("archive: " + archived, !archived.contains("MISSING"));
        assertTrue("players' unexpected errors: " + rec.errors, rec.errors.size() <= PLAYERS);
    }

    /**
     * Every finished game the test knows of (the bot games the report calls FINISHED, the players'
     * games whose end they saw) in the archive, waiting up to two minutes for the archive's queue.
     */
    private static String archiveCheck(String archive, Path acks, Path botload, Record rec) throws Exception {
        Path report = acks.resolveSibling("report-archive.txt");
        AckLog.Outcome o = check(acks, botload, report);
        java.util.Set<String> finished = new java.util.TreeSet<>(rec.finishedRooms);
        for (String line : Files.readAllLines(report)) {
            String[] f = line.split(" ");
            if (f.length > 1 && f[1].equals("FINISHED")) {
                finished.add(f[0]);
            }
        }
        String[] a = archive.split("\\|", -1);
        java.util.Set<String> missing = new java.util.TreeSet<>(finished);
        long end = System.currentTimeMillis() + 120_000;
        while (!missing.isEmpty() && System.currentTimeMillis() < end) {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(a[0], a[1], a[2]);
                 java.sql.PreparedStatement ps = c.prepareStatement("SELECT game_id FROM chaos.game WHERE game_id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("text", missing.toArray()));
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        missing.remove(rs.getString(1));
                    }
                }
            }
            if (!missing.isEmpty()) {
                Thread.sleep(1_000);
            }
        }
        return "\nArchive (PostgreSQL, a game's id is its key, so none can be there twice): " + finished.size()
                + " finished games known to the test, " + (missing.isEmpty() ? "all archived"
                : missing.size() + " MISSING after two minutes, e.g. " + missing.stream().limit(5).toList())
                + " (" + o + ")\n";
    }

    interface Step {
        void run() throws Exception;
    }

    private static void arm(Path conf, boolean armed) throws Exception {
        Path tmp = conf.resolve("dev.ludus.chaos.cfg.part");
        Files.writeString(tmp, "armed = " + armed + "\n");
        Files.move(tmp, conf.resolve("dev.ludus.chaos.cfg"), StandardCopyOption.ATOMIC_MOVE);
    }

    private Row scenario(Distribution d, Record rec, Path acks, Path botload, Scenario sc) throws Exception {
        long t0 = System.nanoTime();
        sc.on().run();
        // What /health says while the damage lasts: proof the damage reached something in use.
        java.util.Set<String> seen = new java.util.TreeSet<>();
        long until = System.nanoTime() + FAULT_MILLIS * 1_000_000;
        while (System.nanoTime() < until) {
            try {
                Http.Response r = Http.tryGet(d.base() + "/health", null, null);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\{\"status\":\"([A-Z]+)\"").matcher(r.body());
                seen.add(m.find() ? m.group(1) : "HTTP " + r.status());
            } catch (Exception e) {
                seen.add("no answer");
            }
            Thread.sleep(250);
        }
        long t1 = System.nanoTime();
        sc.off().run();
        long healthy = awaitUp(d, t1);
        long up = System.nanoTime();
        Thread.sleep(AFTER_MILLIS);
        long t2 = System.nanoTime();
        AckLog.Outcome o = check(acks, botload, d.home.getParent().resolve("report-" + sc.name().replace(' ', '-') + ".txt"));
        return row(rec, sc.name(), sc.damage() + "; /health meanwhile " + String.join(", ", seen), o, t0, t1, up, t2,
                healthy, "");
    }

    private Row kill(Distribution d, Record rec, Path acks, Path botload) throws Exception {
        long t0 = System.nanoTime();
        d.process().destroyForcibly(); // SIGKILL: no shutdown hook, no final snapshot
        d.process().waitFor(10, TimeUnit.SECONDS);
        Map<String, Long> acked = AckLog.maxAcked(acks);
        Path report = d.home.getParent().resolve("report-kill.txt");
        Files.writeString(botload, "rooms = 0\nackLog = " + acks + "\nreport = " + report + "\n");
        d.start().awaitHealthy();
        long t1 = System.nanoTime();
        long healthy = awaitUp(d, t0);
        long up = System.nanoTime();
        Wait.until("the recovery report", 120_000, () -> Files.exists(report));
        AckLog.Outcome o = AckLog.check(report, acked, acks);
        Thread.sleep(AFTER_MILLIS);
        long t2 = System.nanoTime();
        return row(rec, "SIGKILL", "the process killed and started again", o, t0, t1, up, t2, healthy,
                "no close code can be sent by a killed process");
    }

    /** Snapshots the acknowledgements, asks the bot load for a report of the rooms now, and compares. */
    private static AckLog.Outcome check(Path acks, Path botload, Path report) throws Exception {
        Map<String, Long> acked = AckLog.maxAcked(acks);
        Files.writeString(botload, Files.readString(botload).replaceAll("(?m)^report = .*\n", "") + "report = " + report + "\n");
        Wait.until("the report " + report.getFileName(), 120_000, () -> Files.exists(report));
        return AckLog.check(report, acked, acks);
    }

    /** Milliseconds from {@code since} until {@code /health} says UP. */
    private static long awaitUp(Distribution d, long since) throws Exception {
        Wait.until("/health UP", 120_000, () -> {
            Http.Response r = Http.tryGet(d.base() + "/health", null, null);
            return r.status() == 200 && r.body().startsWith("{\"status\":\"UP\"");
        });
        return (System.nanoTime() - since) / 1_000_000;
    }

    /**
     * The row of a scenario whose damage lasted from {@code t0} to {@code t1}, after which the node
     * was UP at {@code up}; "after" is from {@code up} to {@code t2}.
     */
    private static Row row(Record rec, String name, String damage, AckLog.Outcome o, long t0, long t1, long up, long t2,
                           long healthy, String note) {
        List<Long> during = new ArrayList<>();
        List<Long> after = new ArrayList<>();
        synchronized (rec.moves) {
            for (long[] m : rec.moves) {
                if (m[0] >= t0 && m[0] < t1) {
                    during.add(m[1]);
                } else if (m[0] >= up && m[0] < t2) {
                    after.add(m[1]);
                }
            }
        }
        long withoutCode;
        synchronized (rec.closes) {
            withoutCode = rec.closes.stream().filter(c -> c[0] >= t0 && c[0] < t2 && (c[1] == -1 || c[1] == 1006)).count();
        }
        long failed;
        synchronized (rec.resumeFailures) {
            failed = rec.resumeFailures.stream().filter(t -> t >= t0 && t < t2).count();
        }
        return new Row(name, damage, o.rooms(), o.notCompared(), o.lost(), o.twice(), o.missing(), withoutCode, failed, during.size(),
                p99(during), after.size(), p99(after), healthy, note, o.examples());
    }

    private static long p99(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1)) / 1_000_000;
    }

    private static String table(List<Row> rows, Record rec, String moreFeatures) {
        StringBuilder b = new StringBuilder();
        b.append("Chaos suite, ").append(FULL ? "full" : "short").append(" form")
                .append(moreFeatures.isEmpty() ? "" : ", with the features" + moreFeatures.substring(1)).append(": ").append(ROOMS).append(" bot games and ")
                .append(PLAYERS).append(" players (each against three bots, ").append(THINK_MILLIS)
                .append(" ms between moves), each fault held ").append(FAULT_MILLIS / 1000).append(" s, ")
                .append(Instant.now()).append("\n\n");
        b.append("| scenario | damage | rooms checked | acknowledged moves lost | applied twice | rooms missing |"
                + " closed without a close code | could not resume | player moves during, p99 | after, p99 |"
                + " end of damage to /health UP |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d%s | %d | %d | %d | %d%s | %d | %d, %s | %d, %s | %.1f s |\n",
                    r.scenario(), r.damage(), r.rooms(), r.notCompared() == 0 ? "" : " (" + r.notCompared()
                            + " finished without their engine: actions not compared)", r.lost(), r.twice(), r.missing(), r.withoutCloseCode(),
                    r.note().isEmpty() ? "" : " (" + r.note() + ")", r.couldNotResume(), r.movesDuring(),
                    ms(r.p99During()), r.movesAfter(), ms(r.p99After()), r.healthyMillis() / 1000.0));
        }
        for (Row r : rows) {
            if (!r.examples().isEmpty()) {
                b.append("\n").append(r.scenario()).append(", rooms that do not add up: ").append(r.examples()).append('\n');
            }
        }
        b.append("\nRefusals players saw (and retried): ").append(new java.util.TreeMap<>(rec.refusals)).append('\n');
        return b.toString();
    }

    /** Which bundles each schedule acted on, from the node's log. */
    private static String actedOn(String log) {
        Map<String, Map<String, Integer>> by = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("chaos: schedule '([^']+)': (restart|update) (\\S+) \\S+ \\(bundle \\d+\\) in").matcher(log);
        while (m.find()) {
            by.computeIfAbsent(m.group(1), k -> new java.util.TreeMap<>()).merge(m.group(3), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder();
        by.forEach((schedule, bundles) -> b.append("Schedule '").append(schedule).append("' acted on ").append(bundles)
                .append('\n'));
        return b.toString();
    }

    private static String ms(long millis) {
        return millis < 0 ? "—" : millis + " ms";
    }

    // ---------------------------------------------------------------- a player

    /** Plays game after game until the suite stops, resuming whenever the connection closes. */
    @SuppressWarnings("unchecked")
    private static void play(URI ws, int n, Record rec) {
        ProtocolClient c = null;
        String room = null;
        long actedOn = -1;
        boolean counted = false;
        while (!rec.stop) {
            try {
                if (c == null) {
                    c = hello(ws, "chaos-" + n, rec);
                    room = null;
                    continue;
                }
                if (c.isClosed()) {
                    rec.closes.add(new long[] {System.nanoTime(), c.closeCode()});
                    ProtocolClient back = resume(ws, c, rec);
                    if (back == null) {
                        if (!rec.stop) {
                            rec.resumeFailures.add(System.nanoTime());
                        }
                        c = null;
                    } else {
                        c = back;
                        actedOn = -1;
                    }
                    continue;
                }
                if (room == null || over(c, room)) {
                    if (room != null) {
                        rec.finishedRooms.add(room);
                    }
                    room = startGame(c, n, room, rec);
                    actedOn = -1;
                    continue;
                }
                Map<String, Object> view = c.latestView();
                List<String> allowed = view == null ? List.of() : (List<String>) view.get("allowedActions");
                long seq = view == null ? -1 : ((Number) view.get("seq")).longValue();
                if (allowed == null || allowed.isEmpty() || seq <= actedOn) {
                    int from = c.count();
                    try {
                        c.awaitAfter(from, "a new message", m -> true, 1_000);
                    } catch (AssertionError quiet) {
                        // nothing new within a second: look again
                    }
                    continue;
                }
                actedOn = seq;
                long sent = System.nanoTime();
                Map<String, Object> reply = c.request("act", LiapTuiPlayer.move(view, allowed));
                if ("ok".equals(reply.get("type"))) {
                    rec.moves.add(new long[] {sent, System.nanoTime() - sent});
                    if (!counted) {
                        counted = true;
                        rec.playing.incrementAndGet();
                    }
                    Thread.sleep(THINK_MILLIS);
                } else {
                    rec.refusals.merge(String.valueOf(reply.get("code")), 1, Integer::sum);
                    actedOn = -1; // act again on the newest view
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                if (c != null && c.isClosed()) {
                    continue; // resumed at the top of the loop
                }
                rec.errors.add("player " + n + ": " + e);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
        if (c != null) {
            c.close();
        }
    }

    /** Refusals that say "not now": the request is sent again a moment later. */
    private static final java.util.Set<String> NOT_NOW = java.util.Set.of("unavailable", "game_paused", "overloaded",
            "draining");

    /**
     * A new game against three bots: create, join, three bots, start, each step sent again while
     * the node says "not now" (a bundle being replaced, a paused store) for up to a minute. A player
     * whose room is still being set up (the connection closed half-way) goes on with that room.
     */
    @SuppressWarnings("unchecked")
    private static String startGame(ProtocolClient c, int n, String previous, Record rec) throws Exception {
        Map<String, Object> view = c.latestView();
        String room = null;
        if (view != null && view.get("room") instanceof Map<?, ?> r && !"FINISHED".equals(r.get("state"))
                && r.get("roomId") instanceof String id && !id.equals(previous)) {
            if (!"WAITING".equals(r.get("state"))) {
                return id; // started before the connection closed: play it
            }
            room = id; // joined before the connection closed: finish setting it up
        }
        if (room == null) {
            Map<String, Object> created = retrying(c, "create_room", Map.of("game", "liap-tui", "name", "chaos " + n,
                    "options", Map.of("maxRounds", "2")), rec);
            room = (String) ((Map<String, Object>) created.get("room")).get("roomId");
            retrying(c, "join_room", Map.of("room", room), rec);
        }
        Map<String, Object> now = c.latestView();
        int seats = 1;
        if (now != null && now.get("room") instanceof Map<?, ?> r && r.get("seats") instanceof List<?> taken) {
            seats = Math.max(1, taken.size());
        }
        for (int i = seats; i < 4; i++) {
            retrying(c, "add_bot", Map.of(), rec);
        }
        retrying(c, "start", Map.of(), rec);
        return room;
    }

    private static Map<String, Object> retrying(ProtocolClient c, String type, Map<String, Object> fields, Record rec)
            throws Exception {
        long end = System.currentTimeMillis() + 60_000;
        while (true) {
            Map<String, Object> reply = c.request(type, fields);
            if ("ok".equals(reply.get("type"))) {
                return ProtocolClient.result(reply);
            }
            String code = String.valueOf(reply.get("code"));
            if (!NOT_NOW.contains(code) || System.currentTimeMillis() > end) {
                throw new AssertionError(type + " " + fields + " failed: " + reply);
            }
            rec.refusals.merge(code, 1, Integer::sum);
            Thread.sleep(250);
        }
    }

    private static boolean over(ProtocolClient c, String room) {
        for (Map<String, Object> m : c.messages()) {
            if (ProtocolClient.isGameOver(m) && room.equals(m.get("roomId"))) {
                return true;
            }
        }
        return false;
    }

    private static ProtocolClient hello(URI ws, String name, Record rec) throws Exception {
        long end = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                return ProtocolClient.hello(ws, name);
            } catch (Exception | AssertionError e) {
                if (System.currentTimeMillis() > end || rec.stop) {
                    throw new AssertionError("no hello within a minute: " + e, e);
                }
                Thread.sleep(250);
            }
        }
    }

    private static ProtocolClient resume(URI ws, ProtocolClient old, Record rec) throws InterruptedException {
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end && !rec.stop) {
            try {
                return old.resume(ws);
            } catch (Exception | AssertionError e) {
                Thread.sleep(250);
            }
        }
        return null;
    }
}
