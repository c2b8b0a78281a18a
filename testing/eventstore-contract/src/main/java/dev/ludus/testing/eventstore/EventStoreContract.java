package dev.ludus.testing.eventstore;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.event.WrongExpectedVersionException;

/**
 * The {@link EventStore} contract as tests: what the rooms runtime and recovery rely on, for every
 * backend. A backend's test extends this class and says how to open its store on the test's data
 * (empty at the first {@link #open()} of each test, the same data at later ones) and how to close
 * it; the tests here do the rest. Backend-specific behaviour (files, locks, connections) is
 * tested beside the backend.
 */
public abstract class EventStoreContract {

    private final List<EventStore> opened = new ArrayList<>();

    /** Opens the store on this test's data: empty the first time in a test, the same data after. */
    protected abstract EventStore open() throws Exception;

    /** Closes a store {@link #open()} returned; what it acknowledged must survive. */
    protected abstract void close(EventStore store) throws Exception;

    /** The backend's snapshot store on the same data, or null if it has none. */
    protected SnapshotStore snapshots(EventStore store) {
        return null;
    }

    /** How long the tests wait for an asynchronous append. */
    protected long waitSeconds() {
        return 30;
    }

    @After
    public void closeOpened() throws Exception {
        for (EventStore s : opened) {
            close(s);
        }
        opened.clear();
    }

    private EventStore store() throws Exception {
        EventStore s = open();
        opened.add(s);
        return s;
    }

    private EventStore reopen(EventStore s) throws Exception {
        opened.remove(s);
        close(s);
        return store();
    }

    // ---------------------------------------------------------------- appends and reads

    @Test
    public void appendThenReadVersionAndStreams() throws Exception {
        EventStore es = store();
        assertEquals(EventStore.NO_STREAM, es.version("game-1"));
        assertEquals(List.of(), es.read("game-1", 1, 10));
        assertEquals(Set.of(), es.streams());

        long before = System.currentTimeMillis();
        assertEquals(1, es.append("game-1", EventStore.NO_STREAM, List.of(event("started", "seed=7"))));
        assertEquals(3, es.append("game-1", 1, List.of(event("moved", "a"), event("moved", "b"))));
        assertEquals(1, es.append("game-2", EventStore.ANY, List.of(event("started", ""))));
        long after = System.currentTimeMillis();

        assertEquals(3, es.version("game-1"));
        assertEquals(1, es.version("game-2"));
        assertEquals(Set.of("game-1", "game-2"), es.streams());
        List<RecordedEvent> all = es.read("game-1", 1, 100);
        assertEquals(List.of(1L, 2L, 3L), all.stream().map(RecordedEvent::version).toList());
        assertEquals(List.of("started", "moved", "moved"), all.stream().map(RecordedEvent::type).toList());
        assertEquals("seed=7", text(all.get(0).data()));
        assertEquals("b", text(all.get(2).data()));
        assertEquals("game-1", all.get(2).stream());
        for (RecordedEvent e : all) {
            assertTrue("timestamp " + e.timestamp() + " is the time it was made durable",
                    e.timestamp() >= before - 1000 && e.timestamp() <= after + 1000);
        }
        assertEquals(0, es.read("game-2", 1, 1).get(0).data().length);

        assertEquals("from a version, at most maxCount", List.of(2L, 3L), versions(es.read("game-1", 2, 5)));
        assertEquals(List.of(2L), versions(es.read("game-1", 2, 1)));
        assertEquals(List.of(), es.read("game-1", 4, 5));
        assertEquals(List.of(), es.read("game-1", 1, 0));
        assertEquals("versions below 1 read from the start", 3, es.read("game-1", -5, 10).size());
    }

