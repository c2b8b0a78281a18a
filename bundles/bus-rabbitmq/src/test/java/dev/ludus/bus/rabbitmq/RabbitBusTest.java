package dev.ludus.bus.rabbitmq;

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
import dev.ludus.testing.services.Amqp;
import dev.ludus.testing.services.ServiceEndpoint;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * The RabbitMQ bus against a real broker (the local RabbitMQ, guest/guest; or an embedded Qpid
 * Broker-J when none answers, which takes the quorum-queue arguments as plain queues). Each test
 * has exchanges and queues of its own, deleted afterwards.
 */
public class RabbitBusTest {

    private static final int TESTS = 9;
    private static final List<String> GROUPS = List.of("stats", "once", "ordered", "picky", "strict", "resume", "patient");
    private ServiceEndpoint server;
    private String name;
    private final List<RabbitBus> open = new ArrayList<>();

    @Before
    public void setUp() {
        server = Amqp.server(RabbitBusTest.class, TESTS);
        name = "t" + Long.toHexString(System.nanoTime());
    }

    private ConnectionFactory factory(int port) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(server.host());
        f.setPort(port);
        f.setUsername("guest");
        f.setPassword("guest");
        f.setConnectionTimeout(500);
        return f;
    }

    @After
    public void tearDown() throws Exception {
        for (RabbitBus b : open) {
            b.close();
        }
        Topology t = new Topology(name);
        try (Connection c = factory(server.port()).newConnection()) {
            for (String g : GROUPS) {
                delete(c, ch -> ch.queueDelete(t.groupQueue(g)));
                delete(c, ch -> ch.queueDelete(t.deadQueue(g)));
            }
            delete(c, ch -> ch.exchangeDelete(t.exchange()));
            delete(c, ch -> ch.exchangeDelete(t.deadExchange()));
        }
    }

    private interface Deletion {
        void on(Channel ch) throws Exception;
    }

    /** On a channel of its own: a broker other than RabbitMQ closes the channel for a name it does not have. */
    private static void delete(Connection c, Deletion d) throws Exception {
        Channel ch = c.createChannel();
        try {
            d.on(ch);
        } catch (java.io.IOException | com.rabbitmq.client.AlreadyClosedException notThere) {
            return;
        }
        if (ch.isOpen()) {
            ch.close();
        }
    }

    private RabbitBus bus() {
        return bus(server.port());
    }

    private RabbitBus bus(int port) {
        RabbitBus b = RabbitBus.open(factory(port), "amqp://" + server.host() + ":" + port, new RabbitBus.Settings(
                new Topology(name), 4, 1000, Duration.ofSeconds(2), 10_000), new BusMetrics("rabbitmq"));
        open.add(b);
        return b;
    }

    /**
     * A group takes messages once its queue is bound and consumed: publishes before that are not
     * kept for it (RabbitMQ routes to the queues there are), so tests wait for its consumer.
     */
    private static void awaitGroup(RabbitBus b, String group) throws InterruptedException {
        await("group " + group + " set up", () -> b.status().groups().stream().anyMatch(g -> g.group().equals(group))
                && b.ready() && setUp(b, group));
    }

    private static boolean setUp(RabbitBus b, String group) {
        try (Channel ch = b.connection().createChannel()) {
            ch.queueDeclarePassive(b.settings.topology().deadQueue(group));
            return ch.queueDeclarePassive(b.settings.topology().groupQueue(group)).getConsumerCount() > 0;
        } catch (Exception e) {
            return false;
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

    private static Published publish(RabbitBus b, OutgoingMessage m) throws Exception {
        return b.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static BusException failure(RabbitBus b, OutgoingMessage m) throws Exception {
        try {
            b.publish(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (BusException) e.getCause();
        }
        throw new AssertionError("the publish of " + m + " was accepted");
    }

    @Test
    public void publishedMessagesReachTheGroupWithIdKeyHeadersAndPayload() throws Exception {
        RabbitBus b = bus();
        List<Delivery> got = new CopyOnWriteArrayList<>();
        b.subscribe(subscriber("stats", got::add, 5, 50, "game.finished"));
        awaitGroup(b, "stats");
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
        await("acknowledged", () -> b.metrics.acked.getCount() == 1);
        await("lag 0", () -> b.status().groups().stream().anyMatch(g -> g.group().equals("stats") && g.lag() == 0));
    }

    @Test
    public void aRepeatedIdReachesTheConsumerWithTheSameIdForItToDeduplicate() throws Exception {
        RabbitBus b = bus();
        List<String> ids = new CopyOnWriteArrayList<>();
        b.subscribe(subscriber("once", d -> ids.add(d.message().id()), 5, 50, "game.finished"));
        awaitGroup(b, "once");
        publish(b, OutgoingMessage.of("game.finished", "k", "1").withId("same"));
        publish(b, OutgoingMessage.of("game.finished", "k", "1").withId("same"));
        await("both", () -> ids.size() == 2);
        assertEquals(List.of("same", "same"), ids);
    }

    @Test
    public void badMessagesAreRefusedWithTheirCodeAndNothingIsStored() throws Exception {
        RabbitBus b = bus();
        b.subscribe(subscriber("stats", d -> { }, 5, 50, "t"));
        awaitGroup(b, "stats");
        assertEquals("invalid_topic", failure(b, OutgoingMessage.of("Bad Topic", null, "1")).code());
        assertEquals("invalid_topic", failure(b, OutgoingMessage.of("a..b#", null, "1")).code());
        assertEquals("invalid_payload", failure(b, OutgoingMessage.of("t", null, "{not json")).code());
        assertEquals("invalid_key", failure(b, OutgoingMessage.of("t", "", "1")).code());
        assertEquals("invalid_header", failure(b, new OutgoingMessage("t", null, "1", Map.of("Bad Name", "v"), null)).code());
        assertEquals(5, b.metrics.refused.getCount());
        assertEquals(0, b.metrics.delivered.getCount());
    }

    @Test
    public void aFailedMessageComesBackLaterAndItsKeyStaysInOrderAlsoWhenHandledOnTheDeliveringThread() throws Exception {
        RabbitBus b = bus();
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
        awaitGroup(b, "ordered");
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
                failedOn.get(0).startsWith("ludus-bus-rabbitmq-ordered-"));
    }

    @Test
    public void aMessageFailingEveryTimeBecomesADeadLetterThatAFixedHandlerReplays() throws Exception {
        RabbitBus b = bus();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Subscriber broken = subscriber("picky", d -> {
            if (d.message().payload().contains("bad")) {
                attempts.add(d.attempt());
                throw new IllegalArgumentException("cannot read " + d.message().payload());
            }
        }, 3, 50, "game.finished");
        b.subscribe(broken);
        awaitGroup(b, "picky");
        publish(b, OutgoingMessage.of("game.finished", "k", "{\"bad\":true}").withId("poisoned"));
        publish(b, OutgoingMessage.of("game.finished", "k", "{\"good\":true}").withId("fine"));
        await("the dead letter", () -> b.deadLetters("picky", 10).size() == 1);
        assertEquals(List.of(1, 2, 3), attempts);
        DeadLetter dl = b.deadLetters("picky", 10).get(0);
        assertEquals("poisoned", dl.message().id());
        assertEquals("game.finished", dl.message().topic());
        assertEquals("{\"bad\":true}", dl.message().payload());
        assertEquals("test.handler", dl.handlerBundle());
        assertEquals("1.2.3", dl.handlerVersion());
        assertEquals(3, dl.attempts());
        assertTrue(dl.error(), dl.error().contains("IllegalArgumentException: cannot read"));
        assertEquals("listing leaves them", dl.id(), b.deadLetters("picky", 10).get(0).id());
        await("dead letters counted", () -> b.status().groups().stream()
                .anyMatch(g -> g.group().equals("picky") && g.deadLetters() == 1));

        try {
            b.replay("picky", List.of("dead:picky:nope"), "test").toCompletableFuture().get(10, TimeUnit.SECONDS);
            fail("an unknown dead letter was replayed");
        } catch (ExecutionException e) {
            assertEquals("unknown_dead_letter", ((BusException) e.getCause()).code());
        }
        assertEquals(1, b.deadLetters("picky", 10).size());

        List<Delivery> fixed = new CopyOnWriteArrayList<>();
        Subscriber repaired = subscriber("picky", fixed::add, 3, 50, "game.finished");
        b.subscribe(repaired);
        b.unsubscribe(broken.identity());
        assertEquals(1, (int) b.replay("picky", List.of(dl.id()), "operator").toCompletableFuture().get(10, TimeUnit.SECONDS));
        await("the replay", () -> fixed.stream().anyMatch(d -> d.message().id().equals("poisoned")));
        Delivery d = fixed.stream().filter(x -> x.message().id().equals("poisoned")).findFirst().orElseThrow();
        assertTrue(d.replay());
        assertEquals(1, d.attempt());
        assertEquals("game.finished", d.message().topic());
        assertTrue(b.deadLetters("picky", 10).isEmpty());
    }

    @Test
    public void aPoisonMessageIsDeadAtOnceAndDiscardRemovesIt() throws Exception {
        RabbitBus b = bus();
        AtomicInteger calls = new AtomicInteger();
        b.subscribe(subscriber("strict", d -> {
            calls.incrementAndGet();
            throw new PoisonMessageException("never valid", null);
        }, 5, 50, "t"));
        awaitGroup(b, "strict");
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
        assertEquals(1, b.deadLetters("strict", 10).size());
        assertEquals(1, (int) b.discard("strict", List.of(id), "test").toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(b.deadLetters("strict", 10).isEmpty());
    }

    @Test
    public void aGroupResumesWhereItAcknowledgedOnANewConnection() throws Exception {
        RabbitBus first = bus();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        first.subscribe(subscriber("resume", d -> {
            deliveries.incrementAndGet();
            seen.add(d.message().id());
            Thread.sleep(2);
        }, 5, 50, "events"));
        awaitGroup(first, "resume");
        for (int i = 0; i < 200; i++) {
            publish(first, OutgoingMessage.of("events", "k" + (i % 7), Integer.toString(i)).withId("m" + i));
        }
        await("some", () -> seen.size() >= 50);
        first.close();
        RabbitBus second = bus();
        second.subscribe(subscriber("resume", d -> {
            deliveries.incrementAndGet();
            seen.add(d.message().id());
        }, 5, 50, "events"));
        await("all 200", () -> seen.size() == 200);
        // at-least-once: a message in hand at the close may come twice, never more than the few in flight
        assertTrue("deliveries " + deliveries.get(), deliveries.get() < 200 + 4 * 2);
    }

    /**
     * A message given back four times without its handler failing (as by nodes that stopped or
     * lost their connection while it was in hand) comes with the broker's delivery count, and its
     * first failure here waits the group's first backoff, not the one of its fifth failure; nor is
     * it dead-lettered, by the consumer or by the broker, though its deliveries are past the group's three.
     */
    @Test
    public void theBackoffAndTheDeadLetterCountTheHandlersFailuresHereNotTheDeliveries() throws Exception {
        RabbitBus first = bus();
        first.subscribe(subscriber("patient", d -> { }, 3, 400, "moves"));
        awaitGroup(first, "patient");
        boolean rabbitMq = String.valueOf(first.connection().getServerProperties().get("product")).contains("RabbitMQ");
        first.close(); // the group's queue stays, with no consumer
        RabbitBus b = bus();
        await("the exchange", b::ready);
        publish(b, OutgoingMessage.of("moves", "room-a", "{\"given\":\"back\"}"));
        String queue = new Topology(name).groupQueue("patient");
        // A node that takes the message and gives it back, four times (basic.get is not allowed on the
        // group's queue: a single active consumer), then goes.
        java.util.concurrent.CountDownLatch givenBack = new java.util.concurrent.CountDownLatch(4);
        try (Connection c = factory(server.port()).newConnection(); Channel ch = c.createChannel()) {
            ch.basicQos(1);
            ch.basicConsume(queue, false, "giving-back", new com.rabbitmq.client.DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, com.rabbitmq.client.Envelope envelope,
                                           com.rabbitmq.client.AMQP.BasicProperties properties, byte[] body)
                        throws java.io.IOException {
                    if (givenBack.getCount() == 1) {
                        ch.basicCancel(tag); // no fifth delivery to this one
                    }
                    ch.basicNack(envelope.getDeliveryTag(), false, true);
                    givenBack.countDown();
                }
            });
            assertTrue("given back four times", givenBack.await(20, TimeUnit.SECONDS));
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
        // past the group's three deliveries, but failed once here: held and handed again, not dead-lettered
        assertEquals("not dead-lettered", List.of(), b.deadLetters("patient", 10));
        // RabbitMQ counts the returns (x-delivery-count); a broker that does not starts again at 1
        assertEquals("the broker's deliveries count as attempts", rabbitMq ? List.of(5, 6) : List.of(1, 2), attempts);
        long waitedMillis = (calls.get(1) - calls.get(0)) / 1_000_000;
        // the first backoff is 400 ms; counted by deliveries it would be 400 * 2^4 = 6,400 ms
        assertTrue("waited " + waitedMillis + " ms", waitedMillis >= 350 && waitedMillis < 3_000);
    }

    @Test
    public void withoutTheBrokerAPublishFailsAtOnceAsUnavailable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RabbitBus b = bus(port);
        long start = System.nanoTime();
        BusException e = failure(b, OutgoingMessage.of("t", null, "1"));
        assertEquals("bus_unavailable", e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("not reachable"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        assertFalse(b.status().reachable());
    }
}
