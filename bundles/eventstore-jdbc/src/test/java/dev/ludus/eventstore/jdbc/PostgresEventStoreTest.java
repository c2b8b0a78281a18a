package dev.ludus.eventstore.jdbc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Test;

import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.WrongExpectedVersionException;
import dev.ludus.testing.fixtures.TcpRelay;
import dev.ludus.testing.services.PostgresDatabase;
import dev.ludus.testing.services.PostgresRule;

/**
 * What the contract does not cover and PostgreSQL brings: several stores (nodes) on one schema,
 * the database going away and coming back, a commit whose answer is lost, the schema's versions.
 */
public class PostgresEventStoreTest {

    @ClassRule
    public static final PostgresRule PG = new PostgresRule();

    private final List<AutoCloseable> closing = new ArrayList<>();
    private HikariDataSource pool;
    private String schema;

    @Before
    public void connect() {
        pool = Pools.pool(PG.database(), 4);
        schema = "ludus_es_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @After
    public void cleanUp() throws Exception {
        Collections.reverse(closing);
        for (AutoCloseable c : closing) {
            c.close();
        }
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } finally {
            pool.close();
        }
    }

    private PostgresEventStore store(DataSource data, PostgresEventStore.Settings settings) {
        PostgresEventStore s = new PostgresEventStore(data, schema, settings, Clock.systemUTC(), "test");
        closing.add(s);
        return s;
    }