    @Test
    public void everythingSurvivesReopenAndVersionsContinue() throws Exception {
        EventStore es = store();
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        es.append("s", EventStore.NO_STREAM, List.of(new NewEvent("bin", binary), event("ünïcødé ✓ 🎲", "x")));
        es.append("t", EventStore.NO_STREAM, batch("t", 1, 5));

        EventStore again = reopen(es);
        assertEquals(2, again.version("s"));
        assertEquals(5, again.version("t"));
        assertEquals(Set.of("s", "t"), again.streams());
        assertArrayEquals(binary, again.read("s", 1, 1).get(0).data());
        assertEquals("ünïcødé ✓ 🎲", again.read("s", 2, 1).get(0).type());
        assertEquals(6, again.append("t", 5, batch("t", 6, 1)));
        assertEquals(List.of("t@1", "t@2", "t@3", "t@4", "t@5", "t@6"), texts(again.read("t", 1, 100)));
        assertCode(WrongExpectedVersionException.CODE,
                failure(again.appendAsync("s", EventStore.NO_STREAM, batch("s", 1, 1))));
    }

    @Test
    public void expectedVersionConflictsFailWithTheStableCodeAndAppendNothing() throws Exception {
        EventStore es = store();
        es.append("g", EventStore.NO_STREAM, batch("g", 1, 2));

        WrongExpectedVersionException e = (WrongExpectedVersionException)
                failure(es.appendAsync("g", EventStore.NO_STREAM, batch("g", 3, 1)));
        assertEquals("wrong_expected_version", e.code());
        assertEquals("g", e.stream());
        assertEquals(EventStore.NO_STREAM, e.expected());
        assertEquals(2, e.actual());

        try {
            es.append("g", 1, batch("g", 3, 1));
            fail("expected version 1 of a stream at 2 must fail");
        } catch (WrongExpectedVersionException w) {
            assertEquals(1, w.expected());
            assertEquals(2, w.actual());
        }
        WrongExpectedVersionException missing = (WrongExpectedVersionException)
                failure(es.appendAsync("nothing-here", 4, batch("nothing-here", 5, 1)));
        assertEquals(EventStore.NO_STREAM, missing.actual());
        assertCode(WrongExpectedVersionException.CODE, failure(es.appendAsync("g", 3, batch("g", 4, 1))));

        assertEquals("nothing was appended by the failures", 2, es.version("g"));
        assertEquals(List.of("g@1", "g@2"), texts(es.read("g", 1, 10)));
        assertEquals(EventStore.NO_STREAM, es.version("nothing-here"));
        assertFalse("a failed append to a new stream leaves no stream", es.streams().contains("nothing-here"));
        assertEquals("ANY appends whatever the version", 3, es.append("g", EventStore.ANY, batch("g", 3, 1)));
        assertEquals("an empty append checks the version and returns it", 3, es.append("g", 3, List.of()));
        assertCode(WrongExpectedVersionException.CODE, failure(es.appendAsync("g", 2, List.of())));
    }

