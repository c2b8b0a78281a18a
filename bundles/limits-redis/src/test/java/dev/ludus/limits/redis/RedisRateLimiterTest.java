package dev.ludus.limits.redis;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;
import dev.ludus.limits.local.LocalRateLimiter;
import dev.ludus.redis.client.PlainRedisConnector;
import dev.ludus.testing.services.Redis;

/**
 * The Redis limiter against a real Redis (the local one, or an embedded one): two limiters on two
 * connections stand for two nodes. Redis away (nothing listening) and Redis stopped and started
 * again use a Redis of the test's own.
 */
public class RedisRateLimiterTest {

    private static PlainRedisConnector redis;
    private final List<RedisRateLimiter> limiters = new ArrayList<>();
    private final List<PlainRedisConnector> connectors = new ArrayList<>();
    private final String prefix = "ludus:test:" + System.nanoTime() + ":";

    @BeforeClass
    public static void redis() {
        redis = TestRedis.shared(RedisRateLimiterTest.class, 10);
    }

    @AfterClass
    public static void closeRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @After
    public void stop() {
        limiters.forEach(RedisRateLimiter::deactivate);
        connectors.forEach(PlainRedisConnector::close);
    }

    /** A limiter on a connection of its own (a node), on the test Redis unless told. */
    private RedisRateLimiter node(PlainRedisConnector on, String failure, LocalRateLimiter fallback) {
        PlainRedisConnector c = TestRedis.at(host(on), port(on));
        connectors.add(c);
        RedisRateLimiter l = new RedisRateLimiter(c, fallback);
        l.activate(TestRedis.config(prefix, failure, 200), null);
        limiters.add(l);
        return l;
    }

    private static String host(PlainRedisConnector r) {
        return r.target().substring("redis://".length(), r.target().lastIndexOf(':'));
    }

    private static int port(PlainRedisConnector r) {
        String t = r.target().substring(r.target().lastIndexOf(':') + 1);
        return Integer.parseInt(t.substring(0, t.indexOf('/')));
    }

