package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.testing.services.Nats;
import dev.ludus.testing.services.Postgres;
import dev.ludus.testing.services.PostgresDatabase;

/**
 * Two Ludus processes (two distributions on two ports) in one cluster: the shared event store and
 * the archive in one PostgreSQL, membership and the room directory in NATS. Node A fills with
 * all-bot games (20) and is killed with SIGKILL in the middle of play; node B takes every room A owned
 * over within the lease and a few seconds, rebuilds each from the shared store and plays it to
 * the end. Counted: every move A acknowledged is in the store, every game finishes and is
 * archived exactly once, and the time from the kill until B owned every room.
 */
public class FailoverIT {

    private static final int ROOMS = 20;
    private static final String FEATURES = "framework, http, webconsole, ludus-core, games, eventstore-jdbc, archive-jdbc, nats, cluster";
    private final ObjectMapper json = new ObjectMapper();
    /** What joining a running (or just finished) game of bots answers on the node that has it. */
    private static final java.util.Set<Object> PLAYING_CODES = java.util.Set.of("already_started", "room_full", "game_over");

    /** The resume-token key every node is given, so a player's token is good on either. */
    private static final String RESUME_KEY = java.util.Base64.getEncoder().encodeToString(
            "failover-it-shared-resume-key-32-bytes!".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    private static void configure(Distribution d, String node, PostgresDatabase db, String nats, String prefix, String schema)
            throws Exception {
        d.env.put("LUDUS_FEATURES", FEATURES);
        Path conf = d.home.resolve("conf");
        Files.writeString(conf.resolve("dev.ludus.gateway.cfg"), ".resumeKey = " + RESUME_KEY + "\n");
        // The default connect timeouts (5 s): 2 s is short on a machine busy with other test JVMs, where a
        // hand-over to the archive that fails five times is quarantined (a suspect of the one failure seen).
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
        Files.writeString(conf.resolve("dev.ludus.cluster.cfg"), "nodeId = " + node + "\naddress = ws://127.0.0.1:" + d.port
                + "/ws\nprefix = " + prefix + "\nleaseMillis = 4000\nheartbeatMillis = 500\n");
    }

    /** The node's cluster view from its health: node id → rooms it owns in the directory; "orphans" → orphaned rooms. */
    private Map<String, Integer> view(Distribution d) throws Exception {
        JsonNode cluster = json.readTree(d.healthWithDetails()).path("components").path("cluster");
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (JsonNode n : cluster.path("details").path("nodes")) {
            out.put(n.path("id").asText(), n.path("ownedRooms").asInt());
        }
        out.put("orphans", cluster.path("details").path("orphanedRooms").asInt(-1));
        return out;
    }

    /** The games not archived yet, each with B's log lines that name it and its stream's last records. */
    private static String missing(PostgresDatabase db, String schema, java.util.Set<String> rooms, Distribution b) throws Exception {
        StringBuilder out = new StringBuilder();
        String log = b.output();
        for (String room : rooms) {
            if (count(db, "SELECT count(*) FROM " + schema + "_archive.game WHERE game_id = '" + room + "'") > 0) {
                continue;
            }
            out.append("- ").append(room).append(": stream at ").append(count(db, "SELECT coalesce(max(version), 0) FROM "
                    + schema + "_events.event WHERE stream = 'room-" + room + "'")).append('\n');
            try (Connection c = db.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version, type FROM " + schema + "_events.event WHERE stream = 'room-"
                         + room + "' ORDER BY version DESC LIMIT 4")) {
                while (rs.next()) {
                    out.append("    ").append(rs.getLong(1)).append(' ').append(rs.getString(2)).append('\n');
                }
            }
            log.lines().filter(l -> l.contains(room)).limit(15).forEach(l -> out.append("    ").append(l).append('\n'));
        }
        return out.toString();
    }

