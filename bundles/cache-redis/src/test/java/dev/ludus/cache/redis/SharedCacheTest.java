package dev.ludus.cache.redis;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheCodec;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.cache.support.Owner;
import dev.ludus.redis.client.PlainRedisConnector;
import dev.ludus.testing.services.Redis;
import dev.ludus.testing.services.ServiceEndpoint;
import dev.ludus.testing.fixtures.TcpRelay;

/**
 * Shared and two-level caches against a real Redis (the local one, or an embedded one), each test
 * with a key prefix of its own; two "nodes" are two links with stores of their own.
 */
public class SharedCacheTest {

    private static final int TESTS = 9;
    private static final Owner STATS = new Owner(7, "dev.ludus.stats", "1.0.0");
    private ServiceEndpoint server;
    private String prefix;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** One node's view: its link to Redis and both kinds of store. */
    private final class Node {
        final RedisLink link;
        final SharedStore shared;
        final SharedStore twoLevel;

        Node(int port, Duration nearTtl) {
            PlainRedisConnector c = new PlainRedisConnector(server.host(), port, Duration.ofMillis(500));
            SharedStore[] two = new SharedStore[1];
            link = new RedisLink(c, prefix, 200, 100, m -> two[0].invalidation(m), () -> two[0].forgetNear());
            shared = new SharedStore(link, prefix, 0, nearTtl, x -> { }, x -> { });
            twoLevel = new SharedStore(link, prefix, 1000, nearTtl, x -> { }, x -> { });
            two[0] = twoLevel;
            open.add(link);
            open.add(c);
        }
    }

    @Before
    public void setUp() {
        server = Redis.server(SharedCacheTest.class, TESTS);
        prefix = "test:" + Long.toHexString(System.nanoTime());
    }

