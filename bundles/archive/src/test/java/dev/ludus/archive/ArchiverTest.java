package dev.ludus.archive;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;

/**
 * The worker against an in-memory backend that can be told to fail: the failure modes of a real
 * backend (an outage, a batch half stored) are injected here; the real backends are exercised by
 * their own tests and the integration tests.
 */
public class ArchiverTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** Stores in a map; fails while {@link #down} is set, optionally after storing half a batch. */
    static final class MemoryBackend implements ArchiveBackend {
        final String name;
        final Map<String, CompletedGame> games = new ConcurrentHashMap<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger duplicates = new AtomicInteger();
        volatile boolean down;
        volatile boolean storeHalfBeforeFailing;
        volatile long slowMillis;

        MemoryBackend(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void store(Collection<CompletedGame> batch) {
            calls.incrementAndGet();
            if (slowMillis > 0) {
                try {
                    Thread.sleep(slowMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ArchiveException("backend_unavailable", name + " interrupted", e);
                }
            }
            List<CompletedGame> list = new ArrayList<>(batch);
            int n = down ? (storeHalfBeforeFailing ? list.size() / 2 : 0) : list.size();
            for (CompletedGame g : list.subList(0, n)) {
                if (games.putIfAbsent(g.gameId(), g) != null) {
                    duplicates.incrementAndGet(); // idempotent: the second copy is ignored
                }
            }
            if (down) {
                throw new ArchiveException("backend_unavailable", name + " is down", null);
            }
        }

        @Override
        public Optional<CompletedGame> load(String gameId) {
            return Optional.ofNullable(games.get(gameId));
        }

        @Override
        public List<CompletedGame> query(ArchiveQuery query) {
            return List.of();
        }

        @Override
        public void forEachId(Consumer<String> action) {
            games.keySet().forEach(action);
        }

        @Override
        public int deleteCompletedBefore(Instant cutoff) {
            return 0;
        }
    }

    private DurableQueue queue;
    private Archiver archiver;
    private final AtomicReference<Archiver.Target> active = new AtomicReference<>();

    @Before
    public void open() throws Exception {
        queue = new DurableQueue(tmp.newFolder("q").toPath(), 1 << 20, Clock.systemUTC());
        archiver = new Archiver(queue, active::get,
                new Archiver.Settings(16, 1 << 20, Duration.ofMillis(20), Duration.ofMillis(200)), Clock.systemUTC());
    }

    @After
    public void close() {
        archiver.close(Duration.ofSeconds(5));
        queue.close();
    }

    private void use(MemoryBackend b) {
        active.set(b == null ? null : new Archiver.Target(b.name, b));
        archiver.backendChanged();
    }

    private static void await(String what, long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    public void queuedGamesMoveToTheBackendInBatchesAndLeaveTheQueue() throws Exception {
        MemoryBackend fs = new MemoryBackend("fs");
        for (int i = 0; i < 100; i++) {
            queue.append(Games.game(i));
        }
        use(fs);
        await("all archived", 10_000, () -> fs.games.size() == 100 && queue.depth() == 0);
        assertEquals("batches of 16", 7, fs.calls.get());
        assertEquals(100, archiver.status().archivedTotal());
        assertEquals(Optional.of("fs"), archiver.status().activeBackend());
        for (int i = 0; i < 100; i++) {
            assertTrue(Games.same(Games.game(i), fs.games.get("g-" + i)));
        }
    }

    @Test
    public void withNoBackendTheQueueHoldsEverything() throws Exception {
        for (int i = 0; i < 20; i++) {
            queue.append(Games.game(i));
        }
        Thread.sleep(300);
        assertEquals(20, queue.depth());
        assertEquals(Optional.empty(), archiver.status().activeBackend());
        MemoryBackend fs = new MemoryBackend("fs");
        use(fs);
        await("drained once a backend arrives", 5_000, () -> queue.depth() == 0);
        assertEquals(20, fs.games.size());
    }

    @Test
    public void anOutageKeepsGamesQueuedRetriesWithGrowingPausesAndDrainsWhenItEnds() throws Exception {
        MemoryBackend db = new MemoryBackend("jdbc");
        db.down = true;
        db.storeHalfBeforeFailing = true; // the worst case: part of a batch landed before the failure
        for (int i = 0; i < 50; i++) {
            queue.append(Games.game(i));
        }
        use(db);
        await("several failed attempts", 5_000, () -> archiver.consecutiveFailures() >= 4);
        assertEquals("nothing removed while failing", 50, queue.depth());
        assertTrue(archiver.status().lastFailure().orElse("").contains("jdbc is down"));
        assertTrue(archiver.failingSince() != null);
        // Pauses grow: with 20 ms doubling to 200 ms, 4 failures take well over 4 x 20 ms.
        int attempts = db.calls.get();
        Thread.sleep(400);
        assertTrue("backing off, not spinning: " + (db.calls.get() - attempts) + " calls in 400 ms",
                db.calls.get() - attempts <= 5);

        db.down = false;
        await("drained after the outage", 5_000, () -> queue.depth() == 0);
        assertEquals(50, db.games.size());
        assertEquals(0, archiver.consecutiveFailures());
        assertTrue("retried batches were re-sent; the backend ignored the copies", db.duplicates.get() > 0);
        assertEquals(50, archiver.status().archivedTotal());
        assertTrue(archiver.status().failuresTotal() >= 4);
    }

    @Test
    public void afterASwitchTheNextBatchGoesToTheNewBackend() throws Exception {
        MemoryBackend fs = new MemoryBackend("fs");
        MemoryBackend db = new MemoryBackend("jdbc");
        use(fs);
        for (int i = 0; i < 30; i++) {
            queue.append(Games.game(i));
        }
        await("first games on fs", 5_000, () -> queue.depth() == 0);
        use(db);
        for (int i = 30; i < 60; i++) {
            queue.append(Games.game(i));
        }
        await("later games on jdbc", 5_000, () -> queue.depth() == 0);
        assertEquals(30, fs.games.size());
        assertEquals(30, db.games.size());
        for (String id : db.games.keySet()) {
            assertFalse("each game in one backend only: " + id, fs.games.containsKey(id));
        }
        assertEquals(Optional.of("jdbc"), archiver.status().activeBackend());
    }

    @Test
    public void aFailingBackendReplacedByAWorkingOneDrainsAtOnce() throws Exception {
        MemoryBackend db = new MemoryBackend("jdbc");
        db.down = true;
        archiver.update(new Archiver.Settings(16, 1 << 20, Duration.ofSeconds(30), Duration.ofSeconds(30)));
        use(db);
        queue.append(Games.game(1));
        await("a failure", 5_000, () -> archiver.consecutiveFailures() >= 1);
        MemoryBackend fs = new MemoryBackend("fs");
        long switchedAt = System.nanoTime();
        use(fs); // wakes the worker: no need to sit out the 30 s pause
        await("archived on fs", 5_000, () -> fs.games.size() == 1);
        assertTrue(System.nanoTime() - switchedAt < 5_000_000_000L);
    }

    /** A worker writing through the resilience policies of {@code resilience}. */
    private Archiver throughPolicies(dev.ludus.resilience.ResilienceService resilience) {
        archiver.close(Duration.ofSeconds(5));
        archiver = new Archiver(queue, active::get,
                new Archiver.Settings(16, 1 << 20, Duration.ofMillis(20), Duration.ofMillis(200)), Clock.systemUTC(), null,
                resilience::policy);
        return archiver;
    }

    @Test
    public void throughAPolicyItsBreakerStopsWritesToAFailingBackendAndAHalfOpenTrialDrainsTheQueue() throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("attempts", 2, "retryWaitMillis", 1, "windowCalls", 4, "minimumCalls", 4,
                "openMillis", 600, "halfOpenCalls", 1));
        try {
            throughPolicies(resilience);
            MemoryBackend db = new MemoryBackend("jdbc");
            db.down = true;
            for (int i = 0; i < 40; i++) {
                queue.append(Games.game(i));
            }
            use(db);
            await("the breaker open", 5_000, () -> resilience.policy("archive.jdbc").status().refusing());
            int calls = db.calls.get();
            assertEquals("two attempts a call, four failed attempts opened it", 4, calls);
            Thread.sleep(300);
            assertEquals("no write while the breaker is open", calls, db.calls.get());
            assertTrue(archiver.status().lastFailure().orElse(""), archiver.status().lastFailure().orElse("")
                    .contains("resilience_open"));
            assertEquals(40, queue.depth());
            db.down = false;
            await("drained by the trial call and after", 5_000, () -> queue.depth() == 0);
            assertEquals(40, db.games.size());
            assertEquals(dev.ludus.api.resilience.PolicyStatus.State.CLOSED,
                    resilience.policy("archive.jdbc").status().state());
        } finally {
            resilience.deactivate();
        }
    }