    private static long count(PostgresDatabase db, String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    @Test
    public void aKilledNodesRoomsGoOnOnTheOtherWithNothingLostAndEachGameArchivedOnce() throws Exception {
        PostgresDatabase db = Postgres.server(FailoverIT.class, 1).createDatabase("FailoverIT");
        String nats = Nats.server(FailoverIT.class, 1).uri("nats");
        String prefix = "failover" + Long.toHexString(System.nanoTime());
        String schema = "ludus_fo_" + Long.toHexString(System.nanoTime());
        try (Distribution a = Distribution.copy(); Distribution b = Distribution.copy()) {
            configure(a, "node-a", db, nats, prefix, schema);
            configure(b, "node-b", db, nats, prefix, schema);
            a.start().awaitHealthy();
            b.start().awaitHealthy();
            Wait.until("both nodes in the cluster", 30_000, () -> view(a).containsKey("node-b") && view(b).containsKey("node-a"),
                    () -> view(a) + " / " + view(b));

            Path acks = a.home.resolve("acks.log");
            a.deployBotLoad("rooms = " + ROOMS + "\nackLog = " + acks + "\n");
            Wait.until("A owns its rooms and they play", 60_000,
                    () -> view(b).getOrDefault("node-a", 0) == ROOMS && AckLog.lines(acks) > ROOMS * 6L, () -> view(b));
            Thread.sleep(1500);
            Map<String, Long> acked = AckLog.maxAcked(acks);
            assertEquals("every room acknowledged moves on A", ROOMS, acked.size());

            // A player on B asking for a room of A is told where it is; their token is good on A too
            String roomOfA = acked.keySet().iterator().next();
            URI wsA = URI.create("ws://127.0.0.1:" + a.port + "/ws");
            URI wsB = URI.create("ws://127.0.0.1:" + b.port + "/ws");
            try (ProtocolClient onB = ProtocolClient.hello(wsB, "visitor")) {
                Map<String, Object> there = onB.request("join_room", Map.of("room", roomOfA));
                assertEquals("room_elsewhere: " + there, "room_elsewhere", there.get("code"));
                assertEquals(wsA.toString(), there.get("address"));
                assertEquals("node-a", there.get("node"));
                try (ProtocolClient onA = onB.resume(wsA)) {
                    assertEquals("the same player on A, with the token B signed", onB.playerId(), onA.playerId());
                    Object code = onA.request("join_room", Map.of("room", roomOfA)).get("code");
                    assertTrue("on A the room is there, playing: " + code, PLAYING_CODES.contains(code));
                }
            }

            long killedAt = System.nanoTime();
            a.process().destroyForcibly(); // SIGKILL
            long finishedOnA = count(db, "SELECT count(*) FROM " + schema + "_archive.game");
            a.process().waitFor(10, TimeUnit.SECONDS);
            Wait.until("B owns every room A owned", 30_000, () -> {
                Map<String, Integer> v = view(b);
                return v.getOrDefault("node-b", 0) == ROOMS && v.get("orphans") == 0 && !v.containsKey("node-a");
            }, () -> view(b));
            long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("failover: B owned all " + ROOMS + " rooms " + takeoverMillis + " ms after A was killed (lease 4,000 ms)");
            assertTrue("taken over within the lease and 6 s: " + takeoverMillis + " ms", takeoverMillis < 10_000);
            try (ProtocolClient onB = ProtocolClient.hello(wsB, "visitor-after")) {
                Object code = onB.request("join_room", Map.of("room", roomOfA)).get("code");
                assertTrue("after the take-over the room is on B, playing: " + code, PLAYING_CODES.contains(code));
            }

            // every move A acknowledged is in the shared store
            List<String> lost = new ArrayList<>();
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                long v = count(db, "SELECT coalesce(max(version), 0) FROM " + schema + "_events.event WHERE stream = 'room-"
                        + e.getKey() + "'");
                if (v < e.getValue()) {
                    lost.add(e.getKey() + ": acknowledged " + e.getValue() + ", stored " + v);
                }
            }
            assertEquals("acknowledged moves lost", List.of(), lost);

            // B plays every game to its end; each is archived once
            Wait.until("every game archived", 240_000, () -> count(db, "SELECT count(*) FROM " + schema + "_archive.game") >= ROOMS,
                    () -> count(db, "SELECT count(*) FROM " + schema + "_archive.game") + " archived; B: " + view(b)
                            + "; B's rooms: " + json.readTree(b.healthWithDetails()).path("components").path("rooms").path("details")
                            + "\nnot archived, and what B logged of them:\n" + missing(db, schema, acked.keySet(), b));
            assertEquals("each game archived once", ROOMS, count(db, "SELECT count(*) FROM " + schema + "_archive.game"));
            // B played them: the streams of the games A had not finished grew after the kill
            int playedOnByB = 0;
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                long v = count(db, "SELECT coalesce(max(version), 0) FROM " + schema + "_events.event WHERE stream = 'room-"
                        + e.getKey() + "'");
                if (v > e.getValue() + 1) {
                    playedOnByB++;
                }
            }
            System.out.println("failover: " + finishedOnA + " games were archived before the kill; B played " + playedOnByB
                    + " of the " + ROOMS + " games on to their end");
            assertTrue("most games were still being played when A was killed: " + finishedOnA, finishedOnA < ROOMS / 2);
            assertTrue("B played on every game A had not finished: " + playedOnByB, playedOnByB >= ROOMS - finishedOnA);
            Wait.until("every finished room released from the directory", 30_000, () -> view(b).getOrDefault("node-b", -1) == 0,
                    () -> view(b));
        } finally {
            try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats)) {
                for (String bucket : List.of(prefix + "_nodes", prefix + "_rooms")) {
                    try {
                        c.keyValueManagement().delete(bucket);
                    } catch (Exception gone) {
                        // never made
                    }
                }
            }
            db.drop();
        }
    }
}
