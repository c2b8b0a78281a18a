package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import dev.ludus.cluster.NatsCluster;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;
import dev.ludus.testing.services.Nats;
import io.nats.client.Connection;

/**
 * The gateway of a node in a cluster (the real cluster bundle's {@link NatsCluster} against a real
 * NATS; another node announced the same way, as another process would): where a new room goes,
 * and what a player asking for a room of another node is told.
 */
public class GatewayClusterTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    private String url;
    private final String prefix = "gwtest" + Long.toHexString(System.nanoTime());
    private final Map<String, NatsCluster.Announcement> announced = new ConcurrentHashMap<>();
    private final List<NatsCluster> nodes = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();

    @Before
    public void nats() throws Exception {
        url = Nats.server(GatewayClusterTest.class, 3).uri("nats");
    }

    @After
    public void leave() throws Exception {
        for (NatsCluster n : nodes) {
            n.close();
        }
        if (!connections.isEmpty()) {
            for (String b : List.of(prefix + "_nodes", prefix + "_rooms")) {
                try {
                    connections.get(0).keyValueManagement().delete(b);
                } catch (Exception gone) {
                    // never made
                }
            }
        }
        for (Connection c : connections) {
            c.close();
        }
    }

    private NatsCluster node(String id, Set<String> games, int rooms, boolean draining) throws Exception {
        Connection c = io.nats.client.Nats.connect(url);
        connections.add(c);
        announce(id, games, rooms, draining);
        NatsCluster n = new NatsCluster(c, id, new NatsCluster.Settings(prefix, Duration.ofSeconds(10), Duration.ofMillis(300)),
                () -> announced.get(id), new Random(id.hashCode()));
        nodes.add(n);
        return n;
    }

    private void announce(String id, Set<String> games, int rooms, boolean draining) {
        announced.put(id, new NatsCluster.Announcement("ws://" + id + ".example:8080/ws", games, rooms, 0, 0, draining));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static boolean sees(NatsCluster c, String node, int rooms, boolean draining) {
        return c.nodes().stream().anyMatch(n -> n.id().equals(node) && n.rooms() == rooms && n.draining() == draining);
    }

    @Test
    public void aNewRoomStaysHereUnlessThisNodeIsClearlyBusierOrLacksTheGame() throws Exception {
        TestServer server = fixture.server(new TestConfig());
        NatsCluster self = node("g1", Set.of(TurnGame.TYPE), 0, false);
        node("g2", Set.of(TurnGame.TYPE, "chess"), 0, false);
        await("both nodes", () -> self.nodes().size() == 2);
        server.gateway.cluster(self);
        ProtocolClient c = fixture.hello(server, "creator");

        // Equal loads: here, with no trip for the player
        assertEquals("ok", c.request("create_room", Map.of("game", TurnGame.TYPE, "name", "here")).get("type"));

        // A few rooms more than the other node: still here (the slack)
        announce("g1", Set.of(TurnGame.TYPE), 6, false);
        self.announceNow();
        await("g1 announces 6 rooms", () -> sees(self, "g1", 6, false));
        assertEquals("ok", c.request("create_room", Map.of("game", TurnGame.TYPE, "name", "still here")).get("type"));

        // Clearly busier: the new room goes to the other node, and nothing is made here
        int before = fixture.service().list().size();
        announce("g1", Set.of(TurnGame.TYPE), 200, false);
        self.announceNow();
        await("g1 announces 200 rooms", () -> sees(self, "g1", 200, false));
        Map<String, Object> away = c.request("create_room", Map.of("game", TurnGame.TYPE, "name", "elsewhere"));
        assertEquals(away.toString(), "create_elsewhere", away.get("code"));
        assertEquals("ws://g2.example:8080/ws", away.get("address"));
        assertEquals("g2", away.get("node"));
        assertEquals("nothing was made here", before, fixture.service().list().size());

        // A game only the other node hosts goes there, however idle this node is
        announce("g1", Set.of(TurnGame.TYPE), 0, false);
        self.announceNow();
        await("g1 idle again", () -> sees(self, "g1", 0, false));
        Map<String, Object> chess = c.request("create_room", Map.of("game", "chess", "name", "chess"));
        assertEquals(chess.toString(), "create_elsewhere", chess.get("code"));
        assertEquals("g2", chess.get("node"));

        // A game no node hosts: the rooms service answers, as on a single node
        Map<String, Object> none = c.request("create_room", Map.of("game", "go", "name", "go"));
        assertEquals(none.toString(), "unknown_game", none.get("code"));
    }

    @Test
    public void aVersionAskedForGoesToANodeThatRunsIt() throws Exception {
        TestServer server = fixture.server(new TestConfig());
        NatsCluster self = node("g1", Set.of(TurnGame.TYPE, TurnGame.TYPE + "@1.0.0"), 0, false);
        node("g2", Set.of(TurnGame.TYPE, TurnGame.TYPE + "@2.0.0"), 0, false);
        await("both nodes", () -> self.nodes().size() == 2);
        server.gateway.cluster(self);
        ProtocolClient c = fixture.hello(server, "canary");

        Map<String, Object> mine = c.request("create_room", Map.of("game", TurnGame.TYPE + "@1.0.0", "name", "old"));
        assertEquals(mine.toString(), "ok", mine.get("type"));
        @SuppressWarnings("unchecked")
        Map<String, Object> room = (Map<String, Object>) ProtocolClient.result(mine).get("room");
        assertEquals("a room of the game itself, made here", TurnGame.TYPE, room.get("gameType"));

        Map<String, Object> canary = c.request("create_room", Map.of("game", TurnGame.TYPE + "@2.0.0", "name", "new"));
        assertEquals(canary.toString(), "create_elsewhere", canary.get("code"));
        assertEquals("g2", canary.get("node"));

        Map<String, Object> nowhere = c.request("create_room", Map.of("game", TurnGame.TYPE + "@3.0.0", "name", "none"));
        assertEquals(nowhere.toString(), "unknown_game", nowhere.get("code"));
    }

    @Test
    public void aRoomOfAnotherNodeIsElsewhereAndMovingWhileThatNodeDrains() throws Exception {
        TestServer server = fixture.server(new TestConfig());
        NatsCluster self = node("g1", Set.of(TurnGame.TYPE), 0, false);
        NatsCluster other = node("g2", Set.of(TurnGame.TYPE), 0, false);
        await("both nodes", () -> self.nodes().size() == 2);
        server.gateway.cluster(self);
        assertTrue(other.claim("room-of-g2"));
        await("the directory says so here", () -> "g2".equals(self.owner("room-of-g2").orElse(null)));
        ProtocolClient c = fixture.hello(server, "visitor");

        Map<String, Object> there = c.request("join_room", Map.of("room", "room-of-g2"));
        assertEquals(there.toString(), "room_elsewhere", there.get("code"));
        assertEquals("ws://g2.example:8080/ws", there.get("address"));

        announce("g2", Set.of(TurnGame.TYPE), 0, true);
        other.announceNow();
        await("g2 drains", () -> sees(self, "g2", 0, true));
        Map<String, Object> moving = c.request("join_room", Map.of("room", "room-of-g2"));
        assertEquals(moving.toString(), "room_moving", moving.get("code"));
        assertEquals(500, ((Number) moving.get("retryAfterMillis")).intValue());

        Map<String, Object> unknown = c.request("join_room", Map.of("room", "no-such-room"));
        assertEquals("a room nobody owns is no room", "no_such_room", unknown.get("code"));
    }
}
