package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;


import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The swap suite: under a steady load of players (each against three bots, over real WebSockets),
 * bundles are stopped and started, updated in place from the same jar and from a rebuilt one, and
 * uninstalled and reinstalled, one after the other. Each swap gets a row: the pause players saw,
 * acknowledged-move latency during the swap and after it, refusals by code, disconnections by
 * close code, and players left silently behind. At the end every game must finish, every
 * acknowledged move must be in the event store, and every game must be archived exactly once.
 *
 * <p>{@link SwapIT} swaps the default distribution's bundles, {@link SwapJdbcIT} those of the
 * opt-in {@code archive-jdbc} feature, {@link SwapTracingIT} the opt-in {@code tracing-otlp}, {@link SwapRedisIT} the opt-in
 * {@code redis} and {@code limits-redis}. {@code -Dludus.swap.form=full} looks 10 s after each swap
 * with 24 players; the short form (the default, and what CI runs) looks 0.6 s with 12. Each class
 * writes its table to {@code target/}; {@code scripts/swap-table} runs the full form and puts the
 * tables into the README. To look at a few swaps after a longer history:
 * {@code -Dludus.swap.bundles=dev.ludus.rooms -Dludus.swap.kinds=stop/start
 * -Dludus.swap.warmupSeconds=100}.
 */
abstract class SwapSuite {

    static final List<String> KINDS = List.of("stop/start", "update", "update, rebuilt jar", "uninstall/reinstall");
    private static final long SLOW_MILLIS = 100;

    /** The framework the test runs in. */
    abstract BundleContext context();

    private <T> Supplier<T> tracked(Class<T> type) {
        ServiceTracker<T, T> t = new ServiceTracker<>(context(), type, null);
        t.open();
        return t::getService;
    }

    private String base() {
        return "http://127.0.0.1:" + context().getProperty("org.osgi.service.http.port");
    }

    /** One swap's row. */
    record Row(String bundle, String kind, String phases, long pauseP99, long pauseMax, String ackDuring, String ackAfter,
               Map<String, Integer> errors, Map<Integer, Integer> closes, long resumedWithin5s, long players,
               long t0, long ackDuringP99, long caughtUp, long stalls) {
    }

