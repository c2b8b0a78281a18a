package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

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
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TcpRelay;

/**
 * The Redis limiter (features redis and limits-redis) in the framework, with players sending
 * requests throughout: the gateway switched from the local limiter to the Redis one and back
 * (ConfigAdmin, like the archive's backend), and Redis taken away under it twice, refused (a cut)
 * and silent (a black hole), through a relay between the node and a real Redis. Every request gets
 * exactly one answer, no connection drops, the limits hold throughout (by the local fallback while
 * Redis is away), health says why, and the limiter is back on Redis by itself.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LimitsRedisIT {

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("limits-redis", List.of("redis", "limits-redis"), Map.of(),
                frameworkProperty("ludus.itest.redis").value(ExamRedis.url(LimitsRedisIT.class, 1)));
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    private HealthResult health(String name) throws Exception {
        return HealthChecks.require(context, name);
    }

    private void configure(String pid, Map<String, Object> values) throws Exception {
        Configurations.merge(configAdmin, pid, values);
    }

    @SuppressWarnings("unchecked")
    private String boundLimiter() throws Exception {
        HealthResult g = health("gateway");
        return g.status() == HealthStatus.UP ? (String) ((Map<String, Object>) g.details().get("limits")).get("limiter") : null;
    }

    private void awaitLimiter(String name) throws Exception {
        Wait.until("the gateway enforcing with the " + name + " limiter", 30_000, () -> name.equals(boundLimiter()),
                () -> health("gateway").toString());
    }

    private static Map<String, Object> probe(ProtocolClient c) throws Exception {
        return c.request("join_room", Map.of("room", "nowhere"));
    }

    @Test
    public void switchedToRedisAndBackAndRedisTakenAwayUnderTrafficLeavesNoRequestUnanswered() throws Exception {
        URI redisUri = URI.create(context.getProperty("ludus.itest.redis"));
        try (TcpRelay relay = new TcpRelay(redisUri.getPort())) {
            configure("dev.ludus.redis", Map.of("host", "127.0.0.1", "port", relay.port(), "checkSeconds", 1));
            configure("dev.ludus.limits.redis", Map.of("keyPrefix", "ludus:itest:" + System.nanoTime() + ":",
                    "timeoutMillis", 100, "retryMillis", 300));
            configure("dev.ludus.gateway", Map.of("maxConnectionsPerAddress", 1000, "limitJoinRoom", "1/1h",
                    "limitPing", "100000/1s", "limitPlayerMessages", "100000/1s", "limitCloseAt", 1000,
                    "limits", "enforce", "limiter.target", "(ludus.limiter=local)"));
            ProtocolClient.awaitGateway(ws(), 30_000);
            awaitLimiter("local");
            Wait.until("limits-redis connected through the relay", 30_000,
                    () -> health("limits-redis").status() == HealthStatus.UP, () -> health("limits-redis").toString());
            assertEquals(HealthStatus.UP, health("redis").status());

            try (ProtocolClient prober = ProtocolClient.hello(ws(), "prober")) {
                List<LimitsSwapIT.Player> players = new ArrayList<>();
                for (int i = 0; i < LimitsSwapIT.PLAYERS; i++) {
                    players.add(new LimitsSwapIT.Player(ProtocolClient.hello(ws(), "p" + i).keepAtMost(16)));
                }
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newFixedThreadPool(players.size());
                List<Future<?>> running = new ArrayList<>();
                for (LimitsSwapIT.Player p : players) {
                    running.add(pool.submit(() -> p.run(stop)));
                }
                try {
                    assertEquals(LimitsSwapIT.ALLOWED, probe(prober).get("code"));
                    assertEquals("the local bucket is spent", "join_room", probe(prober).get("policy"));

                    configure("dev.ludus.gateway", Map.of("limiter.target", "(ludus.limiter=redis)"));
                    awaitLimiter("redis");
                    LimitsSwapIT.awaitTraffic(players, LimitsSwapIT.PLAYERS * 10L); // traffic through Redis
                    assertEquals("the Redis bucket is a bucket of its own", LimitsSwapIT.ALLOWED, probe(prober).get("code"));
                    assertEquals("and is spent after one", "join_room", probe(prober).get("policy"));
                    long redisDecisions = ((Number) health("limits-redis").details().get("decisions")).longValue();
                    assertTrue("the players' requests were decided by Redis: " + redisDecisions, redisDecisions > 10);

                    relay.cut();
                    Wait.until("limits-redis says Redis is away and what it does", 20_000,
                            () -> health("limits-redis").status() == HealthStatus.DEGRADED
                                    && health("limits-redis").reason().contains("decided by the local fallback limiter"),
                            () -> health("limits-redis").toString());
                    Wait.until("the redis check too", 20_000, () -> health("redis").status() == HealthStatus.DEGRADED,
                            () -> health("redis").toString());
                    assertEquals("the limit holds by the local fallback bucket, spent before", "join_room",
                            probe(prober).get("policy"));
                    String console = Http.get("http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port")
                            + "/system/console/ludus-limits.json", "admin", context.getProperty("ludus.itest.password")).body();
                    assertTrue("the console's rate limits page shows the limiter failing over: " + console,
                            console.contains("\"check\":\"limits-redis\",\"status\":\"DEGRADED\"")
                                    && console.contains("decided by the local fallback limiter"));
                    LimitsSwapIT.awaitTraffic(players, LimitsSwapIT.PLAYERS * 10L); // traffic without Redis
                    relay.restore();
                    Wait.until("back on Redis by itself", 30_000, () -> health("limits-redis").status() == HealthStatus.UP,
                            () -> health("limits-redis").toString());
                    Wait.until("the redis check too", 20_000, () -> health("redis").status() == HealthStatus.UP,
                            () -> health("redis").toString());
                    assertEquals("Redis's bucket is still spent", "join_room", probe(prober).get("policy"));

                    relay.blackHole(); // open connections go silent: decisions time out, nothing hangs
                    Wait.until("a silent Redis is noticed", 20_000,
                            () -> health("limits-redis").status() == HealthStatus.DEGRADED,
                            () -> health("limits-redis").toString());
                    long start = System.nanoTime();
                    Map<String, Object> answer = probe(prober);
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    assertEquals("join_room", answer.get("policy"));
                    assertTrue("answered without waiting on the silent Redis: " + millis + " ms", millis < 1_000);
                    LimitsSwapIT.awaitTraffic(players, LimitsSwapIT.PLAYERS * 10L); // traffic while Redis is silent
                    relay.cut();
                    relay.restore();
                    Wait.until("back on Redis after the black hole", 60_000,
                            () -> health("limits-redis").status() == HealthStatus.UP, () -> health("limits-redis").toString());

                    configure("dev.ludus.gateway", Map.of("limiter.target", "(ludus.limiter=local)"));
                    awaitLimiter("local");
                    assertEquals("the local bucket, still spent", "join_room", probe(prober).get("policy"));
                    LimitsSwapIT.awaitTraffic(players, LimitsSwapIT.PLAYERS * 10L);
                } finally {
                    stop.set(true);
                    pool.shutdown();
                    assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
                }
                long sent = 0;
                for (LimitsSwapIT.Player p : players) {
                    assertEquals("every request of " + p.client.playerId() + " answered ok; the first wrong: "
                            + p.wrong.subList(0, Math.min(3, p.wrong.size())), 0, p.wrong.size());
                    assertEquals(p.sent, p.ok);
                    assertFalse("no player was disconnected", p.client.isClosed());
                    sent += p.sent;
                    p.client.close();
                }
                assertTrue("traffic flowed throughout: " + sent + " requests", sent > LimitsSwapIT.PLAYERS * 40);
                Map<String, Object> d = health("limits-redis").details();
                assertTrue("decisions fell back while Redis was away: " + d, ((Number) d.get("fallbackDecisions")).longValue() > 0);
                assertTrue("and Redis failures were counted: " + d, ((Number) d.get("redisErrors")).longValue() > 0);
            }
        }
    }
}
