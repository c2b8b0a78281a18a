package dev.ludus.bus.local;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.MessageHandler;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.api.bus.Published;
import dev.ludus.bus.support.BusMetrics;
import dev.ludus.bus.support.Subscriber;
import dev.ludus.eventlog.LogSettings;

public class LocalBusTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private Path dir;
    private final List<LocalBus> opened = new ArrayList<>();
    private static final LocalBus.Settings FAST = new LocalBus.Settings(4, 1000, 20, 200, 10_000);

    @Before
    public void setUp() throws Exception {
        dir = tmp.newFolder().toPath().resolve("bus");
    }

    @After
    public void closeAll() {
        opened.forEach(LocalBus::close);
    }

    private LocalBus open(LogSettings log) {
        LocalBus bus = LocalBus.open(dir, log, FAST, Clock.systemUTC(), new BusMetrics("local"));
        opened.add(bus);
        return bus;
    }

    private LocalBus open() {
        return open(LogSettings.defaults());
    }

    private static Subscriber sub(Object identity, String group, MessageHandler h, int maxDeliveries, long backoff,
                                  String... topics) {
        return new Subscriber(identity, group, List.of(topics), h, maxDeliveries, backoff, Math.max(backoff, 1000),
                "test.bundle", "1.0.0");
    }

    private static Published publish(LocalBus bus, OutgoingMessage m) throws Exception {
        return bus.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }

    private static String code(LocalBus bus, OutgoingMessage m) throws Exception {
        try {
            bus.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
            return "accepted";
        } catch (ExecutionException e) {
            return ((BusException) e.getCause()).code();
        }
    }

    @Test
    public void publishedMessagesReachTheGroupInOrderPerKey() throws Exception {
        LocalBus bus = open();
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        bus.subscribe(sub("h", "stats", d -> {
            ids.add(d.message().id());
            seen.computeIfAbsent(d.message().key(), k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Integer.parseInt(d.message().payload()));
        }, 5, 10, "game.finished"));
        List<java.util.concurrent.CompletableFuture<Published>> acks = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            acks.add(bus.publish(OutgoingMessage.of("game.finished", "room-" + (i % 17), Integer.toString(i)))
                    .toCompletableFuture());
        }
        Set<String> published = new HashSet<>();
        for (var a : acks) {
            published.add(a.get(10, TimeUnit.SECONDS).id());
        }
        assertEquals("ids are unique", 2000, published.size());
        await("every message handled", () -> ids.size() == 2000);
        assertEquals(published, ids);
        for (Map.Entry<String, List<Integer>> e : seen.entrySet()) {
            List<Integer> order = new ArrayList<>(e.getValue());
            List<Integer> sorted = new ArrayList<>(order);
            Collections.sort(sorted);
            assertEquals("order of key " + e.getKey(), sorted, order);
        }
        await("lag 0", () -> bus.status().groups().get(0).lag() == 0);
    }

    @Test
    public void badMessagesAreRefusedWithStableCodesAndStoreNothing() throws Exception {
        LocalBus bus = open();
        assertEquals("invalid_topic", code(bus, OutgoingMessage.of("Game Finished", null, "{}")));
        assertEquals("invalid_topic", code(bus, OutgoingMessage.of("", null, "{}")));
        assertEquals("invalid_topic", code(bus, OutgoingMessage.of(null, null, "{}")));
        assertEquals("invalid_payload", code(bus, OutgoingMessage.of("t", null, "{not json")));
        assertEquals("invalid_payload", code(bus, OutgoingMessage.of("t", null, "{} {}")));
        assertEquals("invalid_payload", code(bus, OutgoingMessage.of("t", null, "")));
        assertEquals("invalid_payload", code(bus, OutgoingMessage.of("t", null, null)));
        assertEquals("invalid_payload", code(bus, OutgoingMessage.of("t", null, "[".repeat(100) + "]".repeat(100))));
        assertEquals("payload_too_large", code(bus, OutgoingMessage.of("t", null,
                "\"" + "x".repeat(dev.ludus.api.bus.MessageBus.MAX_PAYLOAD_CHARS) + "\"")));
        assertEquals("invalid_key", code(bus, OutgoingMessage.of("t", "", "1")));
        assertEquals("invalid_key", code(bus, OutgoingMessage.of("t", "k".repeat(257), "1")));
        assertEquals("invalid_header", code(bus, OutgoingMessage.of("t", null, "1").withHeaders(Map.of("Bad Name", "v"))));
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 33; i++) {
            many.put("h" + i, "v");
        }
        assertEquals("invalid_header", code(bus, OutgoingMessage.of("t", null, "1").withHeaders(many)));
        assertEquals(0, bus.version("t:t"));
        assertEquals("accepted", code(bus, OutgoingMessage.of("t", null, "{\"ok\": [1, 2.5, null, \"\\u00e9\"]}")));
        assertEquals(1, bus.version("t:t"));
    }

    @Test
    public void headersKeysAndIdsArriveAsPublished() throws Exception {
        LocalBus bus = open();
        List<Delivery> got = new CopyOnWriteArrayList<>();
        bus.subscribe(sub("h", "g", got::add, 5, 10, "t"));
        Published p = publish(bus, OutgoingMessage.of("t", "k1", "{\"a\":1}").withId("game-42")
                .withHeaders(Map.of("source", "rooms", "kind", "finished")));
        assertEquals("game-42", p.id());
        await("delivered", () -> got.size() == 1);
        Delivery d = got.get(0);
        assertEquals("game-42", d.message().id());
        assertEquals("k1", d.message().key());
        assertEquals("{\"a\":1}", d.message().payload());
        assertEquals(Map.of("source", "rooms", "kind", "finished"), d.message().headers());
        assertEquals(1, d.message().sequence());
        assertEquals("g", d.group());
        assertEquals(1, d.attempt());
        assertFalse(d.replay());
    }

    @Test
    public void aFailingMessageIsRetriedWithBackoffThenAcknowledged() throws Exception {
        LocalBus bus = open();
        List<Long> times = new CopyOnWriteArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        bus.subscribe(sub("h", "g", d -> {
            times.add(System.nanoTime());
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
        }, 5, 100, "t"));
        publish(bus, OutgoingMessage.of("t", null, "1"));
        await("third attempt", () -> attempts.get() == 3);
        await("acknowledged", () -> bus.status().groups().get(0).lag() == 0);
        long first = TimeUnit.NANOSECONDS.toMillis(times.get(1) - times.get(0));
        long second = TimeUnit.NANOSECONDS.toMillis(times.get(2) - times.get(1));
        assertTrue("first backoff ~100 ms: " + first, first >= 95);
        assertTrue("second backoff ~200 ms: " + second, second >= 195);
        assertEquals(0, bus.deadLetters("g", 10).size());
    }

    @Test
    public void theLastFailureMakesADeadLetterThatAFixedHandlerReplays() throws Exception {
        LocalBus bus = open();
        AtomicInteger calls = new AtomicInteger();
        Set<String> applied = ConcurrentHashMap.newKeySet();
        Object broken = new Object();
        bus.subscribe(new Subscriber(broken, "stats", List.of("game.finished"), d -> {
            calls.incrementAndGet();
            if (d.message().payload().contains("bad")) {
                throw new IllegalArgumentException("cannot read " + d.message().payload());
            }
            applied.add(d.message().id());
        }, 3, 10, 10, "dev.ludus.stats", "1.0.0"));
        publish(bus, OutgoingMessage.of("game.finished", "r1", "{\"n\":1}").withId("m1"));
        publish(bus, OutgoingMessage.of("game.finished", "r2", "{\"bad\":true}").withId("m2"));
        publish(bus, OutgoingMessage.of("game.finished", "r3", "{\"n\":3}").withId("m3"));
        await("dead letter", () -> bus.deadLetters("stats", 10).size() == 1);
        await("others applied", () -> applied.size() == 2);
        DeadLetter d = bus.deadLetters("stats", 10).get(0);
        assertEquals("m2", d.message().id());
        assertEquals("stats", d.group());
        assertEquals("dev.ludus.stats", d.handlerBundle());
        assertEquals("1.0.0", d.handlerVersion());
        assertEquals(3, d.attempts());
        assertTrue(d.error(), d.error().startsWith("java.lang.IllegalArgumentException: cannot read"));
        assertEquals("game.finished", d.message().topic());
        await("lag 0 after the dead letter", () -> bus.status().groups().get(0).lag() == 0);
        assertEquals(1, bus.status().groups().get(0).deadLetters());

        // The fixed version replaces the broken one; the operator replays.
        bus.unsubscribe(broken);
        List<Delivery> fixed = new CopyOnWriteArrayList<>();
        bus.subscribe(new Subscriber("fixed", "stats", List.of("game.finished"), d2 -> {
            fixed.add(d2);
            applied.add(d2.message().id());
        }, 3, 10, 10, "dev.ludus.stats", "1.0.1"));
        int replayed = bus.replay("stats", List.of(), "operator").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(1, replayed);
        await("replayed to the fix", () -> applied.contains("m2"));
        assertEquals(1, fixed.size());
        assertTrue(fixed.get(0).replay());
        assertEquals(1, fixed.get(0).attempt());
        assertEquals(0, bus.deadLetters("stats", 10).size());

        // Resolved dead letters stay resolved after a restart.
        bus.close();
        LocalBus again = open();
        assertEquals(0, again.deadLetters("stats", 10).size());
    }

    @Test
    public void aPoisonMessageIsDeadAtOnceAndCanBeDiscarded() throws Exception {
        LocalBus bus = open();
        AtomicInteger calls = new AtomicInteger();
        bus.subscribe(sub("h", "g", d -> {
            calls.incrementAndGet();
            throw new PoisonMessageException("unreadable", null);
        }, 5, 10, "t"));
        publish(bus, OutgoingMessage.of("t", null, "1"));
        await("dead letter", () -> bus.deadLetters("g", 10).size() == 1);
        assertEquals(1, calls.get());
        DeadLetter d = bus.deadLetters("g", 10).get(0);
        try {
            bus.discard("g", List.of("999"), "op").toCompletableFuture().get(10, TimeUnit.SECONDS);
            fail("discarded an unknown dead letter");
        } catch (ExecutionException e) {
            assertEquals("unknown_dead_letter", ((BusException) e.getCause()).code());
        }
        assertEquals(1, bus.deadLetters("g", 10).size());
        assertEquals(1, (int) bus.discard("g", List.of(d.id()), "op").toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(0, bus.deadLetters("g", 10).size());
        Thread.sleep(100);
        assertEquals("a discarded letter is not delivered", 1, calls.get());
    }

    @Test
    public void aRestartResumesEachGroupWhereItAcknowledged() throws Exception {
        LocalBus bus = open();
        Set<String> first = ConcurrentHashMap.newKeySet();
        bus.subscribe(sub("h", "g", d -> first.add(d.message().id()), 5, 10, "t"));
        for (int i = 0; i < 100; i++) {
            publish(bus, OutgoingMessage.of("t", null, Integer.toString(i)).withId("a" + i));
        }
        await("first hundred", () -> first.size() == 100);
        await("acknowledged", () -> bus.status().groups().get(0).lag() == 0);
        bus.close();

        LocalBus again = open();
        for (int i = 0; i < 50; i++) {
            publish(again, OutgoingMessage.of("t", null, Integer.toString(i)).withId("b" + i));
        }
        Set<String> second = ConcurrentHashMap.newKeySet();
        assertEquals(50, again.status().groups().get(0).lag());
        again.subscribe(sub("h2", "g", d -> second.add(d.message().id()), 5, 10, "t"));
        await("the fifty new ones", () -> second.size() == 50);
        Thread.sleep(100);
        assertTrue("nothing acknowledged before the restart comes again: " + second,
                second.stream().allMatch(id -> id.startsWith("b")));
    }

    @Test
    public void aSecondHandlerOfAGroupWaitsAndTakesOver() throws Exception {
        LocalBus bus = open();
        Set<String> one = ConcurrentHashMap.newKeySet();
        Set<String> two = ConcurrentHashMap.newKeySet();
        bus.subscribe(sub("one", "g", d -> one.add(d.message().id()), 5, 10, "t"));
        bus.subscribe(sub("two", "g", d -> two.add(d.message().id()), 5, 10, "t"));
        publish(bus, OutgoingMessage.of("t", null, "1").withId("x1"));
        await("first", () -> one.contains("x1"));
        bus.unsubscribe("one");
        publish(bus, OutgoingMessage.of("t", null, "2").withId("x2"));
        await("second takes over", () -> two.contains("x2"));
        assertFalse(two.contains("x1"));
        assertEquals(Set.of("x1"), one);
    }

    @Test
    public void groupsAreIndependent() throws Exception {
        LocalBus bus = open();
        Set<String> a = ConcurrentHashMap.newKeySet();
        Set<String> b = ConcurrentHashMap.newKeySet();
        bus.subscribe(sub("a", "stats", d -> a.add(d.message().id()), 5, 10, "game.finished"));
        bus.subscribe(sub("b", "webhooks", d -> b.add(d.message().id()), 5, 10, "game.finished", "player.connected"));
        publish(bus, OutgoingMessage.of("game.finished", null, "1").withId("f"));
        publish(bus, OutgoingMessage.of("player.connected", null, "2").withId("c"));
        await("both", () -> a.contains("f") && b.containsAll(Set.of("f", "c")));
        Thread.sleep(100);
        assertEquals(Set.of("f"), a);
    }

    @Test
    public void consumedSegmentsAreDeletedButNotWhatAGroupStillNeeds() throws Exception {
        LocalBus bus = open(LogSettings.defaults().withSegmentBytes(4096));
        Set<String> got = ConcurrentHashMap.newKeySet();
        bus.subscribe(sub("h", "fast", d -> got.add(d.message().id()), 5, 10, "t"));
        for (int i = 0; i < 500; i++) {
            publish(bus, OutgoingMessage.of("t", null, "{\"i\":" + i + ",\"pad\":\"" + "p".repeat(40) + "\"}"));
        }
        await("all consumed", () -> got.size() == 500);
        await("segments deleted", () -> segments() <= 2);

        // A group that has stopped reading holds what it has not read.
        bus.subscribe(sub("slow-h", "slow", d -> {
            throw new IllegalStateException("down");
        }, 1000, 1000, "t"));
        bus.unsubscribe("slow-h");
        int before = segments();
        for (int i = 0; i < 500; i++) {
            publish(bus, OutgoingMessage.of("t", null, "{\"i\":" + i + ",\"pad\":\"" + "p".repeat(40) + "\"}"));
        }
        await("fast group done", () -> got.size() == 1000);
        Thread.sleep(600); // three retention passes
        assertTrue("the slow group's messages are kept: " + segments() + " segments, " + before + " before",
                segments() > before + 3);
        BusStatus.Group slow = bus.status().groups().stream().filter(g -> g.group().equals("slow")).findFirst().orElseThrow();
        assertTrue("slow lags: " + slow.lag(), slow.lag() >= 500);
    }

    private int segments() {
        try (Stream<Path> files = Files.list(dir)) {
            return (int) files.filter(p -> p.getFileName().toString().startsWith("segment-")).count();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    public void aClosedBusRefusesPublishesWithACode() throws Exception {
        LocalBus bus = open();
        bus.close();
        assertEquals("bus_closed", code(bus, OutgoingMessage.of("t", null, "1")));
        assertFalse(bus.status().reachable());
    }

    /**
     * The bus is closed and opened again (as when its bundle is updated) while publishers publish
     * and a group consumes: every acknowledged publish is consumed, and an idempotent consumer
     * applies each exactly once.
     */
    @Test
    public void aRestartUnderTrafficLosesNoAcknowledgedMessage() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> applied = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        AtomicInteger refusedWhileDown = new AtomicInteger();
        MessageHandler idempotent = d -> {
            deliveries.incrementAndGet();
            applied.add(d.message().id());
        };
        java.util.concurrent.atomic.AtomicReference<LocalBus> current = new java.util.concurrent.atomic.AtomicReference<>(open());
        current.get().subscribe(sub("h", "g", idempotent, 5, 10, "t"));
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> publishers = new ArrayList<>();
        AtomicInteger counter = new AtomicInteger();
        for (int p = 0; p < 4; p++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    String id = "m" + counter.incrementAndGet();
                    try {
                        current.get().publish(OutgoingMessage.of("t", "k" + (id.hashCode() % 13), "1").withId(id))
                                .toCompletableFuture().get(10, TimeUnit.SECONDS);
                        acknowledged.add(id);
                    } catch (ExecutionException e) {
                        refusedWhileDown.incrementAndGet(); // not acknowledged: the publisher knows
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.start();
            publishers.add(t);
        }
        for (int swap = 0; swap < 3; swap++) {
            Thread.sleep(300);
            LocalBus old = current.get();
            old.close();
            LocalBus next = LocalBus.open(dir, LogSettings.defaults(), FAST, Clock.systemUTC(), new BusMetrics("local"));
            opened.add(next);
            next.subscribe(sub("h", "g", idempotent, 5, 10, "t"));
            current.set(next);
        }
        Thread.sleep(300);
        stop.set(true);
        for (Thread t : publishers) {
            t.join();
        }
        assertTrue("traffic flowed: " + acknowledged.size(), acknowledged.size() > 100);
        await("every acknowledged message applied", () -> applied.containsAll(acknowledged));
        assertTrue("at least once: " + deliveries.get() + " deliveries for " + applied.size(),
                deliveries.get() >= applied.size());
        assertNotEquals(0, acknowledged.size());
    }
}