    /** A counter from a health check's details ({@code name}'s {@code key}), or 0. */
    private long healthCounter(String name, String key) {
        try {
            for (var ref : context().getServiceReferences(dev.ludus.api.health.HealthCheck.class, null)) {
                dev.ludus.api.health.HealthCheck h = context().getService(ref);
                try {
                    if (h != null && name.equals(h.name()) && h.check().details().get(key) instanceof Number n) {
                        return n.longValue();
                    }
                } finally {
                    context().ungetService(ref);
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static long delta(long before, long after) {
        return after >= before ? after - before : after; // a restarted bundle starts counting at 0
    }

    /**
     * Runs the suite over {@code all} (narrowed by {@code -Dludus.swap.bundles}) and writes its
     * table, titled {@code title}, to {@code -Dludus.swap.table} + {@code tableSuffix}; fails on
     * any player left silently behind, move lost, game unfinished or archive missing or doubled.
     */
    void run(String title, List<String> all, String tableSuffix) throws Exception {
        run(title, all, null, tableSuffix);
    }

    /** A step of a run: what changes ({@code target}), how ({@code kind}), and the change itself. */
    record Step(String target, String kind, Change change) {
    }

    /** A change made under play; returns how long its phases took, for the table. */
    interface Change {
        String make() throws Exception;
    }

    /**
     * Runs {@code steps} under play instead of the bundle swaps (the same checks and table): for a
     * change that is not a bundle's, such as switching the bus publishers use.
     */
    /** The rooms of every game the last run played (its players' rooms), for checks of a suite's own. */
    List<String> lastGames = List.of();

    void runSteps(String title, List<Step> steps, String tableSuffix) throws Exception {
        run(title, List.of(), steps, tableSuffix);
    }

    private void run(String title, List<String> all, List<Step> steps, String tableSuffix) throws Exception {
        boolean full = "full".equals(System.getProperty("ludus.swap.form", "short"));
        long look = full ? 10_000 : 600;
        int playerCount = Integer.getInteger("ludus.swap.players", full ? 24 : 12);
        // To look at a few swaps after a longer history: -Dludus.swap.bundles=dev.ludus.rooms
        // -Dludus.swap.kinds=stop/start -Dludus.swap.warmupSeconds=100.
        List<String> bundles = listProperty("ludus.swap.bundles", ",", all);
        List<String> kinds = listProperty("ludus.swap.kinds", ";", KINDS); // a kind's name may hold a comma
        long warmup = Long.getLong("ludus.swap.warmupSeconds", 3) * 1000;
        Supplier<RoomService> rooms = tracked(RoomService.class);
        Supplier<EventStore> events = tracked(EventStore.class);
        Supplier<ArchiveService> archive = tracked(ArchiveService.class);
        // A consumer of game.finished on whatever bus runs: every game must reach it.
        Map<String, Integer> announced = new java.util.concurrent.ConcurrentHashMap<>();
        ObjectMapper reader = new ObjectMapper();
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(dev.ludus.api.bus.MessageHandler.GROUP, "swap-check");
        props.put(dev.ludus.api.bus.MessageHandler.TOPICS, "game.finished");
        org.osgi.framework.ServiceRegistration<dev.ludus.api.bus.MessageHandler> consumer = context().registerService(
                dev.ludus.api.bus.MessageHandler.class, d -> announced.merge(
                        reader.readTree(d.message().payload()).path("roomId").asText(), 1, Integer::sum), props);
        URI ws = URI.create("ws://127.0.0.1:" + context().getProperty("org.osgi.service.http.port") + "/ws");
        ProtocolClient.awaitGateway(ws, 30_000);
        awaitReady();
        List<Row> rows = new ArrayList<>();
        try (SwapLoad load = new SwapLoad(ws, rooms, playerCount)) {
            load.start();
            Thread.sleep(warmup); // every player in a game
            List<Step> plan = steps;
            if (plan == null) {
                plan = new ArrayList<>();
                for (String bsn : bundles) {
                    for (String kind : kinds) {
                        plan.add(new Step(bsn, kind, () -> swapBundle(bsn, kind)));
                    }
                }
            }
            for (Step step : plan) {
                rows.add(swap(load, step, look));
            }
            load.drain();
            boolean drained = load.awaitDrained(120_000);
            int[] silent = silences(rows, load);
            String table = table(title, rows, silent, full, playerCount);
            if (!drained) {
                System.out.println(table);
            }
            assertTrue("every player finished the game they were in; not:\n" + load.stuck(), drained);
            for (SwapLoad.Player p : load.players()) {
                if (p.failure != null) {
                    throw new AssertionError("player " + p.index + " failed", p.failure);
                }
            }
            Map<String, Long> end = ending(load, rooms, events, archive, announced);
            table += "\nAfter every swap: " + end.get("games") + " games, " + end.get("unfinished") + " not finished, "
                    + end.get("acked") + " acknowledged moves, " + end.get("lost") + " lost, "
                    + end.get("archived") + " archived, " + end.get("archiveMissing") + " missing, "
                    + end.get("archiveDuplicated") + " duplicated; " + end.get("announceMissing")
                    + " not announced on the bus (" + end.get("announceDeliveries") + " deliveries of "
                    + end.get("announced") + " games); statistics count " + end.get("statsGames") + " player games, the "
                    + "archive " + end.get("archiveHumanGames") + ".\n";
            System.out.println(table);
            String out = System.getProperty("ludus.swap.table");
            if (out != null && !out.isBlank()) {
                Files.writeString(Path.of(out + tableSuffix), table);
            }
            List<String> silenceDetails;
            synchronized (load.silences) {
                silenceDetails = List.copyOf(load.silenceDetails);
            }
            silenceDetails.forEach(d -> System.out.println("silently behind: " + d));
            for (int i = 0; i < rows.size(); i++) {
                assertEquals("players left silently behind after " + rows.get(i).kind() + " of " + rows.get(i).bundle()
                        + ": " + silenceDetails, 0, silent[i]);
            }
            assertEquals("games not finished", 0L, (long) end.get("unfinished"));
            assertEquals("acknowledged moves lost", 0L, (long) end.get("lost"));
            assertEquals("games not archived", 0L, (long) end.get("archiveMissing"));
            assertEquals("games archived twice", 0L, (long) end.get("archiveDuplicated"));
            assertEquals("games not announced on the bus", 0L, (long) end.get("announceMissing"));
        } finally {
            consumer.unregister();
        }
    }

    private static List<String> listProperty(String name, String separator, List<String> all) {
        String v = System.getProperty(name, "");
        if (v.isBlank()) {
            return all;
        }
        List<String> out = java.util.Arrays.stream(v.split(java.util.regex.Pattern.quote(separator))).map(String::strip).toList();
        for (String one : out) {
            if (!all.contains(one)) {
                throw new IllegalArgumentException(name + ": '" + one + "' is not one of " + all);
            }
        }
        return out;
    }

    private void awaitReady() throws Exception {
        Wait.until("/health/ready", 60_000, () -> Http.tryGet(base() + "/health/ready", null, null).status() == 200);
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context().getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    /** The steps swapping each of {@code bundles} in each of the {@link #KINDS}, as {@link #run} does. */
    List<Step> bundleSwaps(List<String> bundles) {
        List<Step> steps = new ArrayList<>();
        for (String bsn : bundles) {
            for (String kind : KINDS) {
                steps.add(new Step(bsn, kind, () -> swapBundle(bsn, kind)));
            }
        }
        return steps;
    }

    /** Swaps bundle {@code bsn} in one of the {@link #KINDS}; returns its phases. */
    private String swapBundle(String bsn, String kind) throws Exception {
        Bundle b = bundle(bsn);
        Path rebuilt = kind.equals("update, rebuilt jar") ? rebuiltJar(b) : null;
        long t0 = System.nanoTime();
        String phases;
        switch (kind) {
            case "stop/start" -> {
                b.stop();
                long stopped = System.nanoTime();
                Thread.sleep(500);
                long started = System.nanoTime();
                b.start();
                phases = "stop " + ms(t0, stopped) + " ms, held 500 ms, start " + ms(started, System.nanoTime()) + " ms";
            }
            case "update" -> {
                b.update();
                phases = "update " + ms(t0, System.nanoTime()) + " ms";
            }
            case "update, rebuilt jar" -> {
                Version old = b.getVersion();
                try (InputStream in = Files.newInputStream(rebuilt)) {
                    b.update(in);
                }
                long updated = System.nanoTime();
                refresh(b);
                phases = "update " + ms(t0, updated) + " ms, refresh " + ms(updated, System.nanoTime()) + " ms, "
                        + old + " → " + b.getVersion();
                assertEquals("the rebuilt jar runs", rebuiltVersion(rebuilt), b.getVersion());
                Files.deleteIfExists(rebuilt);
            }
            case "uninstall/reinstall" -> {
                String location = b.getLocation();
                int level = b.adapt(BundleStartLevel.class).getStartLevel();
                b.uninstall();
                long gone = System.nanoTime();
                Thread.sleep(500);
                long back = System.nanoTime();
                Bundle again = context().installBundle(location);
                again.adapt(BundleStartLevel.class).setStartLevel(level);
                again.start();
                phases = "uninstall " + ms(t0, gone) + " ms, held 500 ms, install and start " + ms(back, System.nanoTime())
                        + " ms";
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return phases;
    }

    private Row swap(SwapLoad load, Step step, long look) throws Exception {
        String bsn = step.target();
        String kind = step.kind();
        int before = load.requests.size();
        List<Integer> closesBefore = new ArrayList<>();
        for (SwapLoad.Player p : load.players()) {
            closesBefore.add(p.closeCodes.size());
        }
        long caughtBefore = healthCounter("gateway", "playersCaughtUp");
        long stallsBefore = healthCounter("rooms", "stallsRepaired");
        long t0 = System.nanoTime();
        String phases = step.change().make();
        long beforeReady = System.nanoTime();
        awaitReady();
        phases += ", ready " + ms(beforeReady, System.nanoTime()) + " ms later";
        long t1 = System.nanoTime();
        Thread.sleep(look);
        long t2 = System.nanoTime();
        List<SwapLoad.Req> reqs;
        synchronized (load.requests) {
            reqs = List.copyOf(load.requests.subList(before, load.requests.size()));
        }
        // The pause each player saw: from its first refused or slow request to its next prompt answer.
        List<Long> pauses = new ArrayList<>();
        for (SwapLoad.Player p : load.players()) {
            long start = -1;
            long pause = 0;
            for (SwapLoad.Req r : reqs) {
                if (r.player() != p.index) {
                    continue;
                }
                boolean bad = r.code() != null && !r.code().equals("not_your_turn") && !r.code().equals("illegal_action")
                        || r.millis() > SLOW_MILLIS;
                if (bad && start < 0) {
                    start = r.sentNanos();
                } else if (!bad && start >= 0) {
                    pause = (r.doneNanos() - start) / 1_000_000;
                    break;
                }
            }
            if (start >= 0 && pause == 0) {
                pause = (t2 - start) / 1_000_000;
            }
            pauses.add(pause);
        }
        pauses.sort(null);
        Map<String, Integer> errors = new TreeMap<>();
        List<Long> during = new ArrayList<>();
        List<Long> after = new ArrayList<>();
        for (SwapLoad.Req r : reqs) {
            if (r.code() != null) {
                errors.merge(r.code(), 1, Integer::sum);
            } else if (r.type().equals("act")) {
                (r.sentNanos() < t1 ? during : after).add(r.millis());
            }
        }
        Map<Integer, Integer> closes = new TreeMap<>();
        long resumedFast = 0;
        long closedPlayers = 0;
        for (int i = 0; i < load.players().size(); i++) {
            SwapLoad.Player p = load.players().get(i);
            List<Integer> codes;
            synchronized (p.closeCodes) {
                codes = List.copyOf(p.closeCodes.subList(closesBefore.get(i), p.closeCodes.size()));
            }
            codes.forEach(c -> closes.merge(c, 1, Integer::sum));
            if (!codes.isEmpty()) {
                closedPlayers++;
                List<Long> resumes;
                synchronized (p.resumeMillis) {
                    resumes = List.copyOf(p.resumeMillis);
                }
                if (!resumes.isEmpty() && resumes.get(resumes.size() - 1) <= 5000) {
                    resumedFast++;
                }
            }
        }
        return new Row(bsn, kind, phases, quantile(pauses, 0.99), pauses.isEmpty() ? 0 : pauses.get(pauses.size() - 1),
                summary(during), summary(after), errors, closes, resumedFast, closedPlayers, t0,
                quantile(sorted(during), 0.99), delta(caughtBefore, healthCounter("gateway", "playersCaughtUp")),
                delta(stallsBefore, healthCounter("rooms", "stallsRepaired")));
    }

    private static long ms(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    /**
     * The bundle's jar made anew from its entries, as a new build of the same sources would be: a
     * new Bundle-Version qualifier and build stamp, new bytes. Built before the swap's clock starts.
     */
    private static Path rebuiltJar(Bundle b) throws IOException {
        Manifest mf;
        try (InputStream in = b.getEntry("META-INF/MANIFEST.MF").openStream()) {
            mf = new Manifest(in);
        }
        Version v = b.getVersion();
        String stamp = "rebuilt" + System.currentTimeMillis();
        Version next = new Version(v.getMajor(), v.getMinor(), v.getMicro(),
                v.getQualifier().isEmpty() ? stamp : v.getQualifier().replaceAll("-rebuilt\\d+$", "") + "-" + stamp);
        mf.getMainAttributes().putValue("Bundle-Version", next.toString());
        mf.getMainAttributes().putValue("Bnd-LastModified", Long.toString(System.currentTimeMillis()));
        Path out = Files.createTempFile("ludus-swap-" + b.getSymbolicName(), ".jar");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), mf)) {
            Enumeration<URL> entries = b.findEntries("/", "*", true);
            while (entries != null && entries.hasMoreElements()) {
                URL u = entries.nextElement();
                String path = u.getPath().startsWith("/") ? u.getPath().substring(1) : u.getPath();
                if (path.equalsIgnoreCase("META-INF/MANIFEST.MF") || path.equals("META-INF/")) {
                    continue;
                }
                jar.putNextEntry(new JarEntry(path));
                if (!path.endsWith("/")) {
                    try (InputStream in = u.openStream()) {
                        in.transferTo(jar);
                    }
                }
                jar.closeEntry();
            }
        }
        return out;
    }

    private static Version rebuiltVersion(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            return Version.parseVersion(f.getManifest().getMainAttributes().getValue("Bundle-Version"));
        }
    }

    /** Refreshes the updated bundle's wiring (and its dependents'), as an operator does after an update. */
    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context().getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> done.countDown());
        assertTrue("the refresh after the update finished", done.await(60, TimeUnit.SECONDS));
    }

    private static List<Long> sorted(List<Long> l) {
        List<Long> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }

    private static long quantile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static String summary(List<Long> millis) {
        List<Long> s = sorted(millis);
        if (s.isEmpty()) {
            return "–";
        }
        return quantile(s, 0.5) + " / " + quantile(s, 0.99) + " / " + s.get(s.size() - 1);
    }

    /** Silences per row: each counted in the swap during which it began. */
    private static int[] silences(List<Row> rows, SwapLoad load) {
        int[] out = new int[rows.size()];
        List<long[]> all;
        synchronized (load.silences) {
            all = List.copyOf(load.silences);
        }
        for (long[] s : all) {
            for (int i = rows.size() - 1; i >= 0; i--) {
                if (s[1] >= rows.get(i).t0() || i == 0) {
                    out[i]++;
                    break;
                }
            }
        }
        return out;
    }

    private static String table(String title, List<Row> rows, int[] silent, boolean full, int players) {
        StringBuilder t = new StringBuilder();
        t.append(title).append(", ").append(full ? "full" : "short").append(" form: ").append(players)
                .append(" players, each against three bots (bots think 30 ms), ").append(Instant.now()).append("\n\n");
        t.append("| bundle | swap | pause p99 / max ms | ack ms during (p50 / p99 / max) | ack ms after | errors | "
                + "closed (code: players) | resumed ≤ 5 s | silently behind | caught up by the gateway's guard | "
                + "stalls repaired |\n");
        t.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String errors = r.errors().isEmpty() ? "–" : r.errors().toString().replaceAll("[{}]", "").replace("=", ": ");
            String closes = r.closes().isEmpty() ? "–" : r.closes().toString().replaceAll("[{}]", "").replace("=", ": ");
            String resumed = r.players() == 0 ? "–" : r.resumedWithin5s() + " of " + r.players();
            t.append(String.format(Locale.ROOT, "| `%s` | %s | %d / %d | %s | %s | %s | %s | %s | %d | %d | %d |%n",
                    r.bundle().replace("dev.ludus.", ""), r.kind(), r.pauseP99(), r.pauseMax(), r.ackDuring(),
                    r.ackAfter(), errors, closes, resumed, silent[i], r.caughtUp(), r.stalls()));
        }
        List<String> missed = new ArrayList<>();
        for (Row r : rows) {
            String name = "`" + r.bundle().replace("dev.ludus.", "") + "` " + r.kind();
            if (r.kind().equals("stop/start") && !r.bundle().equals("dev.ludus.gateway") && r.pauseP99() >= 1000) {
                missed.add(name + ": pause p99 " + r.pauseP99() + " ms");
            }
            if (r.players() > 0 && r.resumedWithin5s() * 100 < r.players() * 99) {
                missed.add(name + ": " + r.resumedWithin5s() + " of " + r.players() + " resumed within 5 s");
            }
            if (r.ackDuringP99() >= 100) {
                missed.add(name + ": ack p99 during the swap " + r.ackDuringP99() + " ms");
            }
        }
        t.append("\nTargets (pause p99 < 1 s for a stop/start of any bundle but the gateway; ≥ 99 % of players resumed "
                + "within 5 s when closed; acknowledged-move p99 during a swap < 100 ms): ")
                .append(missed.isEmpty() ? "met in every row." : "missed in " + missed.size() + ": " + String.join("; ", missed) + ".")
                .append("\n");
        t.append("\nPhases of each swap (what the suite did, and when the distribution was ready again):\n\n");
        for (Row r : rows) {
            t.append("- `").append(r.bundle().replace("dev.ludus.", "")).append("` ").append(r.kind()).append(": ")
                    .append(r.phases()).append("\n");
        }
        return t.toString();
    }

    /** Counts at the end: games finished, moves stored, games archived once. */
    private Map<String, Long> ending(SwapLoad load, Supplier<RoomService> rooms, Supplier<EventStore> events,
                                     Supplier<ArchiveService> archive, Map<String, Integer> announced)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, Long> out = new HashMap<>();
        long games = 0;
        long unfinished = 0;
        long acked = 0;
        long lost = 0;
        List<String> all = new ArrayList<>();
        for (SwapLoad.Player p : load.players()) {
            for (String room : p.rooms) {
                games++;
                all.add(room);
                Optional<dev.ludus.api.rooms.RoomInfo> info = rooms.get().get(room);
                if (info.isPresent() && info.get().state() != RoomState.FINISHED) {
                    unfinished++;
                }
                int mine = p.acked.getOrDefault(room, 0);
                acked += mine;
                int stored = 0;
                for (RecordedEvent e : events.get().read("room-" + room, 1, 100_000)) {
                    if (e.type().equals("action")) {
                        JsonNode n = json.readTree(e.data());
                        if (n.path("seat").asInt(-1) == 0 && "player".equals(n.path("cause").asText())) {
                            stored++;
                        }
                    }
                }
                lost += Math.max(0, mine - stored);
            }
        }
        lastGames = List.copyOf(all);
        Wait.until("every game archived", 60_000, () -> all.stream().allMatch(r -> archive.get() != null
                && archive.get().find(r).isPresent()));
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> humanGames = new HashMap<>(); // per player: games the archive holds
        for (CompletedGame g : archive.get().query(new ArchiveQuery(Instant.EPOCH, Instant.now().plusSeconds(86_400),
                Optional.empty(), 1_000_000))) {
            if (seen.merge(g.gameId(), 1, Integer::sum) == 1) {
                g.playerIds().forEach(p -> humanGames.merge(p, 1, Integer::sum));
            }
        }
        long missing = all.stream().filter(r -> !seen.containsKey(r)).count();
        long duplicated = all.stream().filter(r -> seen.getOrDefault(r, 0) > 1).count();
        out.put("games", games);
        out.put("unfinished", unfinished);
        out.put("acked", acked);
        out.put("lost", lost);
        out.put("archived", (long) seen.size());
        out.put("archiveMissing", missing);
        out.put("archiveDuplicated", duplicated);
        Wait.until("every game announced on the bus", 60_000, () -> announced.keySet().containsAll(all),
                () -> "not announced: " + all.stream().filter(r -> !announced.containsKey(r)).toList());
        out.put("announceMissing", all.stream().filter(r -> !announced.containsKey(r)).count());
        out.put("announced", (long) announced.size());
        out.put("announceDeliveries", announced.values().stream().mapToLong(Integer::longValue).sum());
        // Statistics, where the stats bundle runs: each player's games counted once, as the archive has them.
        ServiceTracker<dev.ludus.api.stats.PlayerStats, dev.ludus.api.stats.PlayerStats> stats =
                new ServiceTracker<>(context(), dev.ludus.api.stats.PlayerStats.class, null);
        stats.open();
        try {
            if (stats.getService() != null) {
                java.util.function.Supplier<Map<String, Integer>> counted = () -> {
                    Map<String, Integer> c = new HashMap<>();
                    dev.ludus.api.stats.PlayerStats ps = stats.getService();
                    for (String player : humanGames.keySet()) {
                        c.put(player, ps == null ? -1 : ps.profile(player).map(x -> x.gamesPlayed()).orElse(0));
                    }
                    return c;
                };
                Wait.until("statistics count every archived game once", 60_000, () -> counted.get().equals(humanGames),
                        () -> "archive " + humanGames + ", stats " + counted.get());
                out.put("statsGames", counted.get().values().stream().mapToLong(Integer::longValue).sum());
            } else {
                out.put("statsGames", -1L);
            }
        } finally {
            stats.close();
        }
        out.put("archiveHumanGames", humanGames.values().stream().mapToLong(Integer::longValue).sum());
        return out;
    }
}
