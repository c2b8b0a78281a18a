package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TcpRelay;
import dev.ludus.testing.services.Nats;
import dev.ludus.testing.services.Postgres;
import dev.ludus.testing.services.PostgresDatabase;

/**
 * Three Ludus processes (three distributions on three ports and data folders) in one cluster on
 * PostgreSQL (shared event store and archive) and NATS (membership, room directory). Each node
 * runs all-bot games (every acknowledgement logged), and simulated players, each connected to a
 * random node, play Liap Tui against three bots, following {@code room_elsewhere} and resuming
 * with their token whenever their connection closes, as a client behind a load balancer would.
 * While the players begin, node B's cluster and NATS client bundles are restarted and updated by
 * the chaos bundle (each time the lease is handed to the next instance: no room of B moves).
 * Node C is stalled past its lease (SIGSTOP) and fences the rooms taken from it when it runs again.
 * In the middle of play node A is killed (SIGKILL); then node B is drained from node C's console
 * (the cluster page asks B through NATS, and B stops as at SIGTERM). Counted:
 * the time until the survivors own every room of A (must be under 10 s) and every room of B,
 * acknowledged actions lost (bots: the store is behind an acknowledgement; players: the room seen
 * after a move is behind the last acknowledged action), players closed by the drained node with
 * anything but 1012, players who could not resume, games archived other than exactly once, and the
 * action latency during the drain.
 *
 * <p>{@code mvn verify} runs it small; {@code scripts/cluster-run} runs it at full size (300 games)
 * through the environment variables {@code LUDUS_CLUSTER_PLAYERS}, {@code LUDUS_CLUSTER_BOT_ROOMS}
 * (per node), {@code LUDUS_CLUSTER_THINK_MS} and {@code LUDUS_CLUSTER_ROUNDS}.
 */
public class ThreeNodesIT {

    /** Simulated players, each in a game of its own against three bots. */
    static final int PLAYERS = setting("LUDUS_CLUSTER_PLAYERS", 9);
    /** All-bot games started on each node. */
    static final int BOT_ROOMS = setting("LUDUS_CLUSTER_BOT_ROOMS", 6);
    /** Milliseconds a player waits before each move (bots think 40 ms). */
    static final int THINK_MILLIS = setting("LUDUS_CLUSTER_THINK_MS", 150);
    /** Rounds of each player's game (a longer game is still being played at the drain on a big run). */
    static final int ROUNDS = setting("LUDUS_CLUSTER_ROUNDS", 7);

    private static final String FEATURES = "framework, http, webconsole, ludus-core, games, eventstore-jdbc, archive-jdbc, nats, cluster";
    private static final String RESUME_KEY = java.util.Base64.getEncoder().encodeToString(
            "three-nodes-it-shared-resume-key-32-bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    private final ObjectMapper json = new ObjectMapper();
    /** What joining a running (or just finished) game of bots answers on the node that has it. */
    private static final java.util.Set<Object> PLAYING_CODES = java.util.Set.of("already_started", "room_full", "game_over");

    private static int setting(String env, int fallback) {
        String v = System.getenv(env);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException bad) {
            // said below
        }
        throw new IllegalArgumentException(env + " must be a whole number, 0 or more; got '" + v + "'");
    }

    private static void configure(Distribution d, String node, PostgresDatabase db, String nats, String prefix, String schema)
            throws Exception {
        configure(d, node, db, nats, prefix, schema, "");
    }

    /** {@code gateway}: more lines of the gateway's configuration. */
    private static void configure(Distribution d, String node, PostgresDatabase db, String nats, String prefix, String schema,
                                  String gateway) throws Exception {
        d.env.put("LUDUS_FEATURES", FEATURES);
        Path conf = d.home.resolve("conf");
        // Players here move as fast as their think time, and all come from one address: the
        // per-player rate limits and the per-address connection limit are not the test.
        Files.writeString(conf.resolve("dev.ludus.gateway.cfg"), ".resumeKey = " + RESUME_KEY
                + "\nlimits = off\nmaxConnectionsPerAddress = 5000\n" + gateway);
        String pg = "url = " + db.jdbcUrl() + "\nuser = " + db.user() + (db.password().isEmpty() ? "" : "\n.password = " + db.password())
                + "\n";
        Files.writeString(conf.resolve("dev.ludus.eventstore.jdbc.cfg"), pg + "schema = " + schema + "_events\nranking = 10\n");
        Files.writeString(conf.resolve("dev.ludus.archive.jdbc.cfg"), pg + "schema = " + schema + "_archive\n");
        Files.writeString(conf.resolve("dev.ludus.archive.cfg"), "backend.target = (ludus.archive.backend=jdbc)\n");
        Files.writeString(conf.resolve("dev.ludus.rooms.cfg"), """
                requireCluster = true
                EventStore.target = (ludus.eventstore=jdbc)
                SnapshotStore.target = (ludus.eventstore=jdbc)
                botThinkMillis = 40
                snapshotEvery = 25
                finishedRoomSeconds = 2
                """);
        Files.writeString(conf.resolve("dev.ludus.nats.cfg"), "servers = " + nats + "\ncheckSeconds = 1\n");
        Files.writeString(conf.resolve("dev.ludus.cluster.cfg"), "nodeId = " + node + "\naddress = " + ws(d)
                + "\nprefix = " + prefix + "\nleaseMillis = 4000\nheartbeatMillis = 500\n");
    }

    private static URI ws(Distribution d) {
        return URI.create("ws://127.0.0.1:" + d.port + "/ws");
    }

    /** The node's cluster view from its health: node id → rooms it owns in the directory; "orphans" → orphaned rooms. */
    private Map<String, Integer> view(Distribution d) throws Exception {
        JsonNode cluster = json.readTree(d.healthWithDetails()).path("components").path("cluster");
        Map<String, Integer> out = new TreeMap<>();
        for (JsonNode n : cluster.path("details").path("nodes")) {
            out.put(n.path("id").asText(), n.path("ownedRooms").asInt());
        }
        out.put("orphans", cluster.path("details").path("orphanedRooms").asInt(-1));
        return out;
    }

