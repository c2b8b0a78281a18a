package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.testing.services.Nats;
import dev.ludus.testing.services.Postgres;
import dev.ludus.testing.services.PostgresDatabase;

/**
 * Two Ludus processes (two distributions on two ports) in one cluster: the shared event store and
 * the archive in one PostgreSQL, membership and the room directory in NATS. Node A fills with
 * all-bot games and is killed with SIGKILL in the middle of play; node B takes every room A owned
 * over within the lease and a few seconds, rebuilds each from the shared store and plays it to
 * the end. Counted: every move A acknowledged is in the store, every game finishes and is
 * archived exactly once, and the time from the kill until B owned every room.
 */
public class FailoverIT {

    private static final int ROOMS = 30;
    private static final String FEATURES = "framework, http, webconsole, ludus-core, games, eventstore-jdbc, archive-jdbc, nats, cluster";
    private final ObjectMapper json = new ObjectMapper();

    private static void configure(Distribution d, String node, PostgresDatabase db, String nats, String prefix, String schema)
            throws Exception {
        d.env.put("LUDUS_FEATURES", FEATURES);
        Path conf = d.home.resolve("conf");
        String pg = "url = " + db.jdbcUrl() + "\nuser = " + db.user() + (db.password().isEmpty() ? "" : "\n.password = " + db.password())
                + "\nconnectTimeoutSeconds = 2\n";
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
                + "/ws\nprefix = " + prefix + "\nleaseMillis = 3000\nheartbeatMillis = 500\n");
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
            Path key = a.data.resolve("gateway/resume.key"); // players' tokens are good on either node
            Wait.until("A's resume key", 30_000, () -> Files.exists(key));
            Files.createDirectories(b.data.resolve("gateway"));
            Files.copy(key, b.data.resolve("gateway/resume.key"));
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

            long killedAt = System.nanoTime();
            a.process().destroyForcibly(); // SIGKILL
            long finishedOnA = count(db, "SELECT count(*) FROM " + schema + "_archive.game");
            a.process().waitFor(10, TimeUnit.SECONDS);
            Wait.until("B owns every room A owned", 30_000, () -> {
                Map<String, Integer> v = view(b);
                return v.getOrDefault("node-b", 0) == ROOMS && v.get("orphans") == 0 && !v.containsKey("node-a");
            }, () -> view(b));
            long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("failover: B owned all " + ROOMS + " rooms " + takeoverMillis + " ms after A was killed (lease 3,000 ms)");
            assertTrue("taken over within the lease and 7 s: " + takeoverMillis + " ms", takeoverMillis < 10_000);

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
                    () -> count(db, "SELECT count(*) FROM " + schema + "_archive.game") + " archived; B: " + view(b));
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
