package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.TcpRelay;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.api.StreamInfoOptions;

/**
 * The bus publishers use, switched while games finish (the swap suite's load: players against
 * bots, every game announced as {@code game.finished}): local → NATS JetStream, NATS taken away
 * (a relay between the node and the real NATS is cut) while rooms go on finishing games,
 * NATS → RabbitMQ, RabbitMQ taken away the same way, then RabbitMQ → local; while NATS
 * carries every game its client and bus bundles are stopped, updated, rebuilt and reinstalled,
 * and so is the RabbitMQ bus bundle while RabbitMQ does. The three buses run throughout and
 * deliver to every consumer group, so what was published on one is still consumed after the
 * switch. The suite then counts: every game announced, the statistics count each player's games
 * exactly as the archive holds them (stats is idempotent by message id, so a game announced
 * twice, once per bus, counts once), no acknowledged move is lost, and a webhook whose receiver
 * refuses every seventh POST got every game, signed, under one message id each.
 *
 * <p>A broker is away for 10 s in the short form (what {@code mvn verify} runs) and 30 s in the full
 * form ({@code -Dludus.swap.form=full}, what the README's table shows). Either is long enough for
 * the bus to refuse, health to say DEGRADED and games to finish meanwhile, which must all be
 * announced once the broker is back; in the short form the client is still trying to reconnect
 * when it comes back, in the full form it has long since lost its connection.
 * {@code -Dludus.swap.cutSeconds=N} sets another length. (An earlier build missed announcements in
 * two runs of six with an 8 s cut; eight runs in a row passed since, before 10 s became the short
 * form's length.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BusSwapIT extends SwapSuite {

    /**
     * The bus's streams are this run's alone (the real NATS outlives test runs): the name is made
     * where the framework is configured and handed to the test inside it as a framework property
     * (the probe loads this class again, so a static field would differ).
     */
    private String name() {
        return context.getProperty("ludus.itest.busname");
    }
    private static final int CUT_SECONDS = Integer.getInteger("ludus.swap.cutSeconds",
            "full".equals(System.getProperty("ludus.swap.form", "short")) ? 30 : 10);

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        String nats;
        try {
            nats = ExamNats.url(BusSwapIT.class, 1);
        } catch (org.junit.AssumptionViolatedException noNats) {
            // No NATS and no nats-server to start (recorded for the build's skip line): the same
            // bundles (the test's classes refer to their types) and a test that skips with the
            // reason. Under LUDUS_TEST_SERVICES=required the lookup fails instead, and so does this class.
            return ExamConfig.defaultFeatureSet("bus-swap", List.of("nats", "bus-nats", "bus-rabbitmq"),
                    frameworkProperty("ludus.itest.skip").value(noNats.getMessage()));
        }
        URI amqp = URI.create(ExamAmqp.url(BusSwapIT.class, 1));
        String name = "itest" + Long.toHexString(System.nanoTime());
        return ExamConfig.defaultFeatureSet("bus-swap", List.of("nats", "bus-nats", "bus-rabbitmq"), Map.of(
                "dev.ludus.nats.cfg", "servers = " + nats + "\ncheckSeconds = 1\nreconnectWaitMillis = 200\n",
                "dev.ludus.bus.nats.cfg", "name = " + name + "\n",
                "dev.ludus.bus.rabbitmq.cfg", "host = " + amqp.getHost() + "\nport = " + amqp.getPort() + "\nname = " + name
                        + "\n",
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\narchiveRetrySeconds = 1\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"),
                frameworkProperty("ludus.itest.nats").value(nats), frameworkProperty("ludus.itest.amqp").value(amqp.toString()),
                frameworkProperty("ludus.itest.busname").value(name));
    }

    /**
     * The probe's dynamic imports leave out the packages of the bundles swapped here: Felix counts a
     * bundle that could dynamically import a package into the refresh closure of its exporter, so
     * with the default ({@code *}) refreshing the NATS client would restart the probe too.
     */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        probe.setHeader(Constants.DYNAMICIMPORT_PACKAGE, "org.*,com.*,javax.*,jakarta.*,io.*,dev.ludus.api.*,dev.ludus.testing.*");
        return probe;
    }

    private void publishersOn(String bus) throws Exception {
        Map<String, Object> target = Map.of("bus.target", "(ludus.bus=" + bus + ")");
        Configurations.merge(configAdmin, "dev.ludus.rooms", target);
        Configurations.merge(configAdmin, "dev.ludus.gateway", target);
    }

    /** game.finished messages the NATS stream holds. */
    private long onNats(Connection c) throws Exception {
        String subject = name().toLowerCase() + ".bus.t.game~finished";
        try {
            Map<String, Long> m = c.jetStreamManagement().getStreamInfo(name().toUpperCase() + "_BUS",
                    StreamInfoOptions.filterSubjects(name().toLowerCase() + ".bus.t.*")).getStreamState().getSubjectMap();
            return m == null ? 0 : m.getOrDefault(subject, 0L);
        } catch (JetStreamApiException notYet) {
            return 0;
        }
    }

    private String countingQueue() {
        return name() + ".itest.count";
    }

    /** game.finished messages RabbitMQ routed to the test's counting queue. */
    private long onRabbit(com.rabbitmq.client.Channel ch) throws Exception {
        return ch.queueDeclarePassive(countingQueue()).getMessageCount();
    }

    private String subjects(Connection c) {
        try {
            var info = c.jetStreamManagement().getStreamInfo(name().toUpperCase() + "_BUS",
                    StreamInfoOptions.filterSubjects(name().toLowerCase() + ".bus.t.*"));
            return info.getStreamState().getSubjectMap() + " / " + info.getStreamState().getSubjects() + " / "
                    + info.getStreamState().getMsgCount();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String diag() {
        try {
            return String.valueOf(bus("nats").publish(dev.ludus.api.bus.OutgoingMessage.of("diag", null, "1"))
                    .toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS));
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static final String HOOK_SECRET = "bus-swap-webhook-secret";

    /**
     * The webhook's effect: every game of the run POSTed and accepted, each POST signed with the
     * secret over its timestamp and body, each accepted game's id the same however often it came
     * (at least once: a receiver keeps the first and drops the rest by {@code X-Ludus-Id}).
     */
    private void webhookGotEveryGame(HttpReceiver hooks) throws Exception {
        ObjectMapper json = new ObjectMapper();
        java.util.function.Supplier<Map<String, Long>> accepted = () -> hooks.requests().stream()
                .filter(r -> r.status() == 200)
                .collect(Collectors.groupingBy(r -> {
                    try {
                        return json.readTree(r.body()).path("data").path("roomId").asText();
                    } catch (java.io.IOException e) {
                        return "unreadable: " + r.text();
                    }
                }, Collectors.counting()));
        List<String> games = lastGames;
        Wait.until("every game POSTed to the webhook and accepted", 90_000, () -> accepted.get().keySet().containsAll(games),
                () -> {
                    List<String> missing = games.stream().filter(g -> !accepted.get().containsKey(g)).toList();
                    StringBuilder groups = new StringBuilder();
                    for (String b : List.of("local", "nats", "rabbitmq")) {
                        try {
                            groups.append(b).append(": ").append(bus(b).status().groups().stream()
                                    .filter(g -> g.group().startsWith("webhook")).toList()).append("; ");
                        } catch (Exception e) {
                            groups.append(b).append(": ").append(e).append("; ");
                        }
                    }
                    try (Connection c = Nats.connect(context.getProperty("ludus.itest.nats"))) {
                        for (var ci : c.jetStreamManagement().getConsumers(name().toUpperCase() + "_BUS")) {
                            groups.append("\n  consumer ").append(ci.getName()).append(": pending ").append(ci.getNumPending())
                                    .append(", ack pending ").append(ci.getNumAckPending()).append(", waiting pulls ")
                                    .append(ci.getNumWaiting()).append(", redelivered ").append(ci.getRedelivered())
                                    .append(", delivered ").append(ci.getDelivered().getStreamSequence()).append(", ack floor ")
                                    .append(ci.getAckFloor().getStreamSequence());
                        }
                    } catch (Exception e) {
                        groups.append(e);
                    }
                    Thread.getAllStackTraces().forEach((t, st) -> {
                        if (t.getName().contains("webhook") || t.getName().startsWith("AMQP")
                                || t.getName().startsWith("pool-")) {
                            groups.append("\n  thread ").append(t.getName()).append(' ').append(t.getState());
                            for (int i = 0; i < Math.min(6, st.length); i++) {
                                groups.append("\n    at ").append(st[i]);
                            }
                        }
                    });
                    return missing.size() + " of " + games.size() + " missing, such as "
                            + missing.subList(0, Math.min(5, missing.size())) + "; " + hooks.posts() + " POSTs ("
                            + hooks.requests().stream().filter(r -> r.status() != 200).count() + " refused); " + groups;
                });
        Map<String, Long> got = accepted.get();
        assertTrue("games accepted by the webhook that the run did not play",
                new java.util.HashSet<>(games).containsAll(got.keySet()));
        List<HttpReceiver.Request> all = hooks.requests();
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(HOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        for (HttpReceiver.Request r : all) {
            byte[] signed = mac.doFinal((r.header("X-Ludus-Timestamp") + "." + r.text()).getBytes(StandardCharsets.UTF_8));
            assertEquals("signature of " + r.header("X-Ludus-Id"), "sha256=" + java.util.HexFormat.of().formatHex(signed),
                    r.header("X-Ludus-Signature"));
        }
        Map<String, Long> idsPerRoom = all.stream().filter(r -> r.status() == 200).collect(Collectors.groupingBy(
                r -> r.header("X-Ludus-Id"), Collectors.counting()));
        assertEquals("one message id per game, whatever bus carried it: " + idsPerRoom.keySet(), games.size(),
                idsPerRoom.size());
        long failed = all.stream().filter(r -> r.status() != 200).count();
        long again = got.values().stream().mapToLong(n -> n - 1).sum();
        System.out.println("Webhook: " + got.size() + " games accepted once each after dropping repeats by id; " + all.size()
                + " POSTs, " + failed + " refused on purpose (503) and delivered again, " + again
                + " repeats of accepted games (at-least-once delivery)");
    }

    private MessageBus bus(String implementation) throws Exception {
        var refs = context.getServiceReferences(MessageBus.class, "(ludus.bus=" + implementation + ")");
        return refs == null ? null : context.getService(refs.iterator().next());
    }

    @Test
    public void theBusSwitchesLocalToNatsToRabbitMqToLocalAndNatsGoesAwayWhileGamesFinishWithNothingLost() throws Exception {
        org.junit.Assume.assumeTrue(context.getProperty("ludus.itest.skip"), context.getProperty("ludus.itest.skip") == null);
        URI nats = URI.create(context.getProperty("ludus.itest.nats"));
        URI amqp = URI.create(context.getProperty("ludus.itest.amqp"));
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setHost(amqp.getHost());
        f.setPort(amqp.getPort());
        // Every seventh POST to the webhook fails: its delivery comes again later, through whichever bus.
        AtomicInteger hookCalls = new AtomicInteger();
        try (TcpRelay relay = new TcpRelay(nats.getPort()); TcpRelay amqpRelay = new TcpRelay(amqp.getPort());
             Connection direct = Nats.connect(nats.toString());
             com.rabbitmq.client.Connection rabbitConnection = f.newConnection("bus-swap-count");
             com.rabbitmq.client.Channel rabbit = rabbitConnection.createChannel();
             HttpReceiver hooks = new HttpReceiver(0, "/hook", "text/plain",
                     r -> hookCalls.incrementAndGet() % 7 == 0 ? 503 : 200)) {
            org.osgi.service.cm.Configuration hook = configAdmin.createFactoryConfiguration(
                    "dev.ludus.webhooks.endpoint", "?");
            hook.update(new java.util.Hashtable<>(Map.of("name", "swapcheck", "url", hooks.url(), ".secret", HOOK_SECRET,
                    "backoffMillis", 200L)));
            // The RabbitMQ bus reaches the broker through a relay too, cut later.
            Configurations.merge(configAdmin, "dev.ludus.bus.rabbitmq", Map.of("port", amqpRelay.port()));
            Wait.until("the RabbitMQ bus ready through the relay", 30_000,
                    () -> bus("rabbitmq") != null && bus("rabbitmq").status().reachable()
                            && bus("rabbitmq").status().detail().contains(":" + amqpRelay.port() + "/"),
                    () -> String.valueOf(bus("rabbitmq") == null ? null : bus("rabbitmq").status()));
            // A queue of the test's own on the bus's exchange: it counts the game.finished RabbitMQ gets.
            rabbit.queueDeclare(countingQueue(), false, false, true, null);
            rabbit.queueBind(countingQueue(), name() + ".bus", "game.finished");
            Configurations.merge(configAdmin, "dev.ludus.nats", Map.of("servers", "nats://127.0.0.1:" + relay.port()));
            Wait.until("the NATS bus ready through the relay", 30_000,
                    () -> bus("nats") != null && bus("nats").status().reachable(), () -> String.valueOf(
                            HealthChecks.find(context, "bus-nats")));
            long[] before = new long[1];
            List<Step> steps = new java.util.ArrayList<>();
            steps.add(
                    new Step("publishers", "bus.target local → nats", () -> {
                        before[0] = onNats(direct);
                        long t = System.nanoTime();
                        publishersOn("nats");
                        Wait.until("games announced on NATS", 60_000, () -> onNats(direct) >= before[0] + 3,
                                () -> onNats(direct) + " on NATS (" + subjects(direct) + "); a publish: " + diag() + "; rooms' bus.target "
                                        + context.getServiceReference(dev.ludus.api.rooms.RoomService.class)
                                        .getProperty("bus.target") + "; " + bus("nats").status() + "; rooms "
                                        + HealthChecks.find(context, "rooms") + "; gateway " + HealthChecks.find(context, "gateway") + "; bus config " + configAdmin
                                        .getConfiguration("dev.ludus.rooms", "?").getProperties());
                        return "switched; 3 games on NATS after " + (System.nanoTime() - t) / 1_000_000 + " ms";
                    }));
            // The NATS client and the NATS bus bundles swapped while they carry every finished game
            steps.addAll(bundleSwaps(List.of("dev.ludus.nats", "dev.ludus.bus.nats")));
            steps.add(new Step("nats", "broker away " + CUT_SECONDS + " s", () -> {
                        long t = System.nanoTime();
                        relay.cut();
                        Wait.until("the NATS bus says it cannot store", 20_000, () -> !bus("nats").status().reachable());
                        assertTrue("a broker away degrades the node, never takes it out",
                                HealthChecks.find(context, "bus-nats").status() == HealthStatus.DEGRADED);
                        Thread.sleep(CUT_SECONDS * 1000L);
                        relay.restore();
                        Wait.until("the NATS bus back by itself", 60_000, () -> bus("nats").status().reachable(),
                                () -> String.valueOf(HealthChecks.find(context, "bus-nats")));
                        long published = onNats(direct);
                        Wait.until("the games finished meanwhile announced on NATS", 60_000,
                                () -> onNats(direct) > published);
                        return "away " + (System.nanoTime() - t) / 1_000_000 + " ms, refused meanwhile, back by itself";
                    }));
            steps.add(new Step("publishers", "bus.target nats → rabbitmq", () -> {
                        long t = System.nanoTime();
                        publishersOn("rabbitmq");
                        Wait.until("games announced on RabbitMQ", 60_000, () -> onRabbit(rabbit) >= 3,
                                () -> onRabbit(rabbit) + " on RabbitMQ; " + bus("rabbitmq").status());
                        return "switched; 3 games on RabbitMQ after " + (System.nanoTime() - t) / 1_000_000 + " ms";
                    }));
            steps.addAll(bundleSwaps(List.of("dev.ludus.bus.rabbitmq")));
            steps.add(new Step("rabbitmq", "broker away " + CUT_SECONDS + " s", () -> {
                        long t = System.nanoTime();
                        amqpRelay.cut();
                        Wait.until("the RabbitMQ bus says it cannot store", 20_000,
                                () -> !bus("rabbitmq").status().reachable());
                        assertTrue("a broker away degrades the node, never takes it out",
                                HealthChecks.find(context, "bus-rabbitmq").status() == HealthStatus.DEGRADED);
                        Thread.sleep(CUT_SECONDS * 1000L);
                        amqpRelay.restore();
                        Wait.until("the RabbitMQ bus back by itself", 60_000, () -> bus("rabbitmq").status().reachable(),
                                () -> String.valueOf(HealthChecks.find(context, "bus-rabbitmq")));
                        long published = onRabbit(rabbit);
                        Wait.until("the games finished meanwhile announced on RabbitMQ", 60_000,
                                () -> onRabbit(rabbit) > published);
                        return "away " + (System.nanoTime() - t) / 1_000_000 + " ms, refused meanwhile, back by itself";
                    }));
            steps.add(new Step("publishers", "bus.target rabbitmq → local", () -> {
                        long t = System.nanoTime();
                        publishersOn("local");
                        return "switched in " + (System.nanoTime() - t) / 1_000_000 + " ms";
                    }));
            runSteps("Bus switch: local → NATS (its bundles swapped), NATS away " + CUT_SECONDS
                    + " s, NATS → RabbitMQ (its bundle swapped), RabbitMQ away " + CUT_SECONDS + " s → local", steps,
                    "-bus.md");
            webhookGotEveryGame(hooks);
            assertTrue("RabbitMQ carried games: " + onRabbit(rabbit), onRabbit(rabbit) >= 3);
            Wait.until("every group on RabbitMQ caught up", 60_000,
                    () -> bus("rabbitmq").status().groups().stream().allMatch(g -> g.lag() == 0),
                    () -> bus("rabbitmq").status().toString());
            BusStatus n = bus("nats").status();
            assertTrue("NATS carried games: " + onNats(direct), onNats(direct) >= before[0] + 3);
            assertTrue(n.toString(), n.groups().stream().anyMatch(g -> g.group().equals("stats")));
            Wait.until("every group on NATS caught up", 60_000,
                    () -> bus("nats").status().groups().stream().allMatch(g -> g.lag() == 0),
                    () -> bus("nats").status().toString());
        } finally {
            publishersOn("local");
            Configurations.merge(configAdmin, "dev.ludus.nats", Map.of("servers", context.getProperty("ludus.itest.nats")));
            // this run's queues, exchanges and streams go with it
            Brokers.deleteRabbitTopology(amqp, name(), List.of("stats", "swap-check", "webhook.swapcheck"),
                    List.of(countingQueue()));
            Brokers.deleteNatsStreams(nats.toString(), name());
        }
    }
}