    @Test
    public void multiEventAppendsAreAtomicAndContiguous() throws Exception {
        EventStore es = store();
        List<CompletionStage<Long>> stages = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stages.add(es.appendAsync("m", EventStore.ANY, batch("m", 0, 7)));
            stages.add(es.appendAsync("other", EventStore.ANY, batch("other", 0, 1)));
        }
        Set<Long> lastVersions = new HashSet<>();
        for (int i = 0; i < stages.size(); i += 2) {
            lastVersions.add(get(stages.get(i)));
        }
        assertEquals(140, es.version("m"));
        assertEquals(20, es.version("other"));
        for (long v = 7; v <= 140; v += 7) {
            assertTrue("each append's events are contiguous: an append ended at " + v, lastVersions.contains(v));
        }
        List<RecordedEvent> all = es.read("m", 1, 1000);
        assertEquals(140, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, all.get(i).version());
        }
    }

    @Test
    public void appendsToOneStreamCompleteInTheOrderTheyWereMade() throws Exception {
        EventStore es = store();
        int n = 300;
        AtomicInteger outOfOrder = new AtomicInteger();
        List<CompletableFuture<Long>> stages = new ArrayList<>();
        CompletableFuture<Long> previous = null;
        for (int i = 0; i < n; i++) {
            CompletableFuture<Long> f = es.appendAsync("o", i, batch("o", i + 1, 1)).toCompletableFuture();
            CompletableFuture<Long> before = previous;
            // when an append has completed, the one made before it must have completed too
            f.whenComplete((v, e) -> {
                if (before != null && !before.isDone()) {
                    outOfOrder.incrementAndGet();
                }
            });
            stages.add(f);
            previous = f;
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1L, (long) get(stages.get(i)));
        }
        assertEquals("appends completed before the one made before them", 0, outOfOrder.get());
        assertEquals(n, es.read("o", 1, 1000).size());
    }

    @Test
    public void aConflictFailsOnlyThatAppend() throws Exception {
        EventStore es = store();
        es.append("c", EventStore.NO_STREAM, batch("c", 1, 1));
        CompletionStage<Long> a = es.appendAsync("a", EventStore.NO_STREAM, batch("a", 1, 1));
        CompletionStage<Long> bad = es.appendAsync("c", 5, batch("c", 6, 1));
        CompletionStage<Long> c = es.appendAsync("c", 1, batch("c", 2, 1));
        CompletionStage<Long> d = es.appendAsync("d", EventStore.ANY, batch("d", 1, 3));
        assertEquals(1, (long) get(a));
        assertCode(WrongExpectedVersionException.CODE, failure(bad));
        assertEquals(2, (long) get(c));
        assertEquals(3, (long) get(d));
        assertEquals(List.of("c@1", "c@2"), texts(es.read("c", 1, 10)));
    }

    @Test
    public void concurrentWritersNeitherLoseNorDuplicate() throws Exception {
        EventStore es = store();
        int threads = 4;
        int perThread = 150;
        AtomicInteger conflicts = new AtomicInteger();
        ConcurrentHashMap<Long, Boolean> sharedVersions = new ConcurrentHashMap<>();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    String own = "own-" + id;
                    for (int i = 0; i < perThread; i++) {
                        // its own stream, expected versions; a shared one through ANY; a contended
                        // one through expected versions read just before (some must conflict)
                        assertEquals(i + 1L, es.append(own, i, batch(own, i + 1, 1)));
                        long v = es.append("shared", EventStore.ANY, List.of(event("by", own + "#" + i)));
                        assertTrue("version " + v + " handed out twice", sharedVersions.putIfAbsent(v, true) == null);
                        long seen = es.version("contended");
                        try {
                            es.append("contended", seen, List.of(event("by", own + "#" + i)));
                        } catch (WrongExpectedVersionException e) {
                            conflicts.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(waitSeconds() * 4));
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("a writer failed: " + errors.get(0), errors.get(0));
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(perThread, es.version("own-" + t));
        }
        assertEquals(threads * perThread, es.version("shared"));
        List<RecordedEvent> shared = es.read("shared", 1, threads * perThread + 10);
        assertEquals(threads * perThread, shared.size());
        assertEquals("every shared event once", threads * perThread, new HashSet<>(texts(shared)).size());
        long contended = es.version("contended");
        assertEquals("every contended append either landed or conflicted", threads * perThread,
                contended + conflicts.get());
        assertEquals(contended, es.read("contended", 1, 10_000).size());
    }

    @Test
    public void largePayloadsAndManyStreamsReadBackExactly() throws Exception {
        EventStore es = store();
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        es.append("big", EventStore.NO_STREAM, List.of(new NewEvent("blob", big), event("after", "small")));
        for (int i = 0; i < 200; i++) {
            es.appendAsync("many-" + i, EventStore.NO_STREAM, batch("many-" + i, 1, 2));
        }
        get(es.appendAsync("many-last", EventStore.NO_STREAM, batch("many-last", 1, 1)));
        EventStore again = reopen(es);
        assertArrayEquals(big, again.read("big", 1, 1).get(0).data());
        assertEquals("small", text(again.read("big", 2, 1).get(0).data()));
        assertEquals(202, again.streams().size());
        for (int i = 0; i < 200; i++) {
            assertEquals(List.of("many-" + i + "@1", "many-" + i + "@2"), texts(again.read("many-" + i, 1, 10)));
        }
    }

    // ---------------------------------------------------------------- bad input

    @Test
    public void badInputGetsAStableCodeAndChangesNothing() throws Exception {
        EventStore es = store();
        es.append("ok", EventStore.NO_STREAM, batch("ok", 1, 1));
        String longName = "x".repeat(256);
        String threeByteChars = "€".repeat(86); // 258 UTF-8 bytes in 86 chars
        String unpaired = "a\ud800b";
        for (String stream : new String[] {null, "", longName, threeByteChars, unpaired}) {
            assertCode("invalid_stream", () -> es.append(stream, EventStore.ANY, batch("x", 1, 1)));
            assertCode("invalid_stream", () -> es.read(stream, 1, 1));
            assertCode("invalid_stream", () -> es.version(stream));
        }
        assertCode("invalid_argument", () -> es.append("ok", -2, batch("ok", 2, 1)));
        assertCode("invalid_argument", () -> es.append("ok", EventStore.ANY, null));
        assertCode("invalid_argument", () -> es.read("ok", 1, -1));
        List<NewEvent> withNull = new ArrayList<>(batch("ok", 2, 1));
        withNull.add(null);
        assertCode("invalid_event", () -> es.append("ok", 1, withNull));
        assertCode("invalid_event", () -> es.append("ok", 1, List.of(event("t".repeat(256), "x"))));
        assertCode("invalid_event", () -> es.append("ok", 1, List.of(event("bad\udc00type", "x"))));
        assertCode("invalid_event", () -> es.append("ok", 1, List.of(new NewEvent("huge", new byte[(16 << 20) + 1]))));

        assertEquals("nothing changed", 1, es.version("ok"));
        assertEquals(Set.of("ok"), es.streams());
        assertEquals(List.of("ok@1"), texts(es.read("ok", 1, 10)));
        assertEquals("a name of exactly 255 bytes is fine", 1,
                es.append("y".repeat(255), EventStore.NO_STREAM, batch("y", 1, 1)));
    }

    // ---------------------------------------------------------------- snapshots

    @Test
    public void snapshotsKeepTheNewestAndCanBeDeleted() throws Exception {
        EventStore es = store();
        SnapshotStore snaps = snapshots(es);
        org.junit.Assume.assumeTrue("this backend has no snapshot store", snaps != null);
        assertTrue(snaps.latest("r").isEmpty());
        snaps.save(new Snapshot("r", 10, bytes("ten")));
        snaps.save(new Snapshot("r", 20, bytes("twenty")));
        snaps.save(new Snapshot("q", 3, new byte[0]));
        assertEquals(20, snaps.latest("r").orElseThrow().version());
        assertEquals("twenty", text(snaps.latest("r").orElseThrow().data()));

        EventStore again = reopen(es);
        SnapshotStore after = snapshots(again);
        assertEquals("twenty", text(after.latest("r").orElseThrow().data()));
        assertEquals(0, after.latest("q").orElseThrow().data().length);
        after.delete("r");
        assertTrue(after.latest("r").isEmpty());
        after.delete("never-saved");
        assertEquals(3, after.latest("q").orElseThrow().version());
    }

    // ---------------------------------------------------------------- helpers

    protected static NewEvent event(String type, String data) {
        return new NewEvent(type, bytes(data));
    }

    /** {@code n} events whose payloads name the stream and the version they are meant to get. */
    protected static List<NewEvent> batch(String stream, long firstVersion, int n) {
        List<NewEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(event("moved", stream + "@" + (firstVersion + i)));
        }
        return out;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String text(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }

    protected static List<String> texts(List<RecordedEvent> events) {
        return events.stream().map(e -> text(e.data())).toList();
    }

    protected static List<Long> versions(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::version).toList();
    }

    protected <T> T get(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(waitSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the append failed: " + e.getCause(), e.getCause());
        }
    }

    /** The exception a stage failed with, or a test failure if it succeeded. */
    protected Throwable failure(CompletionStage<Long> stage) {
        try {
            Long v = stage.toCompletableFuture().get(waitSeconds(), TimeUnit.SECONDS);
            fail("expected a failure, got version " + v);
            return null;
        } catch (ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    protected static void assertCode(String code, Throwable t) {
        if (t instanceof EventStoreException e) {
            assertEquals(t.getMessage(), code, e.code());
        } else if (t instanceof WrongExpectedVersionException e) {
            assertEquals(t.getMessage(), code, e.code());
        } else {
            throw new AssertionError("expected an exception with code " + code + ", got " + t, t);
        }
    }

    protected static void assertCode(String code, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            assertCode(code, e);
            return;
        }
        fail("expected an EventStoreException with code " + code);
    }
}