    @Test
    public void aBackendChangeCutsTheWaitForAnOpenBreakerShort() throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("attempts", 1, "windowCalls", 2, "minimumCalls", 2, "openMillis", 60_000));
        try {
            throughPolicies(resilience);
            MemoryBackend db = new MemoryBackend("jdbc");
            db.down = true;
            use(db);
            queue.append(Games.game(1));
            await("the breaker open", 5_000, () -> resilience.policy("archive.jdbc").status().refusing());
            MemoryBackend fs = new MemoryBackend("fs");
            long switchedAt = System.nanoTime();
            use(fs); // its own policy, closed; the worker is woken out of its minute's wait
            await("archived on fs", 5_000, () -> fs.games.size() == 1);
            assertTrue(System.nanoTime() - switchedAt < 5_000_000_000L);
        } finally {
            resilience.deactivate();
        }
    }

    @Test
    public void aWritePastThePolicysTimeLimitIsAFailureTheGamesStayQueued() throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("attempts", 1, "timeoutMillis", 100));
        try {
            throughPolicies(resilience);
            MemoryBackend db = new MemoryBackend("jdbc");
            db.slowMillis = 2_000;
            queue.append(Games.game(1));
            use(db);
            await("a failure counted", 5_000, () -> archiver.consecutiveFailures() >= 1);
            assertTrue(archiver.status().lastFailure().orElse(""), archiver.status().lastFailure().orElse("")
                    .contains("gave up an attempt after 100 ms"));
            assertEquals(1, queue.depth());
            db.slowMillis = 0;
            await("archived once the backend is quick again", 10_000, () -> queue.depth() == 0);
        } finally {
            resilience.deactivate();
        }
    }
}
