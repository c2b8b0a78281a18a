package dev.ludus.cluster;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.ludus.api.cluster.ClusterException;
import dev.ludus.api.cluster.NodeInfo;
import dev.ludus.testing.services.Nats;
import dev.ludus.testing.services.ServiceEndpoint;
import io.nats.client.Connection;
import io.nats.client.Options;

/**
 * Several nodes in one JVM, each with a connection of its own, against a real NATS with
 * JetStream (the local one, or a {@code nats-server} from the PATH). Each test has buckets of its
 * own, deleted afterwards.
 */
public class NatsClusterTest {

    private static final int TESTS = 9;
    private ServiceEndpoint server;
    private String prefix;
    private final List<NatsCluster> nodes = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final Map<String, NatsCluster.Announcement> announced = new ConcurrentHashMap<>();

    @Before
    public void setUp() {
        server = Nats.server(NatsClusterTest.class, TESTS);
        prefix = "t" + Long.toHexString(System.nanoTime());
    }

    @After
    public void tearDown() throws Exception {
        for (NatsCluster n : nodes) {
            n.abandon();
        }
        try (Connection c = io.nats.client.Nats.connect(server.uri("nats"))) {
            for (String b : List.of(prefix + "_nodes", prefix + "_rooms")) {
                try {
                    c.keyValueManagement().delete(b);
                } catch (Exception gone) {
                    // never made
                }
            }
        }
        for (Connection c : connections) {
            c.close();
        }
    }

    /** A node with a lease long enough that a busy machine never lets it lapse while the node runs. */
    private NatsCluster node(String id, Set<String> games) throws Exception {
        return node(id, games, Duration.ofSeconds(10));
    }

    /**
     * A node whose lease lapses quickly once it stops renewing it (the tests of a killed node). The
     * lease is the bucket's, set by the first node of a test: all nodes of a test use the same.
     */
    private NatsCluster shortLived(String id, Set<String> games) throws Exception {
        return node(id, games, Duration.ofMillis(2000));
    }

    private NatsCluster node(String id, Set<String> games, Duration lease) throws Exception {
        return node(id, games, lease, 0);
    }

