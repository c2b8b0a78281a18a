package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.services.Redis;
import dev.ludus.testing.services.ServiceEndpoint;

/**
 * Two Ludus processes (two distributions on two ports, as an operator runs them) share one Redis
 * through the {@code redis} and {@code limits-redis} features: one player's budget is one budget
 * across both. The nodes share the resume-token key, so a player's token is good on either.
 */
public class LimitsTwoNodesIT {

    private static final String FEATURES = "framework, http, webconsole, ludus-core, games, redis, limits-redis";

    private static void configure(Distribution d, ServiceEndpoint redis, String prefix) throws Exception {
        d.env.put("LUDUS_FEATURES", FEATURES);
        Path conf = d.home.resolve("conf");
        Files.writeString(conf.resolve("dev.ludus.redis.cfg"), "host = " + redis.host() + "\nport = " + redis.port() + "\n");
        Files.writeString(conf.resolve("dev.ludus.limits.redis.cfg"), "keyPrefix = " + prefix + "\n");
        Files.writeString(conf.resolve("dev.ludus.gateway.cfg"), """
                limiter.target = (ludus.limiter=redis)
                limitJoinRoom = 3/1h
                maxConnectionsPerAddress = 1000
                """);
    }

    private static URI ws(Distribution d) {
        return URI.create("ws://127.0.0.1:" + d.port + "/ws");
    }

    private static Map<String, Object> join(ProtocolClient c) throws Exception {
        return c.request("join_room", Map.of("room", "nowhere"));
    }

    @Test
    public void aPlayerRefusedOnOneNodeIsRefusedOnTheOther() throws Exception {
        ServiceEndpoint redis = Redis.server(LimitsTwoNodesIT.class, 1);
        String prefix = "ludus:itest:two:" + System.nanoTime() + ":";
        try (Distribution a = Distribution.copy(); Distribution b = Distribution.copy()) {
            configure(a, redis, prefix);
            configure(b, redis, prefix);
            a.start().awaitHealthy();
            a.awaitGateway();
            Path key = a.data.resolve("gateway/resume.key");
            Files.createDirectories(b.data.resolve("gateway"));
            Files.copy(key, b.data.resolve("gateway/resume.key"));
            b.start().awaitHealthy();
            b.awaitGateway();
            for (Distribution d : new Distribution[] {a, b}) {
                // Ready waits for the Redis limiter's first connection; the limiter is then UP and bound.
                Wait.until("node on " + d.port + " deciding with the Redis limiter", 30_000,
                        () -> Http.tryGet(d.base() + "/health/ready", null, null).status() == 200
                                && d.healthWithDetails().contains("\"limiter\":\"redis\"")
                                && d.healthWithDetails().contains("\"limits-redis\":{\"status\":\"UP\""), () -> {
                            try {
                                return d.healthWithDetails();
                            } catch (Exception e) {
                                return e.toString();
                            }
                        });
            }

            try {
                playAcross(a, b);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nnode A:\n" + limiterLines(a) + "\nnode B:\n" + limiterLines(b), e);
            }
        }
    }

    /** What a node logged about its limiters and Redis. */
    private static String limiterLines(Distribution d) throws Exception {
        return String.join("\n", d.output().lines().filter(l -> l.contains("edis") || l.contains("imiter")).toList());
    }

    private static void playAcross(Distribution a, Distribution b) throws Exception {
        {
            try (ProtocolClient onA = ProtocolClient.hello(ws(a), "ann")) {
                assertEquals("join 1 of 3, on A", LimitsSwapIT.ALLOWED, join(onA).get("code"));
                assertEquals("join 2 of 3, on A", LimitsSwapIT.ALLOWED, join(onA).get("code"));
                try (ProtocolClient onB = onA.resume(ws(b))) {
                    assertEquals("the same player on B", onA.playerId(), onB.playerId());
                    assertEquals("join 3 of 3, on B", LimitsSwapIT.ALLOWED, join(onB).get("code"));
                    Map<String, Object> refusedOnB = join(onB);
                    assertEquals("the fourth is refused on B: " + refusedOnB, "rate_limited", refusedOnB.get("code"));
                    assertEquals("join_room", refusedOnB.get("policy"));
                    long wait = ((Number) refusedOnB.get("retryAfterMillis")).longValue();
                    assertTrue("until a token is back (20 min at 3/h): " + wait, wait > 1_190_000 && wait <= 1_200_000);
                }
                try (ProtocolClient backOnA = onA.resume(ws(a))) {
                    Map<String, Object> refusedOnA = join(backOnA);
                    assertEquals("and on A: " + refusedOnA, "rate_limited", refusedOnA.get("code"));
                }
            }
            try (ProtocolClient other = ProtocolClient.hello(ws(b), "bob")) {
                assertEquals("another player has a budget of their own", LimitsSwapIT.ALLOWED, join(other).get("code"));
            }
        }
    }
}
