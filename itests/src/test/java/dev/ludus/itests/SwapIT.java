package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.startlevel.BundleStartLevel;
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
 * every swappable bundle of the default distribution is stopped and started, updated in place, and
 * uninstalled and reinstalled, one after the other. Each swap gets a row: the pause players saw,
 * acknowledged-move latency during the swap and after it, refusals by code, disconnections by
 * close code, and players left silently behind. At the end every game must finish, every
 * acknowledged move must be in the event store, and every game must be archived exactly once.
 *
 * <p>{@code -Dludus.swap.form=full} swaps each bundle with a 10 s look after each swap; the short
 * form (the default, and what CI runs) looks 3 s. The table goes to {@code target/swap-table.md};
 * {@code scripts/swap-table} runs the full form and puts the table into the README.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapIT {

    /** The default distribution's bundles that can be swapped while people play. */
    static final List<String> BUNDLES = List.of("dev.ludus.game.liaptui", "dev.ludus.eventstore", "dev.ludus.store.memory",
            "dev.ludus.rooms", "dev.ludus.gateway", "dev.ludus.archive", "dev.ludus.archive.fs", "dev.ludus.health",
            "dev.ludus.web.security", "dev.ludus.config.guard");
    static final List<String> KINDS = List.of("stop/start", "update", "uninstall/reinstall");
    private static final long SLOW_MILLIS = 100;

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("swap", List.of(), Map.of("dev.ludus.rooms.cfg", "botThinkMillis = 30\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\n"));
    }

    private <T> Supplier<T> tracked(Class<T> type) {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, type, null);
        t.open();
        return t::getService;
    }

    private String base() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    /** One swap's row. */
    record Row(String bundle, String kind, long pauseP99, long pauseMax, String ackDuring, String ackAfter,
               Map<String, Integer> errors, Map<Integer, Integer> closes, long resumedWithin5s, long players,
               long t0, long ackDuringP99, long caughtUp, long stalls) {
    }

    /** A counter from a health check's details ({@code name}'s {@code key}), or 0. */
    private long healthCounter(String name, String key) {
        try {
            for (var ref : context.getServiceReferences(dev.ludus.api.health.HealthCheck.class, null)) {
                dev.ludus.api.health.HealthCheck h = context.getService(ref);
                try {
                    if (h != null && name.equals(h.name()) && h.check().details().get(key) instanceof Number n) {
                        return n.longValue();
                    }
                } finally {
                    context.ungetService(ref);
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

    @Test
    public void everyBundleSwapsUnderPlayWithNoPlayerLeftBehindAndNothingLost() throws Exception {
        boolean full = "full".equals(System.getProperty("ludus.swap.form", "short"));
        long look = full ? 10_000 : 3_000;
        int playerCount = full ? 24 : 12;
        Supplier<RoomService> rooms = tracked(RoomService.class);
        Supplier<EventStore> events = tracked(EventStore.class);
        Supplier<ArchiveService> archive = tracked(ArchiveService.class);
        URI ws = URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
        ProtocolClient.awaitGateway(ws, 30_000);
        awaitReady();
        List<Row> rows = new ArrayList<>();
        try (SwapLoad load = new SwapLoad(ws, rooms, playerCount)) {
            load.start();
            Thread.sleep(3000); // every player in a game
            for (String bsn : BUNDLES) {
                for (String kind : KINDS) {
                    rows.add(swap(load, bsn, kind, look));
                }
            }
            load.drain();
            boolean drained = load.awaitDrained(120_000);
            int[] silent = silences(rows, load);
            String table = table(rows, silent, full, playerCount);
            if (!drained) {
                System.out.println(table);
            }
            assertTrue("every player finished the game they were in; not:\n" + load.stuck(), drained);
            for (SwapLoad.Player p : load.players()) {
                if (p.failure != null) {
                    throw new AssertionError("player " + p.index + " failed", p.failure);
                }
            }
            Map<String, Long> end = ending(load, rooms, events, archive);
            table += "\nAfter every swap: " + end.get("games") + " games, " + end.get("unfinished") + " not finished, "
                    + end.get("acked") + " acknowledged moves, " + end.get("lost") + " lost, "
                    + end.get("archived") + " archived, " + end.get("archiveMissing") + " missing, "
                    + end.get("archiveDuplicated") + " duplicated.\n";
            System.out.println(table);
            String out = System.getProperty("ludus.swap.table");
            if (out != null && !out.isBlank()) {
                Files.writeString(Path.of(out), table);
            }
            for (int i = 0; i < rows.size(); i++) {
                assertEquals("players left silently behind after " + rows.get(i).kind() + " of " + rows.get(i).bundle(), 0,
                        silent[i]);
            }
            assertEquals("games not finished", 0L, (long) end.get("unfinished"));
            assertEquals("acknowledged moves lost", 0L, (long) end.get("lost"));
            assertEquals("games not archived", 0L, (long) end.get("archiveMissing"));
            assertEquals("games archived twice", 0L, (long) end.get("archiveDuplicated"));
        }
    }

    private void awaitReady() throws Exception {
        Wait.until("/health/ready", 60_000, () -> Http.tryGet(base() + "/health/ready", null, null).status() == 200);
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    private Row swap(SwapLoad load, String bsn, String kind, long look) throws Exception {
        int before = load.requests.size();
        List<Integer> closesBefore = new ArrayList<>();
        for (SwapLoad.Player p : load.players()) {
            closesBefore.add(p.closeCodes.size());
        }
        long caughtBefore = healthCounter("gateway", "playersCaughtUp");
        long stallsBefore = healthCounter("rooms", "stallsRepaired");
        long t0 = System.nanoTime();
        Bundle b = bundle(bsn);
        switch (kind) {
            case "stop/start" -> {
                b.stop();
                Thread.sleep(500);
                b.start();
            }
            case "update" -> b.update();
            case "uninstall/reinstall" -> {
                String location = b.getLocation();
                int level = b.adapt(BundleStartLevel.class).getStartLevel();
                b.uninstall();
                Thread.sleep(500);
                Bundle again = context.installBundle(location);
                again.adapt(BundleStartLevel.class).setStartLevel(level);
                again.start();
            }
            default -> throw new IllegalArgumentException(kind);
        }
        awaitReady();
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
        return new Row(bsn, kind, quantile(pauses, 0.99), pauses.isEmpty() ? 0 : pauses.get(pauses.size() - 1),
                summary(during), summary(after), errors, closes, resumedFast, closedPlayers, t0,
                quantile(sorted(during), 0.99), delta(caughtBefore, healthCounter("gateway", "playersCaughtUp")),
                delta(stallsBefore, healthCounter("rooms", "stallsRepaired")));
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

    private static String table(List<Row> rows, int[] silent, boolean full, int players) {
        StringBuilder t = new StringBuilder();
        t.append("Swap suite, ").append(full ? "full" : "short").append(" form: ").append(players)
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
        return t.toString();
    }

    /** Counts at the end: games finished, moves stored, games archived once. */
    private Map<String, Long> ending(SwapLoad load, Supplier<RoomService> rooms, Supplier<EventStore> events,
                                     Supplier<ArchiveService> archive) throws Exception {
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
        Wait.until("every game archived", 60_000, () -> all.stream().allMatch(r -> archive.get() != null
                && archive.get().find(r).isPresent()));
        Map<String, Integer> seen = new HashMap<>();
        for (CompletedGame g : archive.get().query(new ArchiveQuery(Instant.EPOCH, Instant.now().plusSeconds(86_400),
                Optional.empty(), 1_000_000))) {
            seen.merge(g.gameId(), 1, Integer::sum);
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
        return out;
    }
}
