package dev.ludus.cache.caffeine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheCodec;
import dev.ludus.api.cache.CacheException;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.cache.support.OwnedCaches;
import dev.ludus.cache.support.Owner;

public class LocalCacheStoreTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> made = new CopyOnWriteArrayList<>();
    private final List<String> gone = new CopyOnWriteArrayList<>();
    private final LocalCacheStore store = new LocalCacheStore(c -> made.add(c.name()), c -> gone.add(c.name()), now::get);
    private final Owner stats = new Owner(7, "dev.ludus.stats", "1.0.0");
    private final Owner archive = new Owner(8, "dev.ludus.archive", "1.0.0");

    @Test
    public void callersAskingForOneKeyAtOnceShareOneLoad() throws Exception {
        Cache<String> c = store.cache(stats, CacheSpec.of("profiles", CacheCodec.UTF8));
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch inLoader = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                answers.add(pool.submit(() -> c.get("player-1", k -> {
                    loads.incrementAndGet();
                    inLoader.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "profile of " + k;
                })));
            }
            assertTrue(inLoader.await(10, TimeUnit.SECONDS));
            Thread.sleep(100); // the other callers reach the cache meanwhile
            release.countDown();
            for (Future<String> f : answers) {
                assertEquals("profile of player-1", f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, loads.get());
        CacheStats s = store.stats().get(0);
        assertEquals(1, s.loads());
        assertEquals(16, s.hits() + s.misses());
    }

    @Test
    public void aLoaderThatFindsNothingOrFailsCachesNothing() {
        Cache<String> c = store.cache(stats, CacheSpec.of("profiles", CacheCodec.UTF8));
        assertNull(c.get("ghost", k -> null));
        assertNull(c.getIfPresent("ghost"));
        try {
            c.get("broken", k -> {
                throw new IllegalStateException("archive away");
            });
            fail("the loader's failure reaches the caller");
        } catch (IllegalStateException expected) {
            assertEquals("archive away", expected.getMessage());
        }
        assertNull(c.getIfPresent("broken"));
        assertEquals("found", c.get("broken", k -> "found"));
        assertEquals("found", c.getIfPresent("broken"));
    }

    @Test
    public void entriesStayWithinTheirBoundsOfCountAndTime() {
        Cache<String> c = store.cache(stats, CacheSpec.of("lobby", CacheCodec.UTF8).withMaxEntries(100)
                .withTimeToLive(Duration.ofSeconds(30)));
        for (int i = 0; i < 1_000; i++) {
            c.put("k" + i, "v" + i);
        }
        CacheStats s = store.stats().get(0);
        assertTrue("size " + s.size(), s.size() <= 100);
        assertTrue("evictions " + s.evictions(), s.evictions() >= 900);
        c.put("fresh", "v");
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        assertEquals("v", c.getIfPresent("fresh"));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertNull("past its time to live", c.getIfPresent("fresh"));
    }

    @Test
    public void askingAgainWithOtherBoundsKeepsTheEntriesAndAppliesThem() {
        Cache<String> c = store.cache(stats, CacheSpec.of("lobby", CacheCodec.UTF8).withMaxEntries(1_000));
        for (int i = 0; i < 500; i++) {
            c.put("k" + i, "v" + i);
        }
        Cache<String> again = store.cache(stats, CacheSpec.of("lobby", CacheCodec.UTF8).withMaxEntries(50));
        assertSame(c, again);
        again.getIfPresent("k1"); // maintenance runs on the caller's thread
        assertTrue("shrunk to " + store.stats().get(0).size(), store.stats().get(0).size() <= 50);
        assertEquals(List.of("lobby"), made);
        CacheException e = expect(() -> store.cache(stats, CacheSpec.of("lobby", CacheCodec.BYTES)));
        assertEquals("cache_codec_changed", e.code());
    }

    @Test
    public void eachOwnerHasCachesOfItsOwnAndTheyGoWithIt() {
        Cache<String> mine = store.cache(stats, CacheSpec.of("records", CacheCodec.UTF8));
        Cache<String> theirs = store.cache(archive, CacheSpec.of("records", CacheCodec.UTF8));
        mine.put("g1", "stats' view");
        theirs.put("g1", "archive's view");
        assertEquals("stats' view", mine.getIfPresent("g1"));
        store.drop(stats);
        assertEquals(List.of("records"), gone);
        assertNull(mine.getIfPresent("g1"));
        assertEquals("from the loader", mine.get("g1", k -> "from the loader"));
        mine.put("g2", "dropped");
        assertNull(mine.getIfPresent("g2"));
        assertEquals("archive's view", theirs.getIfPresent("g1"));
        assertEquals(1, store.count());
        // the owner, started again, gets a new, empty cache
        Cache<String> again = store.cache(stats, CacheSpec.of("records", CacheCodec.UTF8));
        assertNull(again.getIfPresent("g1"));
    }

    @Test
    public void aLateCallFromAnOwnerThatLetGoLeavesNothing() {
        OwnedCaches view = new OwnedCaches(store, stats);
        view.cache(CacheSpec.of("records", CacheCodec.UTF8)).put("g1", "x");
        view.release();
        Cache<String> late = view.cache(CacheSpec.of("records", CacheCodec.UTF8));
        late.put("g2", "y");
        assertNull(late.getIfPresent("g2"));
        assertEquals(0, store.count());
    }

    @Test
    public void theClassesOfADroppedOwnersValuesCanBeCollected() throws Exception {
        Cache<Object> c = store.cache(stats, CacheSpec.of("objects", new CacheCodec<Object>() {
            @Override
            public byte[] encode(Object value) {
                return new byte[0];
            }

            @Override
            public Object decode(byte[] bytes) {
                return null;
            }
        }));
        WeakReference<ClassLoader> loader = fillWithValuesOfAThrowawayLoader(c);
        store.drop(stats);
        for (int i = 0; i < 50 && loader.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull("the owner's class loader is still reachable from the cache", loader.get());
    }

    private static WeakReference<ClassLoader> fillWithValuesOfAThrowawayLoader(Cache<Object> c) throws Exception {
        URL here = LocalCacheStoreTest.class.getProtectionDomain().getCodeSource().getLocation();
        URLClassLoader l = new URLClassLoader(new URL[] {here}, null);
        Class<?> type = l.loadClass(Payload.class.getName());
        for (int i = 0; i < 100; i++) {
            c.put("k" + i, type.getDeclaredConstructor().newInstance());
        }
        c.get("loaded", k -> {
            try {
                return type.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        });
        assertFalse(c.getIfPresent("k1") instanceof Payload); // another loader's class
        WeakReference<ClassLoader> ref = new WeakReference<>(l);
        l.close();
        return ref;
    }

    /** A value type loaded again by a throwaway class loader. */
    public static final class Payload {
        final byte[] body = new byte[1024];
    }

    @Test
    public void badInputIsRefusedWithItsCodeAndChangesNothing() {
        Cache<String> c = store.cache(stats, CacheSpec.of("profiles", CacheCodec.UTF8));
        c.put("k", "v");
        assertEquals("cache_invalid_key", expect(() -> c.getIfPresent(" ")).code());
        assertEquals("cache_invalid_key", expect(() -> c.get(null, k -> "x")).code());
        assertEquals("cache_invalid_key", expect(() -> c.put("x".repeat(513), "v")).code());
        assertEquals("cache_invalid_key", expect(() -> c.getAll(List.of("k", ""))).code());
        assertEquals("cache_null_value", expect(() -> c.put("k", null)).code());
        assertEquals("cache_invalid_name", expect(() -> CacheSpec.of("Profiles!", CacheCodec.UTF8)).code());
        assertEquals("cache_invalid_name", expect(() -> CacheSpec.of("", CacheCodec.UTF8)).code());
        assertEquals("cache_invalid_bounds", expect(() -> CacheSpec.of("p", CacheCodec.UTF8).withMaxEntries(0)).code());
        assertEquals("cache_invalid_bounds",
                expect(() -> CacheSpec.of("p", CacheCodec.UTF8).withTimeToLive(Duration.ZERO)).code());
        assertEquals("cache_invalid_bounds",
                expect(() -> CacheSpec.of("p", CacheCodec.UTF8).withTimeToLive(Duration.ofDays(31))).code());
        assertEquals("v", c.getIfPresent("k"));
        assertEquals(1, store.count());
    }

    @Test
    public void figuresCountHitsMissesAndLoads() {
        Cache<String> c = store.cache(stats, CacheSpec.of("profiles", CacheCodec.UTF8));
        for (int i = 0; i < 10; i++) {
            c.get("k" + (i % 2), k -> "v");
        }
        assertEquals(Map.of("k0", "v", "k1", "v"), c.getAll(List.of("k0", "k1", "k2")));
        CacheStats s = store.stats().get(0);
        assertEquals("dev.ludus.stats", s.owner());
        assertEquals("local", s.level());
        assertEquals(2, s.loads());
        assertEquals(10, s.hits());
        assertEquals(3, s.misses());
        assertEquals(10 / 13.0, s.hitRatio(), 1e-9);
        assertTrue(store.invalidateAll("dev.ludus.stats", "profiles"));
        assertFalse(store.invalidateAll("dev.ludus.stats", "nothing"));
        assertNull(c.getIfPresent("k0"));
    }

    private static CacheException expect(Runnable r) {
        try {
            r.run();
        } catch (CacheException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }
}
