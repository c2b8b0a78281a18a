package dev.ludus.store.memory;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import dev.ludus.api.store.VersionConflictException;
import dev.ludus.api.store.Versioned;

public class MemoryGameStoreTest {

    private final MemoryGameStore store = new MemoryGameStore();

    @Test
    public void createGetCompareAndSetRemove() {
        assertTrue(store.get("g").isEmpty());
        assertEquals(new Versioned<>(1, "a"), store.create("g", "a"));
        assertEquals("a", store.<String>get("g").orElseThrow().value());
        assertEquals(2, store.compareAndSet("g", 1, "b").version());
        assertEquals(new Versioned<>(2, "b"), store.get("g").orElseThrow());
        assertEquals(Set.of("g"), store.ids());
        assertFalse("wrong version", store.remove("g", 1));
        assertTrue(store.remove("g", 2));
        assertTrue(store.get("g").isEmpty());
        assertEquals(Set.of(), store.ids());
        assertEquals(1, store.create("g", "again").version());
    }

    @Test
    public void conflictsNameExpectedAndActualAndChangeNothing() {
        store.create("g", "a");
        VersionConflictException dup = assertThrows(VersionConflictException.class, () -> store.create("g", "x"));
        assertEquals(0, dup.expected());
        assertEquals(1, dup.actual());
        VersionConflictException stale = assertThrows(VersionConflictException.class, () -> store.compareAndSet("g", 5, "x"));
        assertEquals(5, stale.expected());
        assertEquals(1, stale.actual());
        assertEquals("version_conflict", stale.code());
        VersionConflictException missing = assertThrows(VersionConflictException.class, () -> store.compareAndSet("nope", 1, "x"));
        assertEquals(0, missing.actual());
        assertEquals(new Versioned<>(1, "a"), store.get("g").orElseThrow());
    }

    @Test
    public void concurrentWritersNeverLoseAnUpdate() throws Exception {
        int threads = 8;
        int incrementsEach = 20_000;
        store.create("counter", 0);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                go.await();
                int conflicts = 0;
                for (int i = 0; i < incrementsEach; i++) {
                    while (true) {
                        Versioned<Integer> cur = store.<Integer>get("counter").orElseThrow();
                        try {
                            store.compareAndSet("counter", cur.version(), cur.value() + 1);
                            break;
                        } catch (VersionConflictException e) {
                            conflicts++;
                        }
                    }
                }
                return conflicts;
            }));
        }
        go.countDown();
        for (Future<Integer> f : results) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        Versioned<Integer> end = store.<Integer>get("counter").orElseThrow();
        assertEquals(threads * incrementsEach, end.value().intValue());
        assertEquals(threads * incrementsEach + 1, end.version());
    }

    @Test
    public void removalRacingWithWritesNeverResurrects() throws Exception {
        for (int round = 0; round < 2_000; round++) {
            String id = "g" + round;
            store.create(id, "v");
            Thread writer = new Thread(() -> {
                try {
                    store.compareAndSet(id, 1, "w");
                } catch (VersionConflictException expected) {
                    // lost the race to the removal
                }
            });
            writer.start();
            boolean removed = store.remove(id, 1);
            writer.join();
            if (removed) {
                assertTrue("removed game stays removed", store.get(id).isEmpty());
            } else {
                assertEquals(2, store.get(id).orElseThrow().version());
            }
        }
    }

    @Test
    public void healthReportsCounts() {
        store.create("a", 1);
        assertThrows(VersionConflictException.class, () -> store.create("a", 2));
        assertEquals(1, store.check().details().get("games"));
        assertEquals(1L, store.check().details().get("conflicts"));
    }
}
