package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The rate limiter swapped while players send requests: the limits-local bundle stopped, started
 * and updated, and the gateway's limit settings changed live. Every request gets exactly one
 * answer, no connection drops, and the limits hold whenever a limiter is bound.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LimitsSwapIT {

    static final int PLAYERS = 6;
    static final long PACE_MILLIS = 100;
    static final String LIMITER = "dev.ludus.limits.local";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("limits", List.of(), Map.of());
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    private Bundle limiterBundle() {
        for (Bundle b : context.getBundles()) {
            if (LIMITER.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + LIMITER);
    }

    private HealthResult gateway() throws Exception {
        return HealthChecks.require(context, "gateway");
    }

    private void gatewaySettings(Map<String, Object> values) throws Exception {
        Configurations.merge(configAdmin, "dev.ludus.gateway", values);
    }

    private void awaitEnforced() throws Exception {
        Wait.until("a limiter bound and the gateway UP", 30_000, () -> gateway().status() == HealthStatus.UP,
                () -> gateway().toString());
    }

    /** A player's requests: each is answered once, or the player records what went wrong. */
    static final class Player {
        final ProtocolClient client;
        volatile long sent; // written by the player's own thread only
        volatile long ok;
        final List<String> wrong = new ArrayList<>();

        Player(ProtocolClient client) {
            this.client = client;
        }

        void run(AtomicBoolean stop) {
            while (!stop.get()) {
                Map<String, Object> reply;
                try {
                    sent++;
                    reply = client.request("ping", Map.of());
                } catch (Exception | AssertionError e) {
                    wrong.add("request " + sent + ": " + e);
                    return;
                }
                if ("ok".equals(reply.get("type"))) {
                    ok++;
                } else {
                    wrong.add("request " + sent + ": " + reply);
                }
                try {
                    Thread.sleep(PACE_MILLIS); // within the connection's own budget (20 a second)
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Test
    public void theLimiterSwappedUnderTrafficLeavesNoRequestUnansweredAndLimitsHoldWhileOneIsBound() throws Exception {
        gatewaySettings(Map.of("maxConnectionsPerAddress", 1000, "limitJoinRoom", "1/1h", "limitPing", "100000/1s",
                "limitPlayerMessages", "100000/1s", "limitCloseAt", 1000, "limits", "enforce"));
        ProtocolClient.awaitGateway(ws(), 30_000);
        awaitEnforced();
        try (ProtocolClient prober = ProtocolClient.hello(ws(), "prober")) {
            List<Player> players = new ArrayList<>();
            for (int i = 0; i < PLAYERS; i++) {
                players.add(new Player(ProtocolClient.hello(ws(), "p" + i).keepAtMost(16)));
            }
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(PLAYERS);
            List<Future<?>> running = new ArrayList<>();
            for (Player p : players) {
                running.add(pool.submit(() -> p.run(stop)));
            }
            try {
                assertEquals(ALLOWED, probe(prober).get("code"));
                assertEquals("join_room", probe(prober).get("policy"));

                Bundle limiter = limiterBundle();
                awaitTraffic(players, PLAYERS * 10L); // traffic through the first limiter
                limiter.stop();
                Wait.until("health says the limits are not enforced", 20_000,
                        () -> gateway().status() == HealthStatus.DEGRADED && gateway().reason().contains("not enforced"),
                        () -> gateway().toString());
                awaitTraffic(players, PLAYERS * 5L); // traffic with no limiter bound
                limiter.start();
                awaitEnforced();
                // The limiter's buckets went with it: the prober starts afresh, and is limited again.
                assertEquals(ALLOWED, probe(prober).get("code"));
                assertEquals("join_room", probe(prober).get("policy"));

                for (int i = 0; i < 3; i++) {
                    limiter.update();
                    awaitEnforced();
                    awaitTraffic(players, PLAYERS * 5L); // traffic through the new limiter before the next swap
                }
                assertEquals("limited with the updated bundle", "join_room", probeAfterItsOne(prober).get("policy"));

                gatewaySettings(Map.of("limits", "shadow"));
                Wait.until("shadow mode in force", 20_000, () -> ALLOWED.equals(probe(prober).get("code")));
                gatewaySettings(Map.of("limits", "enforce"));
                Wait.until("enforced again", 20_000, () -> "rate_limited".equals(probe(prober).get("code")));
                awaitTraffic(players, PLAYERS * 10L);
            } finally {
                stop.set(true);
                pool.shutdown();
                assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            }
            long sent = 0;
            for (Player p : players) {
                assertEquals("every request of " + p.client.playerId() + " answered ok; the first wrong: "
                        + p.wrong.subList(0, Math.min(3, p.wrong.size())), 0, p.wrong.size());
                assertEquals(p.sent, p.ok);
                assertFalse("no player was disconnected", p.client.isClosed());
                sent += p.sent;
                p.client.close();
            }
            assertTrue("traffic flowed throughout: " + sent + " requests", sent > PLAYERS * 30);
            HealthResult h = gateway();
            @SuppressWarnings("unchecked")
            Map<String, Object> limits = (Map<String, Object>) h.details().get("limits");
            assertTrue("refusals counted: " + limits, ((Number) limits.get("refused")).longValue() >= 3);
            assertTrue("the last one under join_room: " + limits,
                    ((Map<?, ?>) limits.get("refusedByPolicy")).containsKey("join_room"));
        }
    }

    /** What a join of no room answers when the limit lets it through: nothing changes either way. */
    static final String ALLOWED = "no_such_room";

    private static Map<String, Object> probe(ProtocolClient c) throws Exception {
        return c.request("join_room", Map.of("room", "nowhere"));
    }

    /** Probes until refused: the updated limiter's new bucket may hold one token. */
    private static Map<String, Object> probeAfterItsOne(ProtocolClient c) throws Exception {
        Map<String, Object> reply = probe(c);
        return ALLOWED.equals(reply.get("code")) ? probe(c) : reply;
    }

    /**
     * Waits until the players have sent {@code requests} more requests: traffic runs through each
     * phase however slowly a busy machine answers (a fixed sleep let too few through in a CI run).
     */
    static void awaitTraffic(List<Player> players, long requests) throws Exception {
        long before = players.stream().mapToLong(p -> p.sent).sum();
        Wait.until(requests + " more requests", 30_000, () -> players.stream().mapToLong(p -> p.sent).sum() >= before + requests);
    }
}