    @After
    public void tearDown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private Node node() throws InterruptedException {
        Node n = new Node(server.port(), Duration.ofSeconds(30));
        await("Redis", n.link::usable);
        return n;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static CacheSpec<String> profiles() {
        return CacheSpec.of("profiles", CacheCodec.UTF8);
    }

    @Test
    public void whatOneNodeWritesTheOtherReadsAndAnInvalidationReachesBoth() throws Exception {
        Node a = node();
        Node b = node();
        Cache<String> onA = a.shared.cache(STATS, profiles());
        Cache<String> onB = b.shared.cache(STATS, profiles());
        onA.put("p1", "ten games");
        assertEquals("ten games", onB.getIfPresent("p1"));
        assertEquals(Map.of("p1", "ten games"), onB.getAll(List.of("p1", "p2")));
        onB.invalidate("p1");
        assertNull(onA.getIfPresent("p1"));
        AtomicInteger loads = new AtomicInteger();
        assertEquals("loaded", onA.get("p2", k -> {
            loads.incrementAndGet();
            return "loaded";
        }));
        assertEquals("loaded", onB.get("p2", k -> {
            loads.incrementAndGet();
            return "loaded again";
        }));
        assertEquals("one node loaded it, the other read it from Redis", 1, loads.get());
    }

    @Test
    public void throughItsResiliencePolicyABreakerOpenSendsReadsToTheLoaderAndNothingToRedis() throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("attempts", 1));
        try {
            Node a = node();
            Node b = node();
            a.link.policy(resilience.policy(RedisCaches.POLICY));
            Cache<String> onA = a.shared.cache(STATS, profiles());
            Cache<String> onB = b.shared.cache(STATS, profiles());
            onA.put("p1", "through the policy");
            assertEquals("written through the policy", "through the policy", onB.getIfPresent("p1"));
            long calls = resilience.policies().stream().filter(s -> s.name().equals(RedisCaches.POLICY))
                    .mapToLong(s -> s.calls()).sum();
            assertTrue("the policy saw the command: " + calls, calls >= 1);

            resilience.force(RedisCaches.POLICY, dev.ludus.api.resilience.Resilience.Forced.OPEN);
            AtomicInteger loads = new AtomicInteger();
            assertEquals("the loader answers", "loaded", onA.get("p2", k -> {
                loads.incrementAndGet();
                return "loaded";
            }));
            assertEquals(1, loads.get());
            onA.put("p3", "kept from Redis");
            assertNull("nothing reached Redis while the breaker was open", onB.getIfPresent("p3"));
            assertTrue("refusals counted", a.link.refused.sum() >= 2);
            assertFalse("the breaker refusing is not Redis away", a.link.isAway());

            resilience.force(RedisCaches.POLICY, dev.ludus.api.resilience.Resilience.Forced.NONE);
            onA.put("p4", "back");
            assertEquals("back", onB.getIfPresent("p4"));
        } finally {
            resilience.deactivate();
        }
    }

    @Test
    public void aTwoLevelChangeReachesTheOtherNodesNearCache() throws Exception {
        Node a = node();
        Node b = node();
        Cache<String> onA = a.twoLevel.cache(STATS, profiles());
        Cache<String> onB = b.twoLevel.cache(STATS, profiles());
        onA.put("p1", "v1");
        assertEquals("v1", onB.getIfPresent("p1")); // now in B's near-cache, for 30 s
        onA.put("p1", "v2");
        long start = System.nanoTime();
        await("B to see v2", () -> "v2".equals(onB.getIfPresent("p1")));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue("the invalidation took " + millis + " ms", millis < 2_000);
        onA.invalidate("p1");
        await("B to see nothing", () -> onB.getIfPresent("p1") == null);
        onB.put("p3", "x");
        assertEquals("x", onA.getIfPresent("p3"));
        onB.invalidateAll();
        await("A to see nothing after invalidateAll", () -> onA.getIfPresent("p3") == null);
    }

    @Test
    public void callersOfOneNodeAskingForOneKeyAtOnceShareOneLoad() throws Exception {
        Node a = node();
        Cache<String> c = a.twoLevel.cache(STATS, profiles());
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                answers.add(pool.submit(() -> c.get("hot", k -> {
                    loads.incrementAndGet();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "value";
                })));
            }
            await("the load", () -> loads.get() == 1);
            Thread.sleep(100);
            release.countDown();
            for (Future<String> f : answers) {
                assertEquals("value", f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, loads.get());
    }

    @Test
    public void twoVersionsOfABundleNeverReadEachOthersBytes() throws Exception {
        Node a = node();
        Node b = node();
        a.shared.cache(STATS, profiles()).put("p1", "old format");
        a.shared.drop(STATS); // the bundle is updated on node a (same bundle id, new version)
        Cache<String> v2 = a.shared.cache(new Owner(7, "dev.ludus.stats", "1.1.0"), profiles());
        assertNull(v2.getIfPresent("p1"));
        v2.put("p1", "new format");
        assertEquals("node b still runs 1.0.0 and reads its own", "old format",
                b.shared.cache(STATS, profiles()).getIfPresent("p1"));
    }

    @Test
    public void anUnreadableEntryIsAMissAndIsDropped() throws Exception {
        Node a = node();
        Cache<String> c = a.shared.cache(STATS, profiles());
        c.put("p1", "fine");
        Cache<String> strict = a.shared.cache(new Owner(8, "dev.ludus.stats", "1.0.0"),
                CacheSpec.of("profiles", new CacheCodec<String>() {
                    @Override
                    public byte[] encode(String value) {
                        return value.getBytes(StandardCharsets.UTF_8);
                    }

                    @Override
                    public String decode(byte[] bytes) {
                        throw new IllegalArgumentException("not my format");
                    }
                }));
        assertNull(strict.getIfPresent("p1"));
        assertNull("dropped from Redis", c.getIfPresent("p1"));
        CacheStats s = a.shared.stats().stream().filter(x -> x.errors() > 0).findFirst().orElseThrow();
        assertEquals(1, s.errors());
    }

    @Test
    public void withRedisAwayReadsAreAnsweredByTheLoaderAndItComesBackByItself() throws Exception {
        try (TcpRelay relay = new TcpRelay(server.port())) {
            Node a = new Node(relay.port(), Duration.ofSeconds(30));
            await("Redis", a.link::usable);
            Cache<String> shared = a.shared.cache(STATS, profiles());
            Cache<String> two = a.twoLevel.cache(STATS, CacheSpec.of("lobby", CacheCodec.UTF8));
            shared.put("p1", "in Redis");
            two.put("l1", "near and in Redis");
            relay.cut();
            // Nothing thrown at a reader: misses answered by the loader; the near-cache still serves.
            for (int i = 0; i < 50; i++) {
                assertEquals("from the loader", shared.get("p1", k -> "from the loader"));
                assertEquals("near and in Redis", two.getIfPresent("l1"));
                shared.put("p" + i, "dropped");
            }
            await("the link to notice", a.link::isAway);
            relay.restore();
            await("Redis back", a.link::usable);
            assertEquals("in Redis", shared.getIfPresent("p1"));
            assertEquals("near entries that may have missed invalidations are forgotten", 0,
                    a.twoLevel.all().get(0).stats().size());
        }
    }

    @Test
    public void anOwnersCachesGoWithItAndAnswerFromTheLoaderAfterwards() throws Exception {
        Node a = node();
        Cache<String> c = a.twoLevel.cache(STATS, profiles());
        c.put("p1", "v");
        a.twoLevel.drop(STATS);
        assertEquals(0, a.twoLevel.count());
        assertNull(c.getIfPresent("p1"));
        assertEquals("loaded", c.get("p1", k -> "loaded"));
        c.put("p2", "ignored");
        Cache<String> again = a.twoLevel.cache(STATS, profiles());
        assertEquals("Redis keeps the bytes for the bundle's next start", "v", again.getIfPresent("p1"));
        assertNull(again.getIfPresent("p2"));
        assertFalse(again == c);
    }

    @Test
    public void invalidateAllRemovesOnlyThatCachesKeys() throws Exception {
        Node a = node();
        Cache<String> profiles = a.shared.cache(STATS, profiles());
        Cache<String> boards = a.shared.cache(STATS, CacheSpec.of("leaderboards", CacheCodec.UTF8));
        for (int i = 0; i < 2_500; i++) {
            profiles.put("p" + i, "v");
        }
        boards.put("liaptui", "top");
        assertTrue(a.shared.invalidateAll("dev.ludus.stats", "profiles"));
        assertNull(profiles.getIfPresent("p1"));
        assertNull(profiles.getIfPresent("p2499"));
        assertEquals("top", boards.getIfPresent("liaptui"));
    }
}