    private NatsCluster node(String id, Set<String> games, Duration lease, long inheritedRevision) throws Exception {
        Connection c = io.nats.client.Nats.connect(new Options.Builder().server(server.uri("nats"))
                .connectionTimeout(Duration.ofSeconds(2)).errorListener(new io.nats.client.ErrorListener() { }).build());
        connections.add(c);
        announced.put(id, new NatsCluster.Announcement("ws://" + id + ":8080/ws", games, 0, 0, 0, false));
        NatsCluster n = new NatsCluster(c, id, new NatsCluster.Settings(prefix, lease, Duration.ofMillis(300)),
                () -> announced.get(id), new Random(id.hashCode()), inheritedRevision);
        nodes.add(n);
        return n;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static List<String> ids(List<NodeInfo> nodes) {
        return nodes.stream().map(NodeInfo::id).toList();
    }

    @Test
    public void nodesSeeEachOtherAndAKilledNodesLeaseLapses() throws Exception {
        NatsCluster a = shortLived("a", Set.of("liaptui"));
        NatsCluster b = shortLived("b", Set.of("liaptui", "liaptui@1.0"));
        NatsCluster c = shortLived("c", Set.of("chess"));
        await("three nodes", () -> a.nodes().size() == 3);
        NodeInfo seenB = b.nodes().stream().filter(n -> n.id().equals("b")).findFirst().orElseThrow();
        assertEquals("ws://b:8080/ws", seenB.address());
        assertTrue(seenB.hosts("liaptui@1.0"));
        assertTrue(a.leaseHeld());

        long killedAt = System.nanoTime();
        b.abandon(); // as SIGKILL: no goodbye, the lease lapses on its own
        await("b's lease lapses", () -> ids(a.nodes()).equals(List.of("a", "c")));
        long lapsedMillis = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue("lapsed after " + lapsedMillis + " ms, the lease is 2,000", lapsedMillis >= 1500 && lapsedMillis < 8000);

        c.close(); // a goodbye: gone at once
        await("c left", () -> ids(a.nodes()).equals(List.of("a")));
    }

    @Test
    public void aDrainRequestReachesTheNodeNamedOnlyAndAnUnknownOrSilentNodeIsRefused() throws Exception {
        NatsCluster a = node("a", Set.of("liaptui"));
        NatsCluster b = node("b", Set.of("liaptui"));
        NatsCluster c = node("c", Set.of("liaptui"));
        java.util.concurrent.atomic.AtomicInteger drainsA = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger drainsB = new java.util.concurrent.atomic.AtomicInteger();
        a.onDrainRequest(drainsA::incrementAndGet);
        b.onDrainRequest(drainsB::incrementAndGet);
        await("three nodes", () -> c.nodes().size() == 3);

        c.requestDrain("a"); // returns once a has answered
        assertEquals(1, drainsA.get());
        assertEquals(0, drainsB.get());
        a.requestDrain("a"); // a node may ask itself
        assertEquals(2, drainsA.get());

        for (String bad : new String[] {"nobody", "a.b", "", null}) {
            try {
                c.requestDrain(bad);
                fail("a drain of '" + bad + "' was taken");
            } catch (ClusterException e) {
                assertEquals(ClusterException.NO_NODE, e.code());
            }
        }
        try {
            a.requestDrain("c"); // live, but it does not listen for drain requests
            fail("a node that does not answer was taken as drained");
        } catch (ClusterException e) {
            assertEquals(ClusterException.NO_NODE, e.code());
            assertTrue(e.getMessage(), e.getMessage().contains("did not answer"));
        }
        assertEquals(0, drainsB.get());
    }

    @Test
    public void aRoomHasOneOwnerHoweverManyNodesClaimItAtOnce() throws Exception {
        List<NatsCluster> all = new ArrayList<>();
        for (String id : List.of("n1", "n2", "n3")) {
            all.add(node(id, Set.of("liaptui")));
        }
        int roomsCount = 60;
        Map<String, List<String>> winners = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (NatsCluster n : all) {
            for (int t = 0; t < 2; t++) {
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                        for (int r = 0; r < roomsCount; r++) {
                            String room = "room-" + r;
                            if (n.claim(room)) {
                                winners.computeIfAbsent(room, k -> Collections.synchronizedList(new ArrayList<>())).add(n.nodeId());
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                threads.add(th);
                th.start();
            }
        }
        go.countDown();
        for (Thread th : threads) {
            th.join(60_000);
        }
        if (!errors.isEmpty()) {
            throw new AssertionError(errors.get(0));
        }
        assertEquals(roomsCount, winners.size());
        for (Map.Entry<String, List<String>> w : winners.entrySet()) {
            // the two threads of the winning node may both be told "yours"; no other node may
            assertEquals(w.getKey() + " won by " + w.getValue(), 1, Set.copyOf(w.getValue()).size());
            assertEquals(Optional.of(w.getValue().get(0)), all.get(0).owner(w.getKey()));
        }
        Map<String, Integer> perNode = new HashMap<>();
        for (NatsCluster n : all) {
            await(n.nodeId() + "'s replica of the directory", () -> {
                int sum = 0;
                for (NatsCluster m : all) {
                    sum += n.roomsOf(m.nodeId()).size();
                }
                return sum == roomsCount;
            });
            perNode.put(n.nodeId(), all.get(0).roomsOf(n.nodeId()).size());
        }
        assertEquals(roomsCount, perNode.values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    public void survivorsTakeADeadNodesRoomsOverEachOnce() throws Exception {
        NatsCluster a = shortLived("a", Set.of("liaptui"));
        NatsCluster b = shortLived("b", Set.of("liaptui"));
        NatsCluster c = shortLived("c", Set.of("liaptui"));
        for (int r = 0; r < 30; r++) {
            assertTrue(b.claim("game-" + r));
        }
        assertFalse("a live owner keeps its room", a.claim("game-0"));
        b.abandon();
        await("b's rooms orphaned", () -> a.orphans().size() == 30 && c.orphans().size() == 30);
        AtomicInteger takenByA = new AtomicInteger();
        AtomicInteger takenByC = new AtomicInteger();
        Thread ta = new Thread(() -> a.orphans().forEach(r -> {
            if (a.claim(r)) {
                takenByA.incrementAndGet();
            }
        }));
        Thread tc = new Thread(() -> c.orphans().forEach(r -> {
            if (c.claim(r)) {
                takenByC.incrementAndGet();
            }
        }));
        ta.start();
        tc.start();
        ta.join(30_000);
        tc.join(30_000);
        assertEquals("every room taken over exactly once", 30, takenByA.get() + takenByC.get());
        await("no orphans left", () -> a.orphans().isEmpty());
        assertEquals(30, a.roomsOf("a").size() + a.roomsOf("c").size());

        a.release("game-0");
        if (c.owner("game-0").isEmpty()) {
            assertTrue("a released room can be claimed by anyone", c.claim("game-0"));
        }
    }

    /**
     * A listing of the nodes taken while the others renew their leases as fast as they can still
     * names every one of them (a listing that counted off the entries the bucket held when it
     * began lost a node whose entry a renewal moved past that count).
     */
    @Test
    public void aListingTakenWhileEveryNodeRenewsNamesThemAll() throws Exception {
        NatsCluster a = node("a", Set.of("liaptui"));
        List<String> others = List.of("b", "c", "d", "e");
        for (String id : others) {
            node(id, Set.of("liaptui"));
        }
        await("five nodes", () -> a.listNodes().size() == 5);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> renewers = new ArrayList<>();
        try (Connection c = io.nats.client.Nats.connect(server.uri("nats"))) {
            io.nats.client.KeyValue bucket = c.keyValue(prefix + "_nodes");
            for (String id : List.of("a", "b", "c", "d", "e")) {
                byte[] entry = bucket.get(id).getValue();
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            bucket.put(id, entry);
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                t.start();
                renewers.add(t);
            }
            List<String> all = List.of("a", "b", "c", "d", "e");
            for (int i = 0; i < 300; i++) {
                assertEquals("listing " + i, all, ids(a.listNodes()));
            }
        } finally {
            stop.set(true);
            for (Thread t : renewers) {
                t.join(5_000);
            }
        }
    }

    @Test
    public void placementPrefersTheLessLoadedOfTwoAndOnlyNodesWithTheGame() throws Exception {
        NatsCluster a = node("a", Set.of("liaptui"));
        node("b", Set.of("liaptui"));
        node("c", Set.of("chess"));
        announced.put("a", new NatsCluster.Announcement("", Set.of("liaptui"), 90, 300, 0.3, false));
        announced.put("b", new NatsCluster.Announcement("", Set.of("liaptui"), 10, 30, 0.1, false));
        // Both announcements seen by a before it places (b's first one, with no load, may still be
        // what a sees when a's own arrives).
        await("loads announced", () -> a.nodes().stream().anyMatch(n -> n.id().equals("a") && n.rooms() == 90)
                && a.nodes().stream().anyMatch(n -> n.id().equals("b") && n.rooms() == 10));
        Map<String, Integer> chosen = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            chosen.merge(a.place("liaptui"), 1, Integer::sum);
        }
        assertEquals("of a and b, b is always the less loaded", Map.of("b", 100), chosen);
        assertEquals("c", a.place("chess"));
        try {
            a.place("go");
            fail("placed a game nobody hosts");
        } catch (ClusterException e) {
            assertEquals(ClusterException.NO_NODE, e.code());
        }
        announced.put("b", new NatsCluster.Announcement("", Set.of("liaptui"), 10, 30, 0.1, true));
        await("b draining", () -> a.nodes().stream().anyMatch(n -> n.id().equals("b") && n.draining()));
        assertEquals("a draining node takes no new room", "a", a.place("liaptui"));
    }

    @Test
    public void aSecondNodeWithALiveNodesIdIsRefusedAndARestartedOneWaitsForItsOldLease() throws Exception {
        NatsCluster first = shortLived("same", Set.of("liaptui"));
        try {
            node("same", Set.of("liaptui"));
            fail("two live nodes with one id");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("another live node"));
        }
        first.abandon(); // killed; restarted at once with the same id
        long t0 = System.nanoTime();
        NatsCluster again = shortLived("same", Set.of("liaptui"));
        assertTrue("waited for the old lease", (System.nanoTime() - t0) / 1_000_000 >= 500);
        assertTrue(again.leaseHeld());
        try {
            node("bad id!", Set.of());
            fail("an id that is not a key");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("node id"));
        }
    }

    @Test
    public void aHandedOverLeaseIsContinuedAtOnceAndItsRoomsStayWhileAStaleOneWaits() throws Exception {
        Duration lease = Duration.ofMillis(3000);
        NatsCluster a = node("a", Set.of("liaptui"), lease);
        NatsCluster b = node("b", Set.of("liaptui"), lease);
        assertTrue(a.claim("r1"));
        assertTrue(a.claim("r2"));
        long revision = a.handOver();
        assertTrue("a revision to hand over: " + revision, revision > 0);
        long t0 = System.nanoTime();
        NatsCluster again = node("a", Set.of("liaptui"), lease, revision);
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("continued without waiting for the lease: " + tookMillis + " ms", tookMillis < lease.toMillis() / 2);
        assertTrue(again.leaseHeld());
        Thread.sleep(lease.toMillis() + 500); // past the old instance's lease: the new one renewed it
        assertEquals("b sees a throughout", List.of("a", "b"), ids(b.nodes()).stream().sorted().toList());
        assertEquals("no room of a is an orphan", List.of(), b.orphans());
        assertEquals(Set.of("r1", "r2"), Set.copyOf(again.roomsOf("a")));
        assertTrue("still a's", again.claim("r1"));
        assertTrue("b cannot take a's room", !b.claim("r2"));

        // A revision someone renewed since (or a made-up one) is not a hand-over: the new instance waits.
        long stale = again.handOver() - 1;
        t0 = System.nanoTime();
        NatsCluster late = node("a", Set.of("liaptui"), lease, stale);
        assertTrue("waited for the old lease", (System.nanoTime() - t0) / 1_000_000 >= lease.toMillis() / 2);
        assertTrue(late.leaseHeld());
    }

    @Test
    public void roomIdsThatAreNotKeysAreEncodedAndReadBack() throws Exception {
        NatsCluster a = node("a", Set.of("liaptui"));
        for (String room : List.of("plain-1", "with space", "ünï", "a..b", "b64.x", "x/y")) {
            assertTrue(room, a.claim(room));
            assertEquals(room, Optional.of("a"), a.owner(room));
        }
        await("replica", () -> a.roomsOf("a").size() == 6);
        assertEquals(List.of("a..b", "b64.x", "plain-1", "with space", "x/y", "ünï"), a.roomsOf("a"));
    }
}
