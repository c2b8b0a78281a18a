package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.cluster.Cluster;
import dev.ludus.api.cluster.NodeInfo;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * Rooms in a cluster whose nodes host different games: a dead node's room goes only to a node
 * that hosts its game, by adoption, by a node's recovery at start and when a player asks for it,
 * and never waits paused on a node that lacks the game while another could play it.
 */
public class ClusterGamesTest {

    /** One directory and one set of live nodes, as the cluster bundle keeps them in NATS. */
    private static final class Directory {
        final Map<String, NodeInfo> live = new ConcurrentHashMap<>();
        final Map<String, String> owners = new ConcurrentHashMap<>();

        void join(String node, String... games) {
            live.put(node, new NodeInfo(node, "http://" + node, Set.of(games), 0, 0, 0, false, 0));
        }
    }

    /** One node's view of the directory: claims by compare-and-set, as NatsCluster does them. */
    private static final class Node implements Cluster {
        private final Directory dir;
        private final String id;

        Node(Directory dir, String id) {
            this.dir = dir;
            this.id = id;
        }

        @Override public String nodeId() { return id; }
        @Override public List<NodeInfo> nodes() { return List.copyOf(dir.live.values()); }
        @Override public Optional<String> owner(String roomId) { return Optional.ofNullable(dir.owners.get(roomId)); }

        @Override
        public boolean claim(String roomId) {
            synchronized (dir) {
                String owner = dir.owners.get(roomId);
                if (owner == null || owner.equals(id) || !dir.live.containsKey(owner)) {
                    dir.owners.put(roomId, id);
                    return true;
                }
                return false;
            }
        }

        @Override public void release(String roomId) { dir.owners.remove(roomId, id); }

        @Override
        public List<String> roomsOf(String nodeId) {
            return dir.owners.entrySet().stream().filter(e -> e.getValue().equals(nodeId)).map(Map.Entry::getKey).toList();
        }

        @Override
        public List<String> orphans() {
            return dir.owners.entrySet().stream().filter(e -> !dir.live.containsKey(e.getValue())).map(Map.Entry::getKey).toList();
        }

        @Override public String place(String gameType) { return id; }
        @Override public void requestDrain(String nodeId) { throw new UnsupportedOperationException(); }
    }

    private final MemoryEventStore events = new MemoryEventStore();
    private final Directory dir = new Directory();
    private final List<RoomRuntime> runtimes = new ArrayList<>();
    /** Whether node b ever ran the count room (it cannot: it lacks the game). */
    private volatile boolean wrongNodeRanIt;

    @After
    public void tearDown() {
        runtimes.stream().filter(r -> r.context().active).forEach(RoomRuntime::deactivate);
    }

    private RoomRuntime node(String id, String... games) {
        RoomRuntime r = new RoomRuntime();
        for (String g : games) {
            r.bindGame(new TurnGame(g, 2));
        }
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.bindCluster(new Node(dir, id));
        r.activate(RoomRuntimeTest.config(Map.of("requireCluster", true)));
        runtimes.add(r);
        return r;
    }

    private static RoomInfo started(RoomRuntime r, String game) {
        RoomInfo room = r.create(game, game + " table", Map.of());
        r.join(room.roomId(), "ann", "Ann");
        r.join(room.roomId(), "bob", "Bob");
        r.start(room.roomId());
        return room;
    }

    /** Kills node {@code id}: its runtime stops without a word and its lease lapses. */
    private void kill(RoomRuntime r, String id) {
        r.deactivate();
        dir.live.remove(id);
    }

    private void await(String what, BooleanSupplier condition, RoomRuntime lacking, String room) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (lacking.context().rooms.containsKey(room)) {
                wrongNodeRanIt = true;
            }
            assertTrue("timed out: " + what + "; directory " + dir.owners, System.currentTimeMillis() < deadline);
            Thread.sleep(50);
        }
    }

    @Test
    public void aDeadNodesRoomsGoOnlyToNodesThatHostTheirGame() throws Exception {
        dir.join("a", "count", "other");
        dir.join("b", "other");
        dir.join("c", "count");
        RoomRuntime b = node("b", "other");
        RoomRuntime c = node("c", "count");
        RoomRuntime a = node("a", "count", "other");
        String count = started(a, "count").roomId();
        String other = started(a, "other").roomId();
        assertEquals("a", dir.owners.get(count));

        kill(a, "a");
        // b is asked for the count room by a player: it must not take it on (it would pause it).
        assertFalse(b.get(count).isPresent() && "b".equals(dir.owners.get(count)));
        await("c adopts the count room and b the other one", () -> "c".equals(dir.owners.get(count))
                && "b".equals(dir.owners.get(other)), b, count);
        await("both rooms run unpaused", () -> c.context().rooms.containsKey(count) && b.context().rooms.containsKey(other)
                && c.get(count).orElseThrow().pauseReason().isEmpty() && b.get(other).orElseThrow().pauseReason().isEmpty(),
                b, count);
        Thread.sleep(ClusterRooms.GRACE_MILLIS + 1500); // past the grace after which any candidate adopts
        assertFalse("b ran the count room, which it cannot play", wrongNodeRanIt || b.context().rooms.containsKey(count));
        assertEquals("c", dir.owners.get(count));

        // c dies too; d, hosting the count game, starts: its recovery takes the room, b still does not.
        kill(c, "c");
        dir.join("d", "count");
        RoomRuntime d = node("d", "count");
        await("d recovers the count room", () -> "d".equals(dir.owners.get(count)) && d.context().rooms.containsKey(count)
                && d.get(count).orElseThrow().pauseReason().isEmpty(), b, count);
        assertFalse("b ran the count room, which it cannot play", wrongNodeRanIt || b.context().rooms.containsKey(count));
        assertEquals("b", dir.owners.get(other));
    }
}