    private static long count(PostgresDatabase db, String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    /** What the players saw, shared by their threads. */
    static final class Tally {
        /** The nodes a load balancer would send a new connection to: the test takes a node out before it stops it. */
        final List<URI> up = new CopyOnWriteArrayList<>();
        final AtomicInteger moves = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicInteger followedElsewhere = new AtomicInteger();
        final AtomicInteger toldMoving = new AtomicInteger();
        final AtomicInteger placedElsewhere = new AtomicInteger();
        /** Players whose node stopped running their game while they were connected (it was taken over). */
        final AtomicInteger lostTheRoomHere = new AtomicInteger();
        final AtomicInteger resumes = new AtomicInteger();
        /** Players whose room, seen after a move, was behind the last action acknowledged to them. */
        final AtomicInteger lostActions = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        /** Close codes the players got, by the node that closed them. */
        final Map<URI, List<Integer>> closes = new ConcurrentHashMap<>();
        /** (sent at, ms from send to ok) of every acknowledged action, in nanoTime. */
        final List<long[]> latencies = Collections.synchronizedList(new ArrayList<>());
    }

    /** One simulated player: plays its game to the end through closes, kills and drains. */
    private static final class Player {
        private final int n;
        private final Tally tally;
        private ProtocolClient c;
        private URI node;
        private String room;
        /** The room version of the newest view an acknowledged action was made on. */
        private long ackedOnVersion = -1;

        Player(int n, Tally tally) {
            this.n = n;
            this.tally = tally;
        }

        int run(CountDownLatch playing) throws Exception {
            node = tally.up.get(n % tally.up.size()); // as a round-robin balancer: every node gets players
            c = ProtocolClient.hello(node, "cluster-" + n);
            for (int hops = 0; ; hops++) {
                // A node clearly busier than another sends a new room on (create_elsewhere): make it there.
                Map<String, Object> placed = c.requestUnlessOverloaded("create_room", Map.of("game", "liap-tui", "name",
                        "cluster " + n, "options", Map.of("maxRounds", String.valueOf(ROUNDS))));
                if ("unavailable".equals(placed.get("code")) && hops < 100) {
                    Thread.sleep(200); // the node is between two instances of its cluster membership: again in a moment
                    continue;
                }
                if ("create_elsewhere".equals(placed.get("code")) && hops < 3) {
                    tally.placedElsewhere.incrementAndGet();
                    ProtocolClient next = c.resume(URI.create((String) placed.get("address")));
                    c.close();
                    c = next;
                    node = URI.create((String) placed.get("address"));
                    continue;
                }
                if (!"ok".equals(placed.get("type"))) {
                    throw new AssertionError("player " + n + ": create_room failed: " + placed);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> made = (Map<String, Object>) ProtocolClient.result(placed).get("room");
                room = (String) made.get("roomId");
                break;
            }
            c.ok("join_room", Map.of("room", room));
            for (int i = 0; i < 3; i++) {
                c.ok("add_bot", Map.of());
            }
            c.ok("start", Map.of());
            long startedSeq = c.lastSeq();
            int moves = 0;
            boolean counted = false;
            long end = System.currentTimeMillis() + 300_000;
            long actedOn = -1;
            while (System.currentTimeMillis() < end) {
                if (c.isClosed()) {
                    tally.closes.computeIfAbsent(node, k -> new CopyOnWriteArrayList<>()).add(c.closeCode());
                    reconnect();
                    actedOn = -1;
                    continue;
                }
                if (c.messages().stream().anyMatch(m -> ProtocolClient.isGameOver(m) || finishedSnapshot(m))) {
                    tally.finished.incrementAndGet();
                    c.close();
                    return moves;
                }
                Map<String, Object> view = c.latestView();
                if (view != null && "snapshot".equals(view.get("type")) && view.get("room") == null
                        && ((Number) view.get("seq")).longValue() > startedSeq) {
                    // The node stopped running the game (another node owns it now): find it as after a close.
                    tally.lostTheRoomHere.incrementAndGet();
                    c.close();
                    reconnect();
                    startedSeq = c.lastSeq();
                    actedOn = -1;
                    continue;
                }
                @SuppressWarnings("unchecked")
                List<String> allowed = view == null ? List.of() : (List<String>) view.get("allowedActions");
                long seq = view == null ? -1 : ((Number) view.get("seq")).longValue();
                if (allowed.isEmpty() || seq <= actedOn) {
                    Thread.sleep(10);
                    continue;
                }
                actedOn = seq;
                Thread.sleep(THINK_MILLIS);
                int from = c.count();
                long sent = System.nanoTime();
                Map<String, Object> reply;
                try {
                    String id = c.send("act", LiapTuiPlayer.move(view, allowed));
                    reply = c.awaitAfter(from, "reply " + id, m -> id.equals(m.get("id")), 20_000);
                } catch (Exception | AssertionError closed) {
                    if (!c.isClosed()) {
                        throw new AssertionError("player " + n + ": no answer to a move on an open connection", closed);
                    }
                    continue; // not acknowledged: made again on the view seen after the resume
                }
                if ("ok".equals(reply.get("type"))) {
                    tally.latencies.add(new long[] {sent, (System.nanoTime() - sent) / 1_000_000});
                    tally.moves.incrementAndGet();
                    moves++;
                    ackedOnVersion = Math.max(ackedOnVersion, version(view));
                    if (!counted && moves >= 3) {
                        counted = true;
                        playing.countDown();
                    }
                } else if ("game_paused".equals(reply.get("code")) || "unavailable".equals(reply.get("code"))) {
                    actedOn = -1; // not made: again on the same view after a moment
                    Thread.sleep(100);
                }
                // Any other refusal is of a view a bot's move made old: the next view is acted on.
            }
            throw new AssertionError("player " + n + ": the game did not end within 300 s, in room " + room + " on " + node
                    + (c.isClosed() ? " (closed " + c.closeCode() + ")" : "") + "; last messages " + c.tail(3));
        }

        /**
         * A snapshot of the player's room that is over, with its result: what a player who resumes
         * after the game ended meanwhile (while its node stalled, died or drained) gets instead of
         * the {@code game_over} event it missed.
         */
        private static boolean finishedSnapshot(Map<String, Object> m) {
            return "snapshot".equals(m.get("type")) && m.get("result") instanceof Map<?, ?>
                    && m.get("room") instanceof Map<?, ?> r && "FINISHED".equals(r.get("state"));
        }

        private static long version(Map<String, Object> view) {
            return view.get("v") instanceof Number v ? v.longValue() : -1;
        }

        private URI pick() {
            List<URI> nodes = tally.up;
            return nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
        }

        /**
         * Connects to a node in service, resumes with the token, and joins the room: where the room
         * is not, follows {@code room_elsewhere} to its node; waits out {@code room_moving},
         * {@code overloaded} and refusals of a node that is stopping. Checks that the room it finds
         * is not behind the last action acknowledged to this player.
         */
        private void reconnect() throws Exception {
            long end = System.currentTimeMillis() + 60_000;
            URI target = pick();
            Throwable last = null;
            while (System.currentTimeMillis() < end) {
                ProtocolClient next;
                try {
                    next = c.resume(target);
                } catch (Exception | AssertionError refused) {
                    last = refused;
                    Thread.sleep(200);
                    target = pick();
                    continue;
                }
                Map<String, Object> reply;
                try {
                    reply = next.request("join_room", Map.of("room", room));
                    while ("room_moving".equals(reply.get("code")) || "overloaded".equals(reply.get("code"))
                            || "game_paused".equals(reply.get("code"))) {
                        if ("room_moving".equals(reply.get("code"))) {
                            tally.toldMoving.incrementAndGet();
                        }
                        Thread.sleep(reply.get("retryAfterMillis") instanceof Number ms ? ms.longValue() : 200);
                        reply = next.request("join_room", Map.of("room", room));
                    }
                } catch (Exception | AssertionError dropped) {
                    // The node went away while we asked (killed, drained): somewhere else, as any client would.
                    last = dropped;
                    next.close();
                    Thread.sleep(200);
                    target = pick();
                    continue;
                }
                if ("room_elsewhere".equals(reply.get("code"))) {
                    tally.followedElsewhere.incrementAndGet();
                    next.close();
                    target = URI.create((String) reply.get("address"));
                    continue;
                }
                if (!"ok".equals(reply.get("type")) && !"game_over".equals(reply.get("code"))) {
                    last = new AssertionError("join_room " + room + " on " + target + ": " + reply);
                    next.close();
                    Thread.sleep(300);
                    target = pick();
                    continue;
                }
                Map<String, Object> seen;
                try {
                    seen = next.await("a view of the room", m -> "state".equals(m.get("type"))
                            || "snapshot".equals(m.get("type")) && m.get("room") != null, 20_000);
                } catch (AssertionError dropped) {
                    last = dropped;
                    next.close();
                    Thread.sleep(200);
                    target = pick();
                    continue;
                }
                c = next;
                node = target;
                tally.resumes.incrementAndGet();
                long v = version(seen);
                if (v >= 0 && ackedOnVersion >= 0 && v <= ackedOnVersion && !ProtocolClient.isGameOver(seen)) {
                    tally.lostActions.incrementAndGet();
                    tally.failures.add("player " + n + ": room " + room + " at version " + v + " after a move, but an action made"
                            + " on version " + ackedOnVersion + " was acknowledged");
                }
                return;
            }
            throw new AssertionError("player " + n + " could not resume in room " + room + " within 60 s", last);
        }
    }

    @Test
    public void aKilledNodeAndADrainedNodeLoseNoActionNoPlayerAndNoGame() throws Exception {
        PostgresDatabase db = Postgres.server(ThreeNodesIT.class, 1).createDatabase("ThreeNodesIT");
        String nats = Nats.server(ThreeNodesIT.class, 1).uri("nats");
        String prefix = "threenodes" + Long.toHexString(System.nanoTime());
        String schema = "ludus_tn_" + Long.toHexString(System.nanoTime());
        Tally tally = new Tally();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, PLAYERS));
        ExecutorService browserThread = Executors.newSingleThreadExecutor();
        try (Distribution a = Distribution.copy(); Distribution b = Distribution.copy(); Distribution c = Distribution.copy();
             TcpRelay balancer = new TcpRelay(a.port)) {
            // The browser page comes through a load balancer (the relay) and may be sent to a
            // node's own address by room_elsewhere: every node allows the balancer's origin.
            String origin = "allowedOrigins = http://127.0.0.1:" + balancer.port() + "\n";
            configure(a, "node-a", db, nats, prefix, schema, origin);
            configure(b, "node-b", db, nats, prefix, schema, origin);
            b.env.put("LUDUS_FEATURES", FEATURES + ", chaos"); // B's cluster bundle is swapped under play
            Files.writeString(b.home.resolve("conf/dev.ludus.chaos.cfg"), "armed = false\n");
            configure(c, "node-c", db, nats, prefix, schema, origin);
            for (Distribution d : List.of(a, b, c)) {
                d.start();
            }
            for (Distribution d : List.of(a, b, c)) {
                d.awaitHealthy();
                d.awaitGateway();
                tally.up.add(ws(d));
            }
            Wait.until("three nodes in the cluster", 30_000, () -> view(c).keySet().containsAll(List.of("node-a", "node-b", "node-c")),
                    () -> view(c).toString());

            // The browser page first (a browser takes a while to start): its game begins before the players'.
            CountDownLatch pageInGame = new CountDownLatch(1);
            Future<String> page = browserThread.submit(() -> playInBrowser(balancer, pageInGame));
            if (!pageInGame.await(120, TimeUnit.SECONDS)) {
                throw new AssertionError("the browser page did not get into its game within 120 s: "
                        + (page.isDone() ? failed(List.of(page)) : "still trying"));
            }
            // The bot games once each node is in the cluster (requireCluster: before, no room can be made)
            List<Path> ackLogs = new ArrayList<>();
            for (Distribution d : List.of(a, b, c)) {
                Path acks = d.home.getParent().resolve("acks.log");
                ackLogs.add(acks);
                d.deployBotLoad("rooms = " + BOT_ROOMS + "\nackLog = " + acks + "\n");
            }
            CountDownLatch playing = new CountDownLatch(PLAYERS);
            List<Future<Integer>> players = new ArrayList<>();
            long startedAt = System.nanoTime();
            for (int i = 0; i < PLAYERS; i++) {
                Player p = new Player(i, tally);
                players.add(pool.submit(() -> p.run(playing)));
            }
            // While the players make their rooms and begin to play, B's cluster membership is swapped
            // (once B's bot games are made: the bot-load example makes them once, at its start).
            Wait.until("B's bot rooms acknowledged moves", 60_000, () -> Files.exists(ackLogs.get(1))
                    && uncheckedAcked(ackLogs.get(1)).size() == BOT_ROOMS);
            swapBClusterBundles(a, b, c);
            if (!playing.await(120, TimeUnit.SECONDS)) {
                throw new AssertionError("not every player made its first moves within 120 s: " + failed(players));
            }
            Wait.until("every node's bot rooms acknowledged moves", 60_000, () -> ackLogs.stream().allMatch(
                    l -> Files.exists(l) && uncheckedAcked(l).size() == BOT_ROOMS));
            Map<String, Integer> before = view(c);
            int ownedByA = before.getOrDefault("node-a", 0);
            System.out.println("three nodes: rooms owned before the kill " + before);

            // A visitor on B asking for a room of A is told where it is; the token B signed is good on A
            String roomOfA = AckLog.maxAcked(ackLogs.get(0)).keySet().iterator().next();
            try (ProtocolClient onB = ProtocolClient.hello(ws(b), "visitor")) {
                Map<String, Object> there = onB.request("join_room", Map.of("room", roomOfA));
                assertEquals("room_elsewhere: " + there, "room_elsewhere", there.get("code"));
                assertEquals(ws(a).toString(), there.get("address"));
                assertEquals("node-a", there.get("node"));
                try (ProtocolClient onA = onB.resume(ws(a))) {
                    assertEquals("the same player on A, with the token B signed", onB.playerId(), onA.playerId());
                    Object code = onA.request("join_room", Map.of("room", roomOfA)).get("code");
                    assertTrue("on A the room is there, playing: " + code, PLAYING_CODES.contains(code));
                }
            }

            // The load tool given the three nodes (as a load balancer would spread its players): a
            // table's four players land on different nodes, and each follows room_elsewhere (or
            // create_elsewhere) to the node that has the room, resuming its session there.
            dev.ludus.loadtest.LoadTool.Report tool = dev.ludus.loadtest.LoadTool.run(new dev.ludus.loadtest.LoadTool.Options(
                    ws(a) + "," + ws(b) + "," + ws(c), 12, 1, 0, 180, 2, false, null, false, null, 0));
            System.out.println("three nodes: the load tool over all three nodes: " + tool.toString().replace('\n', ' '));
            assertNull(tool.toString(), tool.failure());
            assertEquals(tool.toString(), 3, tool.completedGames());
            int toolGames = tool.completedGames();
            assertTrue("players followed room_elsewhere: " + tool, tool.toString().contains("followed: room_elsewhere"));

            // Node C stalls (SIGSTOP) past its lease: A and B take its rooms over; when it runs again
            // (SIGCONT) it must stop running them by itself (fence), and its players find them on
            // their new owners, nothing lost.
            int ownedByC = view(a).getOrDefault("node-c", 0);
            tally.up.remove(ws(c));
            balancer.retarget(a.port);
            signal(c, "STOP");
            long stalledAt = System.nanoTime();
            Wait.until("A and B own every room C owned", 30_000, () -> {
                Map<String, Integer> v = view(a);
                return !v.containsKey("node-c") && v.get("orphans") == 0;
            }, () -> view(a).toString());
            long stallTakeoverMillis = (System.nanoTime() - stalledAt) / 1_000_000;
            signal(c, "CONT");
            Wait.until("C back in the cluster, owning none of its old rooms and running none", 30_000, () -> {
                Map<String, Integer> v = view(a);
                return v.getOrDefault("node-c", -1) == 0 && rooms(c) == 0;
            }, () -> view(a) + "; C runs " + rooms(c) + ": " + Http.get(c.base() + "/system/console/ludus-rooms.json", "admin",
                    c.password()).body() + "\nC's log:\n" + lastLines(c.output(), l -> l.contains("rooms:")
                    || l.contains("room ") || l.contains("cluster:"), 400));
            long fencedMillis = (System.nanoTime() - stalledAt) / 1_000_000;
            assertTrue("C said it stopped the rooms others own:\n" + c.output(), c.output().contains("they stop here and play on there"));
            tally.up.add(ws(c));
            System.out.println("three nodes: C stalled past its lease; A and B owned all " + ownedByC + " of its rooms "
                    + stallTakeoverMillis + " ms after the SIGSTOP; C, running again, had stopped them all "
                    + fencedMillis + " ms after it");
            balancer.retarget(a.port);

            // SIGKILL node A: its rooms go on on B and C within the lease and a few seconds
            assertTrue("the browser page is still playing when A is killed (make its game longer)", !page.isDone());
            ownedByA = view(c).getOrDefault("node-a", 0);
            tally.up.remove(ws(a));
            balancer.retarget(b.port);
            long killedAt = System.nanoTime();
            a.process().destroyForcibly();
            a.process().waitFor(10, TimeUnit.SECONDS);
            Map<String, Long> ackedOnA = AckLog.maxAcked(ackLogs.get(0));
            Wait.until("the others own every room A owned", 30_000, () -> {
                Map<String, Integer> v = view(c);
                return !v.containsKey("node-a") && v.get("orphans") == 0;
            }, () -> view(c).toString());
            long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("three nodes: B and C owned all " + ownedByA + " rooms of A " + takeoverMillis
                    + " ms after A was killed (lease 4,000 ms): " + view(c));

            Thread.sleep(3000); // play on with two nodes

            // Drain node B from C's console (the cluster page asks B through NATS; B stops as at
            // SIGTERM): its players are closed with 1012, its rooms go to C at once
            String clusterPage = c.base() + "/system/console/ludus-cluster.json";
            Http.Response unknown = Http.postForm(clusterPage, "admin", c.password(), "Origin", c.base(),
                    Map.of("action", "drain", "node", "node-z", "confirm", "drain"));
            assertEquals(unknown.body(), 404, unknown.status());
            assertTrue(unknown.body(), unknown.body().contains("unknown_node"));
            Http.Response unconfirmed = Http.postForm(clusterPage, "admin", c.password(), "Origin", c.base(),
                    Map.of("action", "drain", "node", "node-b"));
            assertEquals(unconfirmed.body(), 400, unconfirmed.status());
            assertTrue("an unconfirmed drain changes nothing", b.process().isAlive());
            // Players in B's lobby (said hello, no game): however the game players are spread at
            // this moment (a small run may have none left on B), the drain has players to close.
            List<ProtocolClient> inLobby = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                inLobby.add(ProtocolClient.hello(ws(b), "lobby-" + i));
            }
            Map<String, Integer> beforeDrain = view(c);
            int ownedByB = beforeDrain.getOrDefault("node-b", 0);
            tally.up.remove(ws(b));
            balancer.retarget(c.port);
            long drainAt = System.nanoTime();
            Http.Response drained = Http.postForm(clusterPage, "admin", c.password(), "Origin", c.base(),
                    Map.of("action", "drain", "node", "node-b", "confirm", "drain"));
            assertEquals(drained.body(), 200, drained.status());
            int exit = b.awaitExit(30, TimeUnit.SECONDS);
            long stoppedMillis = (System.nanoTime() - drainAt) / 1_000_000;
            Map<String, Long> ackedOnB = AckLog.maxAcked(ackLogs.get(1));
            Wait.until("C owns every room B owned", 30_000, () -> {
                Map<String, Integer> v = view(c);
                return !v.containsKey("node-b") && v.get("orphans") == 0;
            }, () -> view(c).toString());
            long handOverMillis = (System.nanoTime() - drainAt) / 1_000_000;
            long drainEnd = System.nanoTime();
            String bOutput = b.output();
            List<Integer> lobbyCloses = new ArrayList<>();
            for (ProtocolClient p : inLobby) {
                Wait.until("a lobby player's connection closed", 10_000, p::isClosed);
                lobbyCloses.add(p.closeCode());
            }
            assertEquals("B's exit code after the drain:\n" + bOutput, 0, exit);
            assertTrue("B was asked by C:\n" + bOutput, bOutput.contains("is asked to drain by node-c"));
            assertTrue("B announced its drain:\n" + bOutput, bOutput.contains("announces that it is draining"));
            System.out.println("three nodes: B drained (asked from C's console) and stopped in " + stoppedMillis + " ms (exit " + exit + "); C owned all "
                    + ownedByB + " rooms B owned " + handOverMillis + " ms after the drain was asked for: " + view(c));

            int moves = 0;
            List<String> playerFailures = new ArrayList<>();
            for (Future<Integer> p : players) {
                try {
                    moves += p.get(360, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    playerFailures.add(String.valueOf(e.getCause()));
                }
            }
            String browser = page.get(300, TimeUnit.SECONDS);
            int games = PLAYERS + 3 * BOT_ROOMS + (browser.startsWith("no browser") ? 0 : 1) + toolGames;
            if (!playerFailures.isEmpty()) {
                throw new AssertionError(playerFailures.size() + " players failed: " + playerFailures + "\n"
                        + diagnose(playerFailures, db, schema, nats, prefix, c));
            }
            long playMillis = (System.nanoTime() - startedAt) / 1_000_000;
            Wait.until("every game archived", 300_000, () -> count(db, "SELECT count(*) FROM " + schema + "_archive.game") >= games,
                    () -> count(db, "SELECT count(*) FROM " + schema + "_archive.game") + " of " + games + " archived; C: " + view(c));
            long archived = count(db, "SELECT count(*) FROM " + schema + "_archive.game");
            long distinct = count(db, "SELECT count(DISTINCT game_id) FROM " + schema + "_archive.game");

            // every action A and B acknowledged to their bots is in the shared store
            List<String> lost = new ArrayList<>();
            Map<String, Long> acked = new TreeMap<>(ackedOnA);
            acked.putAll(ackedOnB);
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                long v = count(db, "SELECT coalesce(max(version), 0) FROM " + schema + "_events.event WHERE stream = 'room-"
                        + e.getKey() + "'");
                if (v < e.getValue()) {
                    lost.add(e.getKey() + ": acknowledged " + e.getValue() + ", stored " + v);
                }
            }

            List<Integer> drainCloses = new ArrayList<>(tally.closes.getOrDefault(ws(b), List.of()));
            drainCloses.addAll(lobbyCloses);
            long withoutCode = drainCloses.stream().filter(code -> code != 1012).count();
            long[] during = latencies(tally, drainAt - TimeUnit.SECONDS.toNanos(1), drainEnd + TimeUnit.SECONDS.toNanos(2));
            long[] all = latencies(tally, 0, Long.MAX_VALUE);
            System.out.println("three nodes: " + games + " games (" + PLAYERS + " with a simulated player, " + 3 * BOT_ROOMS
                    + " of bots, " + toolGames + " of the load tool, " + (games - PLAYERS - 3 * BOT_ROOMS - toolGames) + " in a browser), "
                    + tally.moves.get() + " player actions acknowledged in " + playMillis + " ms; players resumed " + tally.resumes.get()
                    + " times, followed room_elsewhere " + tally.followedElsewhere.get() + " times, told room_moving "
                    + tally.toldMoving.get() + " times, sent to another node to create their room " + tally.placedElsewhere.get()
                    + " times, told by their node it no longer runs their game " + tally.lostTheRoomHere.get()
                    + " times; closes by A (killed) " + tally.closes.getOrDefault(ws(a), List.of()).size()
                    + ", by B (drained) " + codes(drainCloses) + "; action latency p50/p99/max during the drain " + during[0] + "/"
                    + during[1] + "/" + during[2] + " ms (" + during[3] + " actions), over the whole run " + all[0] + "/" + all[1]
                    + "/" + all[2] + " ms (" + all[3] + "); archived " + archived + " (" + distinct + " distinct); " + browser);
            assertEquals("bot actions acknowledged and lost", List.of(), lost);
            assertEquals("player actions acknowledged and lost: " + tally.failures, 0, tally.lostActions.get());
            assertTrue("the drained node had players to close", !drainCloses.isEmpty());
            assertEquals("players closed by the drained node without 1012: " + drainCloses, 0, withoutCode);
            assertEquals("players who finished their game", PLAYERS, tally.finished.get());
            assertTrue("taken over within 10 s of the kill: " + takeoverMillis + " ms", takeoverMillis < 10_000);
            assertEquals("games archived", games, archived);
            assertEquals("games archived more than once", archived, distinct);
            assertTrue("moves were made", moves > 0);
        } finally {
            pool.shutdownNow();
            browserThread.shutdownNow();
            try (io.nats.client.Connection n = io.nats.client.Nats.connect(nats)) {
                for (String bucket : List.of(prefix + "_nodes", prefix + "_rooms")) {
                    try {
                        n.keyValueManagement().delete(bucket);
                    } catch (Exception gone) {
                        // never made
                    }
                }
            }
            db.drop();
        }
    }

    /**
     * The cluster's overhead, measured (only when {@code LUDUS_CLUSTER_THROUGHPUT} is set:
     * {@code scripts/cluster-run} sets it): the same all-bot games at full speed (bots do not
     * think) on one node, then spread over three nodes, on the same PostgreSQL and NATS; counted
     * are the events the shared store took per second over the same window. One machine cannot
     * show what three machines would add: this is what running as a cluster costs.
     */
    @Test
    public void throughputOfThreeNodesBesideOne() throws Exception {
        org.junit.Assume.assumeTrue("a measurement, run by scripts/cluster-run (LUDUS_CLUSTER_THROUGHPUT=1)",
                System.getenv("LUDUS_CLUSTER_THROUGHPUT") != null);
        int rooms = setting("LUDUS_CLUSTER_THROUGHPUT_ROOMS", 60);
        int windowSeconds = setting("LUDUS_CLUSTER_THROUGHPUT_SECONDS", 20);
        PostgresDatabase db = Postgres.server(ThreeNodesIT.class, 1).createDatabase("ThreeNodesThroughput");
        String nats = Nats.server(ThreeNodesIT.class, 1).uri("nats");
        try {
            double one = throughput(db, nats, 1, rooms, windowSeconds);
            double three = throughput(db, nats, 3, rooms, windowSeconds);
            System.out.printf(java.util.Locale.ROOT, "three nodes: throughput with %d all-bot games at full speed, %d s window:"
                    + " one node %.0f events/s, three nodes on the same machine %.0f events/s (%.2f of one node)%n",
                    rooms, windowSeconds, one, three, three / one);
        } finally {
            db.drop();
        }
    }

    private double throughput(PostgresDatabase db, String nats, int nodes, int rooms, int windowSeconds) throws Exception {
        String prefix = "throughput" + Long.toHexString(System.nanoTime());
        String schema = "ludus_tp_" + Long.toHexString(System.nanoTime());
        List<Distribution> ds = new ArrayList<>();
        try {
            for (int i = 0; i < nodes; i++) {
                Distribution d = Distribution.copy();
                ds.add(d);
                configure(d, "node-" + i, db, nats, prefix, schema);
                Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), """
                        requireCluster = true
                        EventStore.target = (ludus.eventstore=jdbc)
                        SnapshotStore.target = (ludus.eventstore=jdbc)
                        botThinkMillis = 0
                        snapshotEvery = 100
                        """);
                d.start();
            }
            for (Distribution d : ds) {
                d.awaitHealthy();
            }
            // The bot games once each node is in the cluster (requireCluster: before, no room can be made)
            Wait.until(nodes + " nodes in the cluster", 30_000, () -> view(ds.get(0)).size() == nodes + 1,
                    () -> view(ds.get(0)).toString());
            for (int i = 0; i < nodes; i++) {
                Distribution d = ds.get(i);
                int share = rooms / nodes + (i < rooms % nodes ? 1 : 0);
                d.deployBotLoad("rooms = " + share + "\nackLog = " + d.home.getParent().resolve("acks.log")
                        + "\ngameOptions = maxRounds=1000, winScore=100000\n"); // the example makes rooms only with an ack log
            }
            String events = "SELECT count(*) FROM " + schema + "_events.event";
            Wait.until("every room playing", 120_000, () -> count(db, "SELECT count(DISTINCT stream) FROM " + schema
                    + "_events.event") >= rooms, () -> {
                        String out = ds.get(0).output();
                        return "node-0's health: " + ds.get(0).healthWithDetails() + "\nits log's end:\n"
                                + out.substring(Math.max(0, out.length() - 4000));
                    });
            Thread.sleep(setting("LUDUS_CLUSTER_THROUGHPUT_WARMUP_SECONDS", 15) * 1000L); // every JVM compiles its hot paths first
            long from = count(db, events);
            long at = System.nanoTime();
            Thread.sleep(windowSeconds * 1000L);
            long to = count(db, events);
            double perSecond = (to - from) / ((System.nanoTime() - at) / 1e9);
            System.out.printf(java.util.Locale.ROOT, "three nodes: %d node(s), %d all-bot games: %.0f events/s%n", nodes, rooms,
                    perSecond);
            return perSecond;
        } finally {
            for (Distribution d : ds) {
                d.close();
            }
            try (io.nats.client.Connection n = io.nats.client.Nats.connect(nats)) {
                for (String bucket : List.of(prefix + "_nodes", prefix + "_rooms")) {
                    try {
                        n.keyValueManagement().delete(bucket);
                    } catch (Exception gone) {
                        // never made
                    }
                }
            }
        }
    }

    /** For each room named in {@code failures}: its owner in the directory, its stream's last records, what C logged of it. */
    private static String diagnose(List<String> failures, PostgresDatabase db, String schema, String nats, String prefix,
                                   Distribution c) throws Exception {
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("in room (\\S+)").matcher(String.join("\n", failures));
        String log = c.output();
        try (io.nats.client.Connection n = io.nats.client.Nats.connect(nats)) {
            io.nats.client.KeyValue rooms = n.keyValue(prefix + "_rooms");
            while (m.find()) {
                String room = m.group(1);
                io.nats.client.api.KeyValueEntry e = rooms.get(room);
                out.append("- ").append(room).append(": owner ").append(e == null ? "none" : e.getValueAsString() + " ("
                        + e.getOperation() + ")").append(", stream at ").append(count(db, "SELECT coalesce(max(version), 0) FROM "
                        + schema + "_events.event WHERE stream = 'room-" + room + "'")).append('\n');
                try (Connection sql = db.connect(); Statement st = sql.createStatement();
                     ResultSet rs = st.executeQuery("SELECT version, type FROM " + schema + "_events.event WHERE stream = 'room-"
                             + room + "' ORDER BY version DESC LIMIT 4")) {
                    while (rs.next()) {
                        out.append("    ").append(rs.getLong(1)).append(' ').append(rs.getString(2)).append('\n');
                    }
                }
                log.lines().filter(l -> l.contains(room)).limit(15).forEach(l -> out.append("    ").append(l).append('\n'));
            }
        }
        return out.toString();
    }

    /**
     * One player in headless Chromium, on the browser client served through {@code balancer}: makes
     * a Liap Tui room against three bots there (on node A) and plays it to its end through A's kill
     * and B's drain, the page finding its game again by itself. Returns what the page did; without
     * Chromium (a recorded skip, never under LUDUS_TEST_SERVICES=required) says so and plays nothing.
     */
    private static String playInBrowser(TcpRelay balancer, CountDownLatch inGame) throws Exception {
        try {
            Chromium.require(ThreeNodesIT.class, 1);
        } catch (org.junit.AssumptionViolatedException noBrowser) {
            inGame.countDown();
            return "no browser: " + noBrowser.getMessage();
        }
        Path work = Path.of(System.getProperty("ludus.itest.work"));
        try (Chromium browser = new Chromium(work)) {
            try {
                BrowserIT.createTable(browser, "http://127.0.0.1:" + balancer.port(), "Browser", "Cluster table", ROUNDS, 60_000);
                browser.eval("document.querySelector('#fill-bots').click()");
                BrowserIT.waitFor(browser, "three bots", "document.querySelectorAll('.seats .remove-bot').length === 3", 60_000);
                // A click while the page still waits for the last bot's answer is ignored (one request
                // at a time): click until the game shows.
                BrowserIT.waitFor(browser, "the game", "(() => { if (document.querySelector('#game-phase')) return true;"
                        + " const b = document.querySelector('#start'); if (b && !b.disabled && !ludus.state.busy) b.click();"
                        + " return false; })()", 60_000);
                String room = (String) browser.eval("ludus.state.room.roomId");
                long end = System.currentTimeMillis() + 280_000;
                int moves = 0;
                while (System.currentTimeMillis() < end) {
                    String step = (String) browser.eval(BrowserIT.PLAY_STEP);
                    if ("over".equals(step)) {
                        break;
                    }
                    if (!"waiting".equals(step) && !"busy".equals(step) && !"cannot select".equals(step)) {
                        moves++;
                        if (moves == 2) {
                            inGame.countDown(); // the nodes may be killed and drained now
                        }
                    }
                    Thread.sleep(THINK_MILLIS);
                }
                assertTrue("the page's game ended: " + browser.eval("document.querySelector('#status').dataset.status"),
                        (Boolean) browser.eval("!!document.querySelector('#game-over')"));
                assertEquals("the same game to its end", room, browser.eval("ludus.state.room.roomId"));
                assertEquals("no script errors in the page", List.of(), browser.pageErrors());
                return "the browser page played " + moves + " moves to its game's end, its searches "
                        + browser.eval("JSON.stringify(ludus.state.searches)");
            } catch (Throwable t) {
                browser.screenshot(work.resolve("three-nodes-browser-failure.png"));
                throw t;
            }
        }
    }

    /** Sends {@code SIG<name>} to the node's process (STOP: it stalls, as in a long pause or a partition; CONT: it runs again). */
    /**
     * Node B's cluster bundle restarted and updated, and its NATS client bundle (which the cluster
     * bundle's connection comes from) restarted and updated, under play, by the chaos bundle's
     * schedules: each new instance of B's cluster membership continues the lease the last one
     * handed over, so no room of B moves (A and C adopt nothing, B fences nothing) and B's players
     * play on. What was acknowledged is checked with everything else at the end.
     */
    private void swapBClusterBundles(Distribution a, Distribution b, Distribution c) throws Exception {
        int aFrom = a.output().length();
        int bFrom = b.output().length();
        int cFrom = c.output().length();
        int ownedBefore = view(a).getOrDefault("node-b", 0);
        Path conf = b.home.resolve("conf");
        Files.writeString(conf.resolve("dev.ludus.chaos.schedule-restarts.cfg"),
                "bundles = dev.ludus.cluster, dev.ludus.nats\naction = restart\neveryMillis = 1500\n");
        Files.writeString(conf.resolve("dev.ludus.chaos.schedule-updates.cfg"),
                "bundles = dev.ludus.cluster, dev.ludus.nats\naction = update\neveryMillis = 2500\n");
        Files.writeString(conf.resolve("dev.ludus.chaos.cfg.part"), "armed = true\n");
        Files.move(conf.resolve("dev.ludus.chaos.cfg.part"), conf.resolve("dev.ludus.chaos.cfg"),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        java.util.regex.Pattern acted = java.util.regex.Pattern.compile("chaos: schedule '[^']+': (restart|update) (dev\\.ludus\\.\\S+) ");
        Map<String, Integer> actions = new TreeMap<>();
        Wait.until("three restarts and two updates of B's cluster or NATS client bundle", 60_000, () -> {
            actions.clear();
            java.util.regex.Matcher m = acted.matcher(b.output().substring(bFrom));
            while (m.find()) {
                actions.merge(m.group(1), 1, Integer::sum);
            }
            return actions.getOrDefault("restart", 0) >= 3 && actions.getOrDefault("update", 0) >= 2;
        }, () -> actions.toString());
        Files.writeString(conf.resolve("dev.ludus.chaos.cfg.part"), "armed = false\n");
        Files.move(conf.resolve("dev.ludus.chaos.cfg.part"), conf.resolve("dev.ludus.chaos.cfg"),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.delete(conf.resolve("dev.ludus.chaos.schedule-restarts.cfg"));
        Files.delete(conf.resolve("dev.ludus.chaos.schedule-updates.cfg"));
        Wait.until("B a member again, seeing all three nodes", 30_000, () -> view(b).keySet().containsAll(
                List.of("node-a", "node-b", "node-c")), () -> view(b).toString());
        Thread.sleep(2000); // a lease lapsed in the last swap would show as an adoption within the grace
        String bLog = b.output().substring(bFrom);
        long continued = bLog.lines().filter(l -> l.contains("continues the lease its previous instance handed over")).count();
        long handed = bLog.lines().filter(l -> l.contains("hands its lease over to its next instance")).count();
        long rejoinedAfresh = bLog.lines().filter(l -> l.contains("waiting for it to lapse")).count();
        int ownedAfter = view(a).getOrDefault("node-b", 0);
        System.out.println("three nodes: B's cluster and NATS client bundles swapped under play " + actions + "; B handed its lease over "
                + handed + " times, its next instance continued it " + continued + " times, waited for a lapse "
                + rejoinedAfresh + " times; B owned " + ownedBefore + " rooms before, " + ownedAfter + " after");
        assertTrue("B handed its lease over at each swap:\n" + bLog, handed >= 3 && continued >= 3);
        assertEquals("B never had to wait for its own lease to lapse:\n" + bLog, 0, rejoinedAfresh);
        String bCluster = bLog.lines().filter(l -> l.contains("cluster:") || l.contains("chaos:") || l.contains("rooms:"))
                .collect(java.util.stream.Collectors.joining("\n"));
        for (Distribution other : List.of(a, c)) {
            String log = other.output().substring(other == a ? aFrom : cFrom);
            assertTrue("no room of B was adopted by " + (other == a ? "A" : "C") + ":\n" + log.lines()
                    .filter(l -> l.contains("cluster:") || l.contains("rooms:")).collect(java.util.stream.Collectors.joining("\n"))
                    + "\nB:\n" + bCluster, !log.contains("rooms: adopting"));
        }
        assertTrue("B fenced none of its rooms:\n" + bLog, !bLog.contains("they stop here and play on there"));
        assertTrue("B still owns its rooms: " + ownedBefore + " before, " + ownedAfter + " after", ownedAfter > 0);
    }

    /** The last {@code n} lines of {@code log} that {@code keep} keeps. */
    private static String lastLines(String log, java.util.function.Predicate<String> keep, int n) {
        List<String> kept = log.lines().filter(keep).toList();
        return String.join("\n", kept.subList(Math.max(0, kept.size() - n), kept.size()));
    }

    private static void signal(Distribution d, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(d.process().pid())).inheritIO().start();
        assertEquals("kill -" + name, 0, kill.waitFor());
    }

    /** The rooms the node runs now (its rooms health: waiting, playing, paused, finished). */
    private int rooms(Distribution d) throws Exception {
        JsonNode r = json.readTree(d.healthWithDetails()).path("components").path("rooms").path("details");
        return r.path("waiting").asInt() + r.path("playing").asInt() + r.path("paused").asInt() + r.path("finished").asInt();
    }

    /** Close codes → how many players got each. */
    private static Map<Integer, Long> codes(List<Integer> closes) {
        return new TreeMap<>(closes.stream().collect(java.util.stream.Collectors.groupingBy(c -> c,
                java.util.stream.Collectors.counting())));
    }

    /** The players that failed, with their failure. */
    private static List<String> failed(List<? extends Future<?>> players) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < players.size(); i++) {
            Future<?> f = players.get(i);
            if (f.isDone()) {
                try {
                    f.get();
                } catch (Exception e) {
                    out.add("player " + i + ": " + e.getCause());
                }
            }
        }
        return out;
    }

    private static Map<String, Long> uncheckedAcked(Path acks) {
        try {
            return AckLog.maxAcked(acks);
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** p50, p99, max (ms) and count of the acknowledged actions sent between the two nanoTimes. */
    private static long[] latencies(Tally tally, long from, long to) {
        List<Long> ms = new ArrayList<>();
        synchronized (tally.latencies) {
            for (long[] l : tally.latencies) {
                if (l[0] >= from && l[0] <= to) {
                    ms.add(l[1]);
                }
            }
        }
        if (ms.isEmpty()) {
            return new long[] {-1, -1, -1, 0};
        }
        Collections.sort(ms);
        return new long[] {ms.get(ms.size() / 2), ms.get(Math.min(ms.size() - 1, (int) Math.ceil(ms.size() * 0.99) - 1)),
                ms.get(ms.size() - 1), ms.size()};
    }
}
