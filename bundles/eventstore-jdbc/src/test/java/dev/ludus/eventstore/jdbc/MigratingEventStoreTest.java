package dev.ludus.eventstore.jdbc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.services.PostgresRule;

/**
 * Live migration from the file log to PostgreSQL while rooms append: every acknowledged append is
 * in PostgreSQL once, in order; nothing reaches the file log for a stream after it moved; history
 * and snapshots come along; a migration stopped half-way goes on where it stood.
 */
public class MigratingEventStoreTest {

    @ClassRule
    public static final PostgresRule PG = new PostgresRule();

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private HikariDataSource pool;
    private String schema;
    private EventLog source;
    private MemoryEventStore sourceSnapshots;
    private PostgresEventStore target;

    @Before
    public void open() throws Exception {
        pool = Pools.pool(PG.database(), 6);
        schema = "ludus_mig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        source = EventLog.open(tmp.newFolder().toPath().resolve("events"), LogSettings.defaults(), Clock.systemUTC());
        sourceSnapshots = new MemoryEventStore();
        target = new PostgresEventStore(pool, schema, PostgresEventStore.Settings.defaults(), Clock.systemUTC(), "test");
    }

    @After
    public void close() throws Exception {
        later.shutdownNow();
        target.close();
        source.close();
        sourceSnapshots.close();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } finally {
            pool.close();
        }
    }

    private static NewEvent event(String stream, long version) {
        return new NewEvent("moved", (stream + "@" + version).getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> texts(List<RecordedEvent> events) {
        return events.stream().map(e -> new String(e.data(), StandardCharsets.UTF_8)).toList();
    }

    private void history(int streams, int events) {
        for (int s = 0; s < streams; s++) {
            String name = "old-" + s;
            List<NewEvent> all = new ArrayList<>();
            for (int v = 1; v <= events; v++) {
                all.add(event(name, v));
            }
            source.append(name, EventStore.NO_STREAM, all);
        }
        sourceSnapshots.save(new Snapshot("old-3", 10, "state@10".getBytes(StandardCharsets.UTF_8)));
    }

    /** Rooms appending through the migrating store; acked versions per stream. */
    private final class Rooms {
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();

        void start(EventStore es, int rooms, String prefix) {
            for (int r = 0; r < rooms; r++) {
                String stream = prefix + r;
                boolean pipelined = r % 3 == 0; // two appends in flight at once, as a store allows
                Thread t = new Thread(() -> {
                    try {
                        long v = es.version(stream);
                        while (!stop.get()) {
                            if (pipelined) {
                                var first = es.appendAsync(stream, v, List.of(event(stream, v + 1)));
                                var second = es.appendAsync(stream, v + 1, List.of(event(stream, v + 2)));
                                assertEquals(v + 1, (long) first.toCompletableFuture().get(60, TimeUnit.SECONDS));
                                acked.put(stream, v + 1);
                                assertEquals(v + 2, (long) second.toCompletableFuture().get(60, TimeUnit.SECONDS));
                                v += 2;
                            } else {
                                v = es.append(stream, v, List.of(event(stream, v + 1)));
                            }
                            acked.put(stream, v);
                            Thread.sleep(1);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "room-" + stream);
                threads.add(t);
                t.start();
            }
        }

        void stopAndCheck() throws Exception {
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
            if (!errors.isEmpty()) {
                throw new AssertionError("a room failed: " + errors.get(0), errors.get(0));
            }
        }
    }

    @Test
    public void everyStreamMovesUnderPlayWithNothingLostOrTwice() throws Exception {
        history(200, 20);
        // rooms that were playing on the file store before the migration began
        for (int r = 0; r < 12; r++) {
            source.append("live-" + r, EventStore.NO_STREAM, List.of(event("live-" + r, 1)));
        }
        // Appends reach the file log 3 ms late, as behind a slower disk: moves then find appends in flight.
        MigratingEventStore es = new MigratingEventStore(slow(source), sourceSnapshots, target, target, 5000);
        Rooms rooms = new Rooms();
        rooms.start(es, 12, "live-");
        Rooms newRooms = new Rooms();
        Thread.sleep(200);
        Thread mover = new Thread(() -> assertTrue(es.run()));
        mover.start();
        Thread.sleep(50);
        newRooms.start(es, 4, "new-"); // games created while the migration runs
        mover.join(TimeUnit.MINUTES.toMillis(2));
        assertTrue("the migration ended", !mover.isAlive());
        Thread.sleep(300); // play goes on, on PostgreSQL
        rooms.stopAndCheck();
        newRooms.stopAndCheck();

        MigratingEventStore.Progress p = es.progress();
        assertTrue(p.done());
        assertEquals(212, p.streams());
        assertEquals(212, p.moved());
        for (Map.Entry<String, Long> a : rooms.acked.entrySet()) {
            String s = a.getKey();
            List<String> got = texts(target.read(s, 1, 100_000));
            assertEquals(s + ": every acknowledged append is in PostgreSQL once, in order", a.getValue().longValue(), got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(s + "@" + (i + 1), got.get(i));
            }
            List<String> old = texts(source.read(s, 1, 100_000));
            assertEquals(s + ": the file log holds a prefix, and nothing after the move", got.subList(0, old.size()), old);
            assertTrue(s + " moved with appends still to come", old.size() < got.size());
        }
        for (Map.Entry<String, Long> a : newRooms.acked.entrySet()) {
            assertEquals(a.getValue().longValue(), target.version(a.getKey()));
            assertEquals("a new game never touches the file log", EventStore.NO_STREAM, source.version(a.getKey()));
        }
        for (int s = 0; s < 200; s++) {
            assertEquals(texts(source.read("old-" + s, 1, 100)), texts(target.read("old-" + s, 1, 100)));
        }
        assertEquals("the snapshot came along", 10, target.latest("old-3").orElseThrow().version());
        assertEquals("reads through the migrating store see PostgreSQL now", target.version("live-0"), es.version("live-0"));
        assertEquals(216, es.streams().size());
    }

    private final java.util.concurrent.ScheduledExecutorService later =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    /** The store, with every append reaching it 3 ms after it was made (in order), as a slow disk queue would. */
    private EventStore slow(EventStore store) {
        return (EventStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {EventStore.class},
                (proxy, m, args) -> {
                    if (!m.getName().equals("appendAsync")) {
                        try {
                            return m.invoke(store, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                    java.util.concurrent.CompletableFuture<Long> delayed = new java.util.concurrent.CompletableFuture<>();
                    later.schedule(() -> store.appendAsync((String) args[0], (Long) args[1], castEvents(args[2]))
                            .whenComplete((v, e) -> {
                                if (e != null) {
                                    delayed.completeExceptionally(e);
                                } else {
                                    delayed.complete(v);
                                }
                            }), 3, TimeUnit.MILLISECONDS);
                    return delayed;
                });
    }

    @SuppressWarnings("unchecked")
    private static List<NewEvent> castEvents(Object o) {
        return (List<NewEvent>) o;
    }

    @Test
    public void aMigrationStoppedHalfWayGoesOnWhereItStood() throws Exception {
        history(30, 5);
        MigratingEventStore first = new MigratingEventStore(source, sourceSnapshots, target, target, 5000);
        for (int s = 0; s < 10; s++) {
            assertTrue(first.move("old-" + s));
        }
        // moved streams get their next appends in PostgreSQL; the others still in the file log
        assertEquals(6, first.append("old-0", 5, List.of(event("old-0", 6))));
        assertEquals(6, first.append("old-20", 5, List.of(event("old-20", 6))));
        assertEquals(5, source.version("old-0"));
        assertEquals(6, target.version("old-0"));
        assertEquals(6, source.version("old-20"));

        // "restart": a new migrating store on the same stores finds where each stream is
        MigratingEventStore again = new MigratingEventStore(source, sourceSnapshots, target, target, 5000);
        assertEquals(6, again.version("old-0"));
        assertEquals(7, again.append("old-0", 6, List.of(event("old-0", 7))));
        assertTrue(again.run());
        for (int s = 0; s < 30; s++) {
            String name = "old-" + s;
            long expected = s == 0 ? 7 : s == 20 ? 6 : 5;
            assertEquals(name, expected, target.version(name));
            List<String> got = texts(target.read(name, 1, 100));
            for (int i = 0; i < got.size(); i++) {
                assertEquals(name + "@" + (i + 1), got.get(i));
            }
        }
        assertEquals("nothing more reached the file log for a moved stream", 5, source.version("old-0"));
    }
}