    private static void awaitUp(RedisRateLimiter l) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (l.check().status() != HealthStatus.UP) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("limiter not connected: " + l.check());
            }
            Thread.sleep(20);
        }
    }

    @Test
    public void twoNodesShareOneBudget() throws Exception {
        RedisRateLimiter a = node(redis, "open", null);
        RedisRateLimiter b = node(redis, "open", null);
        awaitUp(a);
        awaitUp(b);
        LimitPolicy p = LimitPolicy.parse("play", "5/1m");
        for (int i = 0; i < 3; i++) {
            assertTrue("A's request " + i, a.acquire(p, "player:p1", 1).allowed());
        }
        assertEquals(1, b.acquire(p, "player:p1", 1).remaining());
        assertTrue(b.acquire(p, "player:p1", 1).allowed());
        Decision onA = a.acquire(p, "player:p1", 1);
        assertFalse("the budget is spent, on either node", onA.allowed());
        assertTrue("a wait until one token is back (12 s at 5/min): " + onA, onA.retryAfterMillis() > 10_000 && onA.retryAfterMillis() <= 12_000);
        assertFalse(b.acquire(p, "player:p1", 1).allowed());
        assertTrue("another key has its own bucket", b.acquire(p, "player:p2", 1).allowed());
        assertTrue("a cost larger than the bucket never passes", a.acquire(p, "player:p3", 6).retryAfterMillis() > 1_000_000);
    }

    @Test
    public void throughItsResiliencePolicyABreakerOpenDecidesWithoutRedisAndRedisIsNotBlamed() throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("attempts", 1));
        try {
            LocalRateLimiter local = new LocalRateLimiter();
            RedisRateLimiter a = node(redis, "open", local);
            RedisRateLimiter b = node(redis, "open", null);
            a.bindResilience(resilience);
            awaitUp(a);
            awaitUp(b);
            LimitPolicy p = LimitPolicy.parse("play", "2/1m");
            assertTrue(a.acquire(p, "player:r1", 1).allowed());
            assertEquals("the decision went to Redis through the policy: B sees the spent token", 0,
                    b.acquire(p, "player:r1", 1).remaining());
            resilience.force(RedisRateLimiter.POLICY, dev.ludus.api.resilience.Resilience.Forced.OPEN);
            assertTrue("decided by the local fallback, which has its own full bucket", a.acquire(p, "player:r1", 1).allowed());
            assertEquals(1L, a.check().details().get("refusedByPolicy"));
            assertEquals("Redis is not blamed for the breaker", HealthStatus.UP, a.check().status());
            resilience.force(RedisRateLimiter.POLICY, dev.ludus.api.resilience.Resilience.Forced.NONE);
            assertFalse("back on Redis: the shared budget is spent", a.acquire(p, "player:r1", 1).allowed());
        } finally {
            resilience.deactivate();
        }
    }

    @Test
    public void twoRefusalsInARowBlockOnEveryNodeAndResetUnblocks() throws Exception {
        RedisRateLimiter a = node(redis, "open", null);
        RedisRateLimiter b = node(redis, "open", null);
        awaitUp(a);
        awaitUp(b);
        LimitPolicy p = LimitPolicy.parse("start", "2/1m block 5m");
        assertTrue(a.acquire(p, "player:x", 1).allowed());
        assertTrue(a.acquire(p, "player:x", 1).allowed());
        Decision first = a.acquire(p, "player:x", 1);
        assertFalse(first.allowed());
        assertFalse("one refusal is not yet a block", first.blocked());
        Decision second = b.acquire(p, "player:x", 1);
        assertTrue("the second refusal in a row, on the other node, blocks: " + second, second.blocked());
        assertEquals(300_000, second.retryAfterMillis());
        Decision seenOnA = a.acquire(p, "player:x", 1);
        assertTrue("node A sees the block: " + seenOnA, seenOnA.blocked() && seenOnA.retryAfterMillis() > 295_000);
        b.reset("start", "player:x");
        assertTrue("unbanned on B: A lets the player through with a full bucket", a.acquire(p, "player:x", 1).allowed());
    }

    @Test
    public void anAllowedRequestEndsTheStreak() throws Exception {
        RedisRateLimiter a = node(redis, "open", null);
        awaitUp(a);
        LimitPolicy p = LimitPolicy.parse("create_room", "1/300ms block 5m");
        assertTrue(a.acquire(p, "player:s", 1).allowed());
        assertFalse(a.acquire(p, "player:s", 1).allowed());
        Thread.sleep(350);
        assertTrue("refilled", a.acquire(p, "player:s", 1).allowed());
        Decision again = a.acquire(p, "player:s", 1);
        assertFalse(again.allowed());
        assertFalse("the earlier refusal no longer counts: " + again, again.blocked());
    }

    @Test
    public void aChangedPolicyStartsFullBucketsAndShadowNeverRefuses() throws Exception {
        RedisRateLimiter a = node(redis, "open", null);
        awaitUp(a);
        LimitPolicy two = LimitPolicy.parse("join_room", "2/1m");
        a.acquire(two, "player:c", 2);
        assertFalse(a.acquire(two, "player:c", 1).allowed());
        assertTrue("new numbers, new buckets", a.acquire(LimitPolicy.parse("join_room", "3/1m"), "player:c", 1).allowed());
        LimitPolicy shadow = LimitPolicy.parse("join_room", "2/1m shadow");
        Decision d = a.acquire(shadow, "player:c", 1);
        assertTrue("a shadow policy lets it through", d.allowed());
        assertTrue("and says it would have refused: " + d, d.shadowed());
    }

    @Test
    public void badArgumentsAreRefusedBeforeRedis() {
        RedisRateLimiter a = node(redis, "open", null);
        LimitPolicy p = LimitPolicy.parse("ping", "120/1m");
        assertThrows(IllegalArgumentException.class, () -> a.acquire(p, " ", 1));
        assertThrows(IllegalArgumentException.class, () -> a.acquire(p, "player:q", 0));
        assertThrows(NullPointerException.class, () -> a.acquire(null, "player:q", 1));
    }

    @Test
    public void aQuietLimiterSeesRedisComeBackByItself() throws Exception {
        try (dev.ludus.testing.fixtures.TcpRelay relay = new dev.ludus.testing.fixtures.TcpRelay(port(redis))) {
            PlainRedisConnector viaRelay = TestRedis.at(host(redis), relay.port());
            connectors.add(viaRelay);
            RedisRateLimiter a = node(viaRelay, "open", new LocalRateLimiter());
            awaitUp(a);
            LimitPolicy p = LimitPolicy.parse("play", "30/1m");
            assertTrue(a.acquire(p, "player:quiet", 1).allowed());
            relay.cut();
            long end = System.currentTimeMillis() + 10_000;
            while (a.check().status() == HealthStatus.UP) {
                assertTrue("a decision with Redis cut marks it unusable", System.currentTimeMillis() < end);
                a.acquire(p, "player:quiet", 1);
                Thread.sleep(50);
            }
            relay.restore();
            // No decision from here on: the limiter finds Redis back on its own.
            awaitUp(a);
        }
    }

    @Test
    public void redisAwayFollowsTheFailurePolicyWithoutWaiting() throws Exception {
        PlainRedisConnector nobody = TestRedis.at("127.0.0.1", freePort());
        connectors.add(nobody);
        LimitPolicy p = LimitPolicy.parse("play", "3/1m");
        RedisRateLimiter open = node(nobody, "open", new LocalRateLimiter());
        RedisRateLimiter bare = node(nobody, "open", null);
        RedisRateLimiter closed = node(nobody, "closed", new LocalRateLimiter());
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertTrue(open.acquire(p, "player:f", 1).allowed());
        }
        assertFalse("the local fallback bucket limits", open.acquire(p, "player:f", 1).allowed());
        for (int i = 0; i < 10; i++) {
            assertTrue("open without a fallback: allowed", bare.acquire(p, "player:f", 1).allowed());
            assertFalse("closed: refused", closed.acquire(p, "player:f", 1).allowed());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue("24 decisions without Redis took " + millis + " ms", millis < 2_000);
        HealthResult h = open.check();
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("failing open: decided by the local fallback limiter"));
        assertTrue(closed.check().reason(), closed.check().reason().contains("failing closed"));
        assertTrue(bare.check().reason(), bare.check().reason().contains("allowed (no fallback limiter)"));
    }

    @Test
    public void redisStoppedMidRunFallsBackAndComesBackByItself() throws Exception {
        Redis.Own own = Redis.own(RedisRateLimiterTest.class, 1);
        try {
            PlainRedisConnector there = TestRedis.at("127.0.0.1", own.port());
            connectors.add(there);
            RedisRateLimiter a = node(there, "open", new LocalRateLimiter());
            awaitUp(a);
            LimitPolicy p = LimitPolicy.parse("play", "100/1m");
            assertTrue(a.acquire(p, "player:r", 1).allowed());
            own.stop();
            long start = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                assertTrue("answered by the fallback", a.acquire(p, "player:r", 1).allowed());
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue("50 decisions while Redis is down took " + millis + " ms", millis < 1_000);
            assertEquals(HealthStatus.DEGRADED, a.check().status());
            own.start();
            long end = System.currentTimeMillis() + 15_000;
            while (a.check().status() != HealthStatus.UP || a.acquire(p, "player:r", 1).remaining() == 0) {
                if (System.currentTimeMillis() > end) {
                    throw new AssertionError("not back on Redis: " + a.check());
                }
                a.acquire(p, "player:r", 1);
                Thread.sleep(50);
            }
            long before = (long) a.check().details().get("fallbackDecisions");
            assertTrue(a.acquire(p, "player:r", 1).allowed());
            assertEquals("decided by Redis again", before, (long) a.check().details().get("fallbackDecisions"));
        } finally {
            own.stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