    private static NewEvent event(String data) {
        return new NewEvent("moved", data.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(RecordedEvent e) {
        return new String(e.data(), StandardCharsets.UTF_8);
    }

    private static Throwable failure(CompletionStage<Long> stage) throws Exception {
        try {
            long v = stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got version " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    public void twoNodesOnOneSchemaShareStreamsAndNeverWriteOneVersionTwice() throws Exception {
        HikariDataSource otherPool = Pools.pool(PG.database(), 4);
        closing.add(otherPool);
        PostgresEventStore a = store(pool, PostgresEventStore.Settings.defaults());
        PostgresEventStore b = store(otherPool, PostgresEventStore.Settings.defaults());
        int rounds = 200;
        AtomicInteger landed = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (PostgresEventStore node : List.of(a, b)) {
            for (int t = 0; t < 2; t++) {
                String who = (node == a ? "a" : "b") + t;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < rounds; i++) {
                            // new streams raced by both nodes, and one stream both append to by version
                            String fresh = "room-" + (i % 50) + "-" + (i / 50);
                            try {
                                node.append(fresh, EventStore.NO_STREAM, List.of(event(who + " created " + fresh)));
                                landed.incrementAndGet();
                            } catch (WrongExpectedVersionException e) {
                                conflicts.incrementAndGet();
                            }
                            long seen = node.version("shared");
                            try {
                                node.append("shared", seen, List.of(event(who + "#" + i)));
                                landed.incrementAndGet();
                            } catch (WrongExpectedVersionException e) {
                                conflicts.incrementAndGet();
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "writer-" + who);
                threads.add(th);
                th.start();
            }
        }
        for (Thread th : threads) {
            th.join(TimeUnit.MINUTES.toMillis(3));
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("a writer failed: " + errors.get(0), errors.get(0));
        }
        assertEquals("every append either landed or was told of the conflict", 4 * rounds * 2, landed.get() + conflicts.get());
        assertEquals("each new stream was created once", 200, a.streams().size() - 1);
        for (String s : b.streams()) {
            List<RecordedEvent> events = a.read(s, 1, 10_000);
            assertEquals(s, b.version(s), events.size());
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i + 1, events.get(i).version());
            }
        }
        List<RecordedEvent> shared = b.read("shared", 1, 10_000);
        assertEquals(shared.size(), new HashSet<>(shared.stream().map(PostgresEventStoreTest::text).toList()).size());
        assertEquals("all landed appends are there, none twice", landed.get(), 200 + shared.size());
    }

    @Test
    public void theDatabaseAwayFailsAppendsWithStoreUnavailableAndNothingIsHalfDone() throws Exception {
        PostgresDatabase db = PG.database();
        TcpRelay relay = new TcpRelay(db.server().port());
        closing.add(relay);
        String url = db.jdbcUrl().replace(":" + db.server().port() + "/", ":" + relay.port() + "/");
        assertTrue(url, url.contains(":" + relay.port() + "/"));
        HikariDataSource viaRelay = Pools.pool(url, db.user(), db.password(), 3);
        closing.add(viaRelay);
        PostgresEventStore es = store(viaRelay, PostgresEventStore.Settings.defaults());
        assertEquals(1, es.append("r", EventStore.NO_STREAM, List.of(event("1"))));

        relay.cut();
        Throwable away = failure(es.appendAsync("r", 1, List.of(event("2"))));
        assertTrue(String.valueOf(away), away instanceof EventStoreException);
        assertEquals(PostgresEventStore.STORE_UNAVAILABLE, ((EventStoreException) away).code());
        assertTrue(es.stats().failingSinceMillis() != 0);
        try {
            es.read("r", 1, 10);
            fail("read without the database");
        } catch (EventStoreException e) {
            assertEquals(PostgresEventStore.STORE_UNAVAILABLE, e.code());
        }

        relay.restore();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long v = 0;
        while (v == 0) {
            try {
                v = es.append("r", 1, List.of(event("2")));
            } catch (EventStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        assertEquals("the failed append left nothing: the retry got version 2", 2, v);
        assertEquals(0, es.stats().failingSinceMillis());
        assertEquals(List.of("1", "2"), es.read("r", 1, 10).stream().map(PostgresEventStoreTest::text).toList());
    }

    @Test
    public void aCommitWhoseAnswerIsLostIsFoundOutEitherWay() throws Exception {
        AtomicInteger mode = new AtomicInteger(); // 0: normal, 1: commit then lose the answer, 2: lose the connection instead of committing
        DataSource flaky = losingCommits(pool, mode);
        PostgresEventStore es = store(flaky, PostgresEventStore.Settings.defaults());
        assertEquals(1, es.append("c", EventStore.NO_STREAM, List.of(event("1"))));

        mode.set(1);
        assertEquals("committed, and found to be", 2, (long) es.appendAsync("c", 1, List.of(event("2")))
                .toCompletableFuture().get(60, TimeUnit.SECONDS));
        mode.set(2);
        Throwable lost = failure(es.appendAsync("c", 2, List.of(event("3"))));
        assertEquals(PostgresEventStore.STORE_UNAVAILABLE, ((EventStoreException) lost).code());
        assertTrue(lost.getMessage(), lost.getMessage().contains("did not take effect"));
        mode.set(0);
        assertEquals(3, es.append("c", 2, List.of(event("3 again"))));
        assertEquals(List.of("1", "2", "3 again"), es.read("c", 1, 10).stream().map(PostgresEventStoreTest::text).toList());
    }

    /** Connections whose commit, in mode 1, commits and then throws as a broken connection would; in mode 2 only throws. */
    private static DataSource losingCommits(DataSource real, AtomicInteger mode) {
        return (DataSource) Proxy.newProxyInstance(PostgresEventStoreTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (!method.getName().equals("getConnection")) {
                        return result;
                    }
                    Connection c = (Connection) result;
                    return Proxy.newProxyInstance(PostgresEventStoreTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                            (p, m, a) -> {
                                if (m.getName().equals("commit") && mode.get() != 0) {
                                    if (mode.get() == 1) {
                                        c.commit();
                                    } else {
                                        c.rollback();
                                    }
                                    throw new SQLException("connection lost (test)", "08006");
                                }
                                return invoke(c, m, a);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    public void tooManyWaitingAppendsAreRefusedAsOverloaded() throws Exception {
        PostgresEventStore es = store(pool, new PostgresEventStore.Settings(1, 1 << 20, 2, 1000));
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            all.add(es.appendAsync("o", EventStore.ANY, List.of(event("x" + i))).toCompletableFuture());
        }
        int ok = 0;
        int overloaded = 0;
        for (CompletableFuture<Long> f : all) {
            try {
                f.get(60, TimeUnit.SECONDS);
                ok++;
            } catch (ExecutionException e) {
                assertEquals(PostgresEventStore.OVERLOADED, ((EventStoreException) e.getCause()).code());
                overloaded++;
            }
        }
        assertTrue("some were refused", overloaded > 0);
        assertEquals("the rest all landed, once", ok, es.version("o"));
    }

    @Test
    public void aBlockingAppendFromTheWritersThreadIsRefused() throws Exception {
        PostgresEventStore es = store(pool, PostgresEventStore.Settings.defaults());
        es.append("w", EventStore.NO_STREAM, List.of(event("0")));
        // A stage completed before its dependent is registered runs the dependent on the caller's
        // thread: try until one runs on the writer's.
        for (int attempt = 0; attempt < 50; attempt++) {
            long v = es.version("w");
            CompletableFuture<Throwable> inner = new CompletableFuture<>();
            es.appendAsync("w", v, List.of(event("a" + attempt))).thenRun(() -> {
                if (!Thread.currentThread().getName().equals("ludus-eventstore-jdbc-writer")) {
                    inner.complete(null);
                    return;
                }
                try {
                    es.append("w", v + 1, List.of(event("b")));
                    inner.completeExceptionally(new AssertionError("a blocking append on the writer thread went through"));
                } catch (RuntimeException e) {
                    inner.complete(e);
                }
            });
            Throwable t = inner.get(30, TimeUnit.SECONDS);
            if (t != null) {
                assertEquals(PostgresEventStore.WRITER_THREAD, ((EventStoreException) t).code());
                assertEquals("nothing appended by the refused call", v + 1, es.version("w"));
                return;
            }
        }
        fail("no dependent stage ran on the writer thread in 50 attempts");
    }

    @Test
    public void aSchemaNewerThanTheCodeIsRefusedAndAnOlderOneMigrated() throws Exception {
        store(pool, PostgresEventStore.Settings.defaults()).close();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (" + (PostgresEventStore.MIGRATIONS.size() + 1) + ")");
        }
        try {
            store(pool, PostgresEventStore.Settings.defaults());
            fail("opened a schema newer than the code");
        } catch (EventStoreException e) {
            assertEquals(PostgresEventStore.IO_ERROR, e.code());
            assertTrue(e.getMessage(), e.getMessage().contains("newer"));
        }
        try {
            new PostgresEventStore(pool, "Bad-Name", PostgresEventStore.Settings.defaults(), Clock.systemUTC(), "test");
            fail("a schema name that is not an identifier");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("schema"));
        }
    }
}
