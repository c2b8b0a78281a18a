package dev.ludus.bus.nats;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

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
import dev.ludus.testing.services.Nats;
import dev.ludus.testing.services.ServiceEndpoint;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Options;

/**
 * The NATS bus against a real NATS server with JetStream (the local one, or a {@code nats-server}
 * from the PATH started for the tests). Each test has streams of its own, deleted afterwards.
 */
public class NatsBusTest {

    private static final int TESTS = 12;
    private ServiceEndpoint server;
    private String name;
    private final List<NatsBus> open = new ArrayList<>();

    @Before
    public void setUp() {
        server = Nats.server(NatsBusTest.class, TESTS);
        name = "t" + Long.toHexString(System.nanoTime());
    }

    @After
    public void tearDown() throws Exception {
        for (NatsBus b : open) {
            b.close();
        }
        try (Connection c = io.nats.client.Nats.connect(server.uri("nats"))) {
            Names n = new Names(name);
            for (String s : List.of(n.stream(), n.deadStream())) {
                try {
                    c.jetStreamManagement().deleteStream(s);
                } catch (JetStreamApiException gone) {
                    // never made
                }
            }
        }
    }

    private NatsBus bus() throws Exception {
        return bus(server.uri("nats"));
    }

    private NatsBus bus(String url) throws Exception {
        Options options = new Options.Builder().server(url).connectionTimeout(Duration.ofMillis(500)).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(200)).requestCleanupInterval(Duration.ofSeconds(1)).errorListener(new io.nats.client.ErrorListener() { }).build();
        NatsBus b = NatsBus.open(() -> {
            try {
                return io.nats.client.Nats.connect(options);
            } catch (InterruptedException e) {
                throw new java.io.IOException(e);
            }
        }, url, new NatsBus.Settings(new Names(name), Duration.ofHours(1),
                Duration.ofMinutes(2), 4, 1000, Duration.ofSeconds(5), 10_000, Duration.ofSeconds(2)),
                new BusMetrics("nats"));
        open.add(b);
        return b;
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> detail)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + ": " + detail.get());
            }
            Thread.sleep(20);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Subscriber subscriber(String group, MessageHandler h, int maxDeliveries, long backoff,
                                         String... topics) {
        return new Subscriber(new Object(), group, List.of(topics), h, maxDeliveries, backoff, Math.max(backoff, 1000),
                "test.handler", "1.2.3");
    }

    private static Published publish(NatsBus b, OutgoingMessage m) throws Exception {
        return b.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static BusException failure(NatsBus b, OutgoingMessage m) throws Exception {
        try {
            b.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (BusException) e.getCause();
        }
        throw new AssertionError("the publish of " + m + " was accepted");
    }

    /** The component's part every broker bus shares, around a bus made here. */
    private static final class Component extends dev.ludus.bus.support.BusComponent<NatsBus> {
        Component(NatsBus b, dev.ludus.api.resilience.Resilience r) {
            super("nats", "NATS bus");
            running(b, 10_000);
            resilienceBound(r);
        }
    }

    @Test
    public void publishesGoThroughTheBusPolicyWhoseBreakerOpensWhileNatsIsAwayAndClosesAfter() throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("attempts", 1, "windowCalls", 5, "minimumCalls", 5, "failureRatePercent", 50,
                "openMillis", 1500, "halfOpenCalls", 1));
        int port = Integer.parseInt(server.uri("nats").replaceAll(".*:(\\d+)/?$", "$1"));
        try (dev.ludus.testing.fixtures.TcpRelay relay = new dev.ludus.testing.fixtures.TcpRelay(port)) {
            NatsBus b = bus("nats://127.0.0.1:" + relay.port());
            await("the streams", b::ready);
            Component c = new Component(b, resilience);
            assertEquals("bus.nats", c.policyName());
            Published first = c.publish(new OutgoingMessage("games.finished", null, "{}", Map.of(), "m-1"))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("m-1", first.id());
            BusException bad = failureOf(c, new OutgoingMessage("no spaces allowed", null, "{}", Map.of(), "m-bad"));
            assertEquals("the caller's own refusal", "invalid_topic", bad.code());

            relay.cut();
            await("NATS away", () -> !b.ready());
            for (int i = 0; i < 4; i++) {
                assertEquals("bus_unavailable", failureOf(c, new OutgoingMessage("games.finished", null, "{}", Map.of(), "m-x" + i)).code());
            }
            dev.ludus.api.resilience.PolicyStatus st = resilience.policy("bus.nats").status();
            assertEquals("the invalid topic did not count", 4, st.failures());
            assertEquals(dev.ludus.api.resilience.PolicyStatus.State.OPEN, st.state());
            BusException refused = failureOf(c, new OutgoingMessage("games.finished", null, "{}", Map.of(), "m-2"));
            assertEquals("bus_unavailable", refused.code());
            assertTrue(refused.getMessage(), refused.getMessage().contains("breaker of 'bus.nats' is open")
                    && refused.getMessage().contains("nothing was published"));

            relay.restore();
            await("NATS back", b::ready);
            dev.ludus.api.health.HealthResult h = c.check();
            if (resilience.policy("bus.nats").status().state() == dev.ludus.api.resilience.PolicyStatus.State.OPEN) {
                assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, h.status());
                assertTrue(h.reason(), h.reason().contains("breaker of 'bus.nats' is open"));
            }
            Thread.sleep(1600);
            assertEquals("the trial publish goes through and closes the breaker", "m-3",
                    c.publish(new OutgoingMessage("games.finished", null, "{}", Map.of(), "m-3"))
                            .toCompletableFuture().get(10, TimeUnit.SECONDS).id());
            assertEquals(dev.ludus.api.resilience.PolicyStatus.State.CLOSED, resilience.policy("bus.nats").status().state());
            assertEquals(dev.ludus.api.health.HealthStatus.UP, c.check().status());
        } finally {
            resilience.deactivate();
        }
    }

    private static BusException failureOf(dev.ludus.bus.support.BusComponent<?> c, OutgoingMessage m) throws Exception {
        try {
            c.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (BusException) e.getCause();
        }
        throw new AssertionError("the publish of " + m + " was accepted");
    }

    @Test
    public void publishedMessagesReachTheGroupWithIdKeyHeadersAndPayload() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        List<Delivery> got = new CopyOnWriteArrayList<>();
        b.subscribe(subscriber("stats", got::add, 5, 50, "game.finished"));
        Published p = publish(b, new OutgoingMessage("game.finished", "liaptui", "{\"room\":\"r1\"}",
                Map.of("trace", "abc"), "game.finished:r1"));
        assertEquals("game.finished:r1", p.id());
        assertTrue(p.sequence() > 0);
        await("the delivery", () -> got.size() == 1);
        Delivery d = got.get(0);
        assertEquals("game.finished:r1", d.message().id());
        assertEquals("game.finished", d.message().topic());
        assertEquals("liaptui", d.message().key());
        assertEquals("{\"room\":\"r1\"}", d.message().payload());
        assertEquals(Map.of("trace", "abc"), d.message().headers());
        assertEquals(1, d.attempt());
        assertFalse(d.replay());
        // The server may count the acknowledgement before the bus counts it in its metrics.
        await("acknowledged", () -> b.metrics.acked.getCount() == 1);
        await("lag 0", () -> b.status().groups().stream().anyMatch(g -> g.group().equals("stats") && g.lag() == 0));
    }

    @Test
    public void theSameIdPublishedTwiceIsStoredAndDeliveredOnce() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        Published first = publish(b, OutgoingMessage.of("game.finished", "k", "1").withId("same"));
        Published again = publish(b, OutgoingMessage.of("game.finished", "k", "1").withId("same"));
        assertEquals(first.sequence(), again.sequence());
        AtomicInteger count = new AtomicInteger();
        b.subscribe(subscriber("once", d -> count.incrementAndGet(), 5, 50, "game.finished"));
        publish(b, OutgoingMessage.of("game.finished", "k", "2").withId("other"));
        await("both", () -> count.get() == 2);
        Thread.sleep(300);
        assertEquals(2, count.get());
    }

    @Test
    public void badMessagesAreRefusedWithTheirCodeAndNothingIsStored() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        assertEquals("invalid_topic", failure(b, OutgoingMessage.of("Bad Topic", null, "1")).code());
        assertEquals("invalid_topic", failure(b, OutgoingMessage.of("a..b>", null, "1")).code());
        assertEquals("invalid_payload", failure(b, OutgoingMessage.of("t", null, "{not json")).code());
        assertEquals("invalid_key", failure(b, OutgoingMessage.of("t", "", "1")).code());
        assertEquals("invalid_header", failure(b, new OutgoingMessage("t", null, "1", Map.of("Bad Name", "v"), null)).code());
        assertEquals(0, b.management().getStreamInfo(new Names(name).stream()).getStreamState().getMsgCount());
        assertEquals(5, b.metrics.refused.getCount());
    }

    @Test
    public void aFailedMessageComesBackLaterAndItsKeyStaysInOrderAlsoWhenHandledOnTheDeliveringThread() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        List<String> handled = new CopyOnWriteArrayList<>();
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<String> failedOn = new CopyOnWriteArrayList<>();
        AtomicInteger warm = new AtomicInteger();
        b.subscribe(subscriber("ordered", d -> {
            if (d.message().key().equals("warm")) {
                warm.incrementAndGet();
                return;
            }
            if (d.message().payload().equals("1") && failedOnce.add(d.message().id())) {
                attempts.add(d.attempt());
                failedOn.add(Thread.currentThread().getName());
                throw new IllegalStateException("not yet");
            }
            if (d.message().payload().equals("1")) {
                attempts.add(d.attempt());
            }
            handled.add(d.message().key() + ":" + d.message().payload());
        }, 5, 100, "moves"));
        // Quick handling first: the group then runs on the client's delivering thread, not in its lanes.
        for (int i = 0; i < 60; i++) {
            publish(b, OutgoingMessage.of("moves", "warm", Integer.toString(i)));
        }
        await("the quick ones", () -> warm.get() == 60);
        for (int i = 1; i <= 5; i++) {
            publish(b, OutgoingMessage.of("moves", "room-a", Integer.toString(i)));
        }
        await("all five", () -> handled.size() == 5);
        assertEquals(List.of("room-a:1", "room-a:2", "room-a:3", "room-a:4", "room-a:5"), handled);
        assertEquals(List.of(1, 2), attempts);
        assertFalse("failed on the delivering thread, not in a lane: " + failedOn,
                failedOn.get(0).startsWith("ludus-bus-nats-ordered-"));
    }

    /**
     * A message given back four times without its handler failing (as by nodes that stopped or
     * lost their connection while it was in hand) comes with the server's delivery count, and its
     * first failure here waits the group's first backoff, not the one of its fifth failure; nor is
     * it dead-lettered, though its deliveries are past the group's three.
     */
    @Test
    public void theBackoffAndTheDeadLetterCountTheHandlersFailuresHereNotTheDeliveries() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        Names n = new Names(name);
        String consumer = n.consumer("patient", "moves");
        try (Connection c = io.nats.client.Nats.connect(server.uri("nats"))) {
            // The group's own durable consumer, as the bus makes it; a node that gives the message back.
            c.jetStreamManagement().addOrUpdateConsumer(n.stream(), io.nats.client.api.ConsumerConfiguration.builder()
                    .durable(consumer).filterSubject(n.topicSubject("moves")).ackPolicy(io.nats.client.api.AckPolicy.Explicit)
                    .deliverPolicy(io.nats.client.api.DeliverPolicy.All).ackWait(Duration.ofSeconds(5))
                    .maxDeliver(3 + Subscriber.GIVE_BACKS + 1)
                    .maxAckPending(1000).build());
            publish(b, OutgoingMessage.of("moves", "room-a", "{\"given\":\"back\"}"));
            io.nats.client.ConsumerContext cc = c.getConsumerContext(n.stream(), consumer);
            for (int i = 1; i <= 4; i++) {
                io.nats.client.Message m = cc.next(Duration.ofSeconds(5));
                assertTrue("delivery " + i, m != null && m.metaData().deliveredCount() == i);
                m.nak();
            }
        }
        List<Long> calls = new CopyOnWriteArrayList<>();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        b.subscribe(new Subscriber(new Object(), "patient", List.of("moves"), d -> {
            calls.add(System.nanoTime());
            attempts.add(d.attempt());
            if (calls.size() == 1) {
                throw new IllegalStateException("not yet");
            }
        }, 3, 400, 20_000, "test.handler", "1.2.3"));
        await("the retry", () -> calls.size() == 2);
        assertEquals("the server's deliveries count as attempts", List.of(5, 6), attempts);
        assertEquals("not dead-lettered", List.of(), b.deadLetters("patient", 10));
        long waitedMillis = (calls.get(1) - calls.get(0)) / 1_000_000;
        // the first backoff is 400 ms; counted by deliveries it would be 400 * 2^4 = 6,400 ms
        assertTrue("waited " + waitedMillis + " ms", waitedMillis >= 350 && waitedMillis < 3_000);
    }

    /**
     * A slow handler that fails now and then (a webhook whose receiver answers 503 once in a while),
     * every message under one key, published faster than it is handled, the connection dropped
     * under way: every message is handled, in order; the lane's backlog is kept alive at the server
     * (not delivered again behind the lane's back). Then the bus is replaced under way (a bundle
     * update): every message is still handled, at least once.
     */
    @Test
    public void aSlowHandlerFailingNowAndThenGetsEveryMessageOfOneKeyInOrderAcrossAReconnect() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        AtomicInteger calls = new AtomicInteger();
        List<String> handled = new CopyOnWriteArrayList<>();
        MessageHandler hook = d -> {
            Thread.sleep(1);
            if (calls.incrementAndGet() % 7 == 0) {
                throw new IllegalStateException("503");
            }
            handled.add(d.message().payload());
        };
        b.subscribe(subscriber("hook", hook, 8, 50, "game.finished"));
        int n = 200;
        for (int i = 0; i < n; i++) {
            if (i == n / 2) {
                b.connection().forceReconnect();
            }
            publish(b, OutgoingMessage.of("game.finished", "liaptui", Integer.toString(i)));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(Integer.toString(i));
        }
        await("all " + n + " handled", () -> new java.util.HashSet<>(handled).size() >= n,
                () -> handled.size() + " so far, " + b.status());
        assertEquals("each once, in order", expected, handled);

        NatsBus next = b;
        for (int i = n; i < 2 * n; i++) {
            if (i == n + 20) {
                next.close(); // the bus bundle updated under way: a new bus takes the group over
                next = bus();
                await("the streams", next::ready);
                next.subscribe(subscriber("hook", hook, 8, 50, "game.finished"));
            }
            publish(next, OutgoingMessage.of("game.finished", "liaptui", Integer.toString(i)));
            expected.add(Integer.toString(i));
        }
        NatsBus last = next;
        await("all " + 2 * n + " handled", () -> new java.util.HashSet<>(handled).containsAll(expected),
                () -> new java.util.HashSet<>(handled).size() + " so far, " + last.status());
    }

    @Test
    public void aMessageFailingEveryTimeBecomesADeadLetterThatAFixedHandlerReplays() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Subscriber broken = subscriber("picky", d -> {
            if (d.message().payload().contains("bad")) {
                attempts.add(d.attempt());
                throw new IllegalArgumentException("cannot read " + d.message().payload());
            }
        }, 3, 50, "game.finished");
        b.subscribe(broken);
        publish(b, OutgoingMessage.of("game.finished", "k", "{\"bad\":true}").withId("poisoned"));
        publish(b, OutgoingMessage.of("game.finished", "k", "{\"good\":true}").withId("fine"));
        await("the dead letter", () -> b.deadLetters("picky", 10).size() == 1);
        assertEquals(List.of(1, 2, 3), attempts);
        DeadLetter dl = b.deadLetters("picky", 10).get(0);
        assertEquals("poisoned", dl.message().id());
        assertEquals("{\"bad\":true}", dl.message().payload());
        assertEquals("test.handler", dl.handlerBundle());
        assertEquals("1.2.3", dl.handlerVersion());
        assertEquals(3, dl.attempts());
        assertTrue(dl.error(), dl.error().contains("IllegalArgumentException: cannot read"));
        await("dead letters counted", () -> b.status().groups().stream()
                .anyMatch(g -> g.group().equals("picky") && g.deadLetters() == 1));

        // unknown ids are refused and change nothing
        try {
            b.replay("picky", List.of("999999"), "test").toCompletableFuture().get(10, TimeUnit.SECONDS);
            fail("an unknown dead letter was replayed");
        } catch (ExecutionException e) {
            assertEquals("unknown_dead_letter", ((BusException) e.getCause()).code());
        }
        assertEquals(1, b.deadLetters("picky", 10).size());

        // the fixed handler takes over and gets the replay
        List<Delivery> fixed = new CopyOnWriteArrayList<>();
        Subscriber repaired = subscriber("picky", fixed::add, 3, 50, "game.finished");
        b.subscribe(repaired);
        b.unsubscribe(broken.identity());
        assertEquals(1, (int) b.replay("picky", List.of(), "operator").toCompletableFuture().get(10, TimeUnit.SECONDS));
        await("the replay", () -> fixed.stream().anyMatch(d -> d.message().id().equals("poisoned")));
        Delivery d = fixed.stream().filter(x -> x.message().id().equals("poisoned")).findFirst().orElseThrow();
        assertTrue(d.replay());
        assertEquals(1, d.attempt());
        assertTrue(b.deadLetters("picky", 10).isEmpty());
    }

    @Test
    public void aPoisonMessageIsDeadAtOnceAndDiscardRemovesIt() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        AtomicInteger calls = new AtomicInteger();
        b.subscribe(subscriber("strict", d -> {
            calls.incrementAndGet();
            throw new PoisonMessageException("never valid", null);
        }, 5, 50, "t"));
        publish(b, OutgoingMessage.of("t", null, "1"));
        await("the dead letter", () -> b.deadLetters("strict", 10).size() == 1);
        assertEquals(1, calls.get());
        assertEquals(1, b.deadLetters("strict", 10).get(0).attempts());
        String id = b.deadLetters("strict", 10).get(0).id();
        try {
            b.discard("strict", List.of("nope"), "test").toCompletableFuture().get(10, TimeUnit.SECONDS);
            fail("an unknown dead letter was discarded");
        } catch (ExecutionException e) {
            assertEquals("unknown_dead_letter", ((BusException) e.getCause()).code());
        }
        assertEquals(1, (int) b.discard("strict", List.of(id), "test").toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(b.deadLetters("strict", 10).isEmpty());
    }

    @Test
    public void aGroupResumesWhereItAcknowledgedOnANewConnection() throws Exception {
        NatsBus first = bus();
        await("the streams", first::ready);
        for (int i = 0; i < 200; i++) {
            publish(first, OutgoingMessage.of("events", "k" + (i % 7), Integer.toString(i)).withId("m" + i));
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        first.subscribe(subscriber("resume", d -> {
            deliveries.incrementAndGet();
            seen.add(d.message().id());
        }, 5, 50, "events"));
        await("some", () -> seen.size() >= 50);
        first.close();
        NatsBus second = bus();
        second.subscribe(subscriber("resume", d -> {
            deliveries.incrementAndGet();
            seen.add(d.message().id());
        }, 5, 50, "events"));
        await("all 200", () -> seen.size() == 200);
        await("lag 0", () -> second.status().groups().stream().anyMatch(g -> g.lag() == 0));
        // at-least-once: a message in hand at the close may come twice, never more than the few in flight
        assertTrue("deliveries " + deliveries.get(), deliveries.get() < 200 + 4 * 2);
    }

    @Test
    public void withoutNatsAPublishFailsAtOnceAsUnavailable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        NatsBus b = bus("nats://127.0.0.1:" + port);
        long start = System.nanoTime();
        BusException e = failure(b, OutgoingMessage.of("t", null, "1"));
        assertEquals("bus_unavailable", e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("not reachable"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        BusStatus s = b.status();
        assertFalse(s.reachable());
    }

    @Test
    public void theServersMaxDeliveriesAdvisoryFeedsTheDeadLetters() throws Exception {
        NatsBus b = bus();
        await("the streams", b::ready);
        Published p = publish(b, OutgoingMessage.of("t", null, "{\"x\":1}").withId("lost-handler"));
        Names n = new Names(name);
        String consumer = n.consumer("ghost", "t");
        // What the server publishes when a consumer reaches max_deliver without an answer
        String advisory = "{\"type\":\"io.nats.jetstream.advisory.v1.max_deliver\",\"stream\":\"" + n.stream()
                + "\",\"consumer\":\"" + consumer + "\",\"stream_seq\":" + p.sequence() + ",\"deliveries\":6}";
        b.connection().publish("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + n.stream() + "." + consumer,
                advisory.getBytes(StandardCharsets.UTF_8));
        await("the dead letter", () -> b.deadLetters("ghost", 10).size() == 1);
        DeadLetter dl = b.deadLetters("ghost", 10).get(0);
        assertEquals("lost-handler", dl.message().id());
        assertEquals(6, dl.attempts());
        assertTrue(dl.error(), dl.error().contains("max_deliver"));
        assertNotEquals(Collections.emptyList(), b.deadLetters("ghost", 1));
    }
}
