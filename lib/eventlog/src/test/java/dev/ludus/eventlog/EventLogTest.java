package dev.ludus.eventlog;

import static dev.ludus.eventlog.Events.assertCode;
import static dev.ludus.eventlog.Events.batch;
import static dev.ludus.eventlog.Events.event;
import static dev.ludus.eventlog.Events.failure;
import static dev.ludus.eventlog.Events.payload;
import static dev.ludus.eventlog.Events.text;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.WrongExpectedVersionException;

public class EventLogTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final List<EventLog> opened = new ArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);

    @After
    public void closeAll() {
        opened.forEach(EventLog::close);
    }

    private EventLog open(Path dir, LogSettings settings) {
        EventLog log = EventLog.open(dir, settings, clock);
        opened.add(log);
        return log;
    }

    private Path dir() throws Exception {
        return tmp.newFolder().toPath().resolve("events");
    }

    @Test
    public void appendThenReadVersionAndStreams() throws Exception {
        EventLog log = open(dir(), LogSettings.defaults());
        assertEquals(EventStore.NO_STREAM, log.version("game-1"));
        assertEquals(List.of(), log.read("game-1", 1, 10));
        assertEquals(Set.of(), log.streams());

        assertEquals(1, log.append("game-1", EventStore.NO_STREAM, List.of(event("started", "seed=7"))));
        assertEquals(3, log.append("game-1", 1, List.of(event("moved", "a"), event("moved", "b"))));
        assertEquals(1, log.append("game-2", EventStore.ANY, List.of(event("started", ""))));

        assertEquals(3, log.version("game-1"));
        assertEquals(Set.of("game-1", "game-2"), log.streams());
        List<RecordedEvent> all = log.read("game-1", 1, 100);
        assertEquals(3, all.size());
        assertEquals("started", all.get(0).type());
        assertEquals("seed=7", text(all.get(0).data()));
        assertEquals(List.of(1L, 2L, 3L), all.stream().map(RecordedEvent::version).toList());
        assertEquals("b", text(all.get(2).data()));
        assertEquals("game-1", all.get(2).stream());
        assertEquals("timestamp comes from the injected clock", clock.millis(), all.get(1).timestamp());
        assertEquals(0, log.read("game-2", 1, 1).get(0).data().length);

        assertEquals("from a version, at most maxCount", List.of(2L, 3L),
                log.read("game-1", 2, 5).stream().map(RecordedEvent::version).toList());
        assertEquals(List.of(2L), log.read("game-1", 2, 1).stream().map(RecordedEvent::version).toList());
        assertEquals(List.of(), log.read("game-1", 4, 5));
        assertEquals(List.of(), log.read("game-1", 1, 0));
        assertEquals("versions below 1 read from the start", 3, log.read("game-1", -5, 10).size());
    }

    @Test
    public void everythingSurvivesReopenAndVersionsContinue() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults());
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        log.append("s", EventStore.NO_STREAM, List.of(new NewEvent("bin", binary), event("ünïcødé ✓", "x")));
        log.append("t", EventStore.NO_STREAM, batch("t", 1, 5));
        log.close();

        EventLog again = open(dir, LogSettings.defaults());
        assertEquals(2, again.version("s"));
        assertEquals(5, again.version("t"));
        assertArrayEquals(binary, again.read("s", 1, 1).get(0).data());
        assertEquals("ünïcødé ✓", again.read("s", 2, 1).get(0).type());
        assertEquals(6, again.append("t", 5, batch("t", 6, 1)));
        assertCode(WrongExpectedVersionException.CODE, failure(again.appendAsync("s", EventStore.NO_STREAM, batch("s", 1, 1))));
    }

    @Test
    public void expectedVersionConflictsFailWithTheStableCodeAndAppendNothing() throws Exception {
        EventLog log = open(dir(), LogSettings.defaults());
        log.append("g", EventStore.NO_STREAM, batch("g", 1, 2));

        WrongExpectedVersionException e = (WrongExpectedVersionException) failure(log.appendAsync("g", EventStore.NO_STREAM, batch("g", 3, 1)));
        assertEquals("wrong_expected_version", e.code());
        assertEquals("g", e.stream());
        assertEquals(EventStore.NO_STREAM, e.expected());
        assertEquals(2, e.actual());

        try {
            log.append("g", 1, batch("g", 3, 1));
            fail("stale expected version must conflict");
        } catch (WrongExpectedVersionException ok) {
            assertEquals(1, ok.expected());
            assertEquals(2, ok.actual());
        }
        e = (WrongExpectedVersionException) failure(log.appendAsync("nothing-here", 3, batch("x", 1, 1)));
        assertEquals(0, e.actual());
        assertEquals(2, log.version("g"));
        assertEquals(EventStore.NO_STREAM, log.version("nothing-here"));
        assertFalse("a failed first append creates no stream", log.streams().contains("nothing-here"));

        assertEquals("ANY appends whatever the version", 3, log.append("g", EventStore.ANY, batch("g", 3, 1)));
        assertEquals(4, log.append("g", 3, batch("g", 4, 1)));
        assertEquals(1, log.append("new", EventStore.ANY, batch("new", 1, 1)));
        assertEquals("an empty append checks the version and appends nothing", 4,
                log.append("g", 4, List.of()));
        assertCode(WrongExpectedVersionException.CODE, failure(log.appendAsync("g", 2, List.of())));
    }

    @Test
    public void aConflictInAGroupFailsOnlyThatAppendAndCompletionFollowsQueueOrder() throws Exception {
        BlockingClock blocking = new BlockingClock(clock);
        EventLog log = EventLog.open(dir(), LogSettings.defaults(), blocking);
        opened.add(log);
        // The first append's group blocks on the clock, so the next ones queue up into one group.
        CompletableFuture<Long> first = log.appendAsync("a", EventStore.NO_STREAM, batch("a", 1, 1)).toCompletableFuture();
        assertTrue(blocking.entered.await(10, TimeUnit.SECONDS));
        List<CompletableFuture<Long>> rest = new ArrayList<>();
        List<Integer> completionOrder = Collections.synchronizedList(new ArrayList<>());
        rest.add(log.appendAsync("b", EventStore.NO_STREAM, batch("b", 1, 2)).toCompletableFuture());
        rest.add(log.appendAsync("b", EventStore.NO_STREAM, batch("b", 1, 1)).toCompletableFuture()); // conflict: b is at 2 by then
        rest.add(log.appendAsync("b", 2, batch("b", 3, 1)).toCompletableFuture());
        rest.add(log.appendAsync("a", 1, batch("a", 2, 3)).toCompletableFuture());
        for (int i = 0; i < rest.size(); i++) {
            int n = i;
            rest.get(i).whenComplete((v, t) -> completionOrder.add(n));
        }
        blocking.release.countDown();

        assertEquals(1L, (long) first.get(10, TimeUnit.SECONDS));
        assertEquals(2L, (long) rest.get(0).get(10, TimeUnit.SECONDS));
        WrongExpectedVersionException e = (WrongExpectedVersionException) failure(rest.get(1));
        assertEquals("the conflict counts the group's earlier append", 2, e.actual());
        assertEquals(3L, (long) rest.get(2).get(10, TimeUnit.SECONDS));
        assertEquals(4L, (long) rest.get(3).get(10, TimeUnit.SECONDS));
        assertEquals(List.of(0, 1, 2, 3), completionOrder);
        assertEquals(List.of("b@1", "b@2", "b@3"), log.read("b", 1, 10).stream().map(r -> text(r.data())).toList());
        assertTrue("grouped: " + log.stats(), log.stats().maxGroupEvents() >= 6);
    }

    @Test
    public void multiEventAppendsAreAtomicAndContiguous() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults().withSegmentBytes(4096));
        for (int i = 0; i < 40; i++) {
            long v = log.version("big");
            log.append("big", v, batch("big", v + 1, 1 + i % 7));
            log.append("small", EventStore.ANY, batch("small", log.version("small") + 1, 1));
        }
        assertTrue("several segments: " + log.stats(), log.stats().segments() >= 3);
        log.close();
        EventLog again = open(dir, LogSettings.defaults().withSegmentBytes(4096));
        List<RecordedEvent> events = again.read("big", 1, Integer.MAX_VALUE);
        assertEquals(again.version("big"), events.size());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).version());
            assertEquals(payload("big", i + 1), text(events.get(i).data()));
        }
    }

    @Test
    public void readsFollowInterleavedStreamsAcrossSegmentsAndLargeRecords() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults().withSegmentBytes(64 << 10));
        byte[] large = new byte[300_000];
        Arrays.fill(large, (byte) 'L');
        for (int i = 1; i <= 300; i++) {
            for (int s = 0; s < 5; s++) {
                log.append("s" + s, i - 1, batch("s" + s, i, 1));
            }
            if (i % 100 == 0) {
                log.append("large", EventStore.ANY, List.of(new NewEvent("blob", large)));
            }
        }
        checkInterleaved(log, large);
        checkInterleaved(reopen(log, dir), large);
    }

    private static void checkInterleaved(EventLog l, byte[] large) {
        {
            for (int s = 0; s < 5; s++) {
                List<RecordedEvent> events = l.read("s" + s, 1, 1000);
                assertEquals(300, events.size());
                for (RecordedEvent e : events) {
                    assertEquals(payload("s" + s, e.version()), text(e.data()));
                }
                assertEquals(payload("s" + s, 150), text(l.read("s" + s, 150, 1).get(0).data()));
            }
            List<RecordedEvent> blobs = l.read("large", 1, 10);
            assertEquals(3, blobs.size());
            for (RecordedEvent b : blobs) {
                assertArrayEquals(large, b.data());
            }
        }
    }

    private EventLog reopen(EventLog log, Path dir) {
        log.close();
        return open(dir, log.settings());
    }

    @Test
    public void badInputGetsAStableCodeAndChangesNothing() throws Exception {
        EventLog log = open(dir(), LogSettings.defaults());
        log.append("ok", EventStore.NO_STREAM, batch("ok", 1, 1));
        assertCode("invalid_stream", failure(log.appendAsync(null, EventStore.ANY, batch("x", 1, 1))));
        assertCode("invalid_stream", failure(log.appendAsync("", EventStore.ANY, batch("x", 1, 1))));
        assertCode("invalid_stream", failure(log.appendAsync("x".repeat(256), EventStore.ANY, batch("x", 1, 1))));
        assertCode("invalid_stream", failure(log.appendAsync("é".repeat(128), EventStore.ANY, batch("x", 1, 1))));
        assertCode("invalid_stream", failure(log.appendAsync("bad\uD800", EventStore.ANY, batch("x", 1, 1))));
        assertCode("invalid_argument", failure(log.appendAsync("ok", -2, batch("x", 1, 1))));
        assertCode("invalid_argument", failure(log.appendAsync("ok", 1, null)));
        List<NewEvent> withNull = new ArrayList<>(batch("ok", 2, 2));
        withNull.add(null);
        assertCode("invalid_event", failure(log.appendAsync("ok", 1, withNull)));
        assertCode("invalid_event", failure(log.appendAsync("ok", 1, List.of(event("t".repeat(256), "")))));
        assertCode("invalid_event", failure(log.appendAsync("ok", 1,
                List.of(new NewEvent("big", new byte[LogFormat.MAX_DATA_BYTES + 1])))));
        assertCode("invalid_stream", () -> log.append("", 0, batch("x", 1, 1)));
        assertCode("invalid_stream", () -> log.read(null, 1, 1));
        assertCode("invalid_argument", () -> log.read("ok", 1, -1));
        assertCode("invalid_stream", () -> log.version(""));
        assertEquals("x".repeat(255) + " is the longest name", 1,
                log.append("x".repeat(255), EventStore.NO_STREAM, batch("x", 1, 1)));
        assertEquals(1, log.version("ok"));
        assertEquals(2, log.streams().size());
    }

    @Test
    public void closeCompletesTheGroupInProgressAndFailsQueuedAppendsWithStoreClosed() throws Exception {
        Path dir = dir();
        BlockingClock blocking = new BlockingClock(clock);
        EventLog log = EventLog.open(dir, LogSettings.defaults(), blocking);
        CompletableFuture<Long> inProgress = log.appendAsync("c", EventStore.NO_STREAM, batch("c", 1, 1)).toCompletableFuture();
        assertTrue(blocking.entered.await(10, TimeUnit.SECONDS));
        List<CompletionStage<Long>> queued = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            queued.add(log.appendAsync("q" + i, EventStore.ANY, batch("q" + i, 1, 1)));
        }
        Thread closer = new Thread(log::close);
        closer.start();
        while (!log.isClosed()) {
            Thread.sleep(1);
        }
        assertCode("store_closed", failure(log.appendAsync("late", EventStore.ANY, batch("late", 1, 1))));
        blocking.release.countDown();
        closer.join(10_000);
        assertFalse(closer.isAlive());

        assertEquals(1L, (long) inProgress.get(10, TimeUnit.SECONDS));
        for (CompletionStage<Long> q : queued) {
            assertCode("store_closed", failure(q));
        }
        assertCode("store_closed", () -> log.read("c", 1, 1));
        assertCode("store_closed", () -> log.append("c", 1, batch("c", 2, 1)));

        EventLog again = open(dir, LogSettings.defaults());
        assertEquals(Set.of("c"), again.streams());
        assertEquals(1, again.version("c"));
    }

    @Test
    public void aSecondStoreCannotOpenTheSameDirectory() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults());
        assertCode("store_locked", () -> EventLog.open(dir, LogSettings.defaults(), clock));
        log.close();
        open(dir, LogSettings.defaults()).append("after", EventStore.NO_STREAM, batch("after", 1, 1));
    }

    @Test
    public void tooManyPendingAppendsAreRefusedAsOverloaded() throws Exception {
        BlockingClock blocking = new BlockingClock(clock);
        EventLog log = EventLog.open(dir(), LogSettings.defaults().withMaxPendingAppends(3), blocking);
        opened.add(log);
        CompletionStage<Long> first = log.appendAsync("o", EventStore.ANY, batch("o", 1, 1));
        assertTrue(blocking.entered.await(10, TimeUnit.SECONDS));
        List<CompletionStage<Long>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(log.appendAsync("o", EventStore.ANY, batch("o", i + 2, 1)));
        }
        assertCode("overloaded", failure(log.appendAsync("o", EventStore.ANY, batch("o", 9, 1))));
        blocking.release.countDown();
        first.toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (CompletionStage<Long> w : waiting) {
            w.toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertEquals(4, log.version("o"));
    }

    @Test
    public void groupSizeOneMeansOneFsyncPerEventAndLingerStillCommits() throws Exception {
        EventLog log = open(dir(), LogSettings.defaults().withGroupMaxEvents(1));
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(log.appendAsync("one", EventStore.ANY, batch("one", i + 1, 1)).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
        assertEquals(20, log.stats().groups());
        assertEquals(1, log.stats().maxGroupEvents());

        log.reconfigure(LogSettings.defaults().withGroupLingerMicros(2_000));
        all.clear();
        for (int i = 0; i < 20; i++) {
            all.add(log.appendAsync("one", EventStore.ANY, batch("one", i + 21, 1)).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
        assertEquals(40, log.version("one"));
        assertTrue("lingering groups appends: " + log.stats(), log.stats().groups() < 40);
    }

    @Test
    public void aFailedSegmentRollFailsOnlyThatGroupWithIoErrorAndTheLogRecovers() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults().withSegmentBytes(4096));
        log.append("r", EventStore.NO_STREAM, List.of(new NewEvent("fill", new byte[5000])));
        // Something in the way of the next segment file: creating it fails.
        Path obstacle = Files.createDirectory(dir.resolve(LogFormat.segmentFileName(2)));
        assertCode("io_error", failure(log.appendAsync("r", 1, batch("r", 2, 1))));
        assertEquals(1, log.version("r"));
        assertEquals(1, log.stats().ioFailures());
        assertTrue(log.stats().lastError(), log.stats().lastError().contains(LogFormat.segmentFileName(2)));
        Files.delete(obstacle);
        assertEquals(2, log.append("r", 1, batch("r", 2, 1)));
        assertEquals("", log.stats().failure());
        log.close();
        assertEquals(2, open(dir, LogSettings.defaults()).version("r"));
    }

    @Test
    public void aDataDirectoryDeletedUnderTheLogIsNoticedAtTheNextGroupAndNothingMoreIsAcknowledged() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults());
        assertEquals(1, log.append("r", EventStore.NO_STREAM, batch("r", 1, 1)));
        // rm -rf of the data directory while the node runs: the open file lives on, unlinked.
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertFalse(Files.exists(dir));
        Throwable e = failure(log.appendAsync("r", 1, batch("r", 2, 1)));
        assertCode("io_error", e);
        assertTrue(e.getMessage(), e.getMessage().contains(LogFormat.segmentFileName(1) + " is gone"));
        assertEquals("not acknowledged, not readable", 1, log.version("r"));
        assertTrue(log.stats().failure(), log.stats().failure().contains("appends are refused"));
        assertCode("io_error", failure(log.appendAsync("other", EventStore.NO_STREAM, batch("other", 1, 1))));
        assertEquals(Set.of("r"), log.streams());
    }

    @Test
    public void aSegmentReplacedUnderTheLogIsNoticedToo() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults());
        log.append("r", EventStore.NO_STREAM, batch("r", 1, 1));
        // A data directory moved aside and another put in its place (a backup restored while running).
        Path segment = dir.resolve(LogFormat.segmentFileName(1));
        Path aside = dir.resolveSibling("events-old");
        Files.move(dir, aside);
        Files.createDirectories(dir);
        Files.copy(aside.resolve(LogFormat.segmentFileName(1)), segment);
        assertCode("io_error", failure(log.appendAsync("r", 1, batch("r", 2, 1))));
        assertTrue(log.stats().failure(), log.stats().failure().contains("replaced by another file"));
        assertEquals(1, log.version("r"));
    }

    @Test
    public void syncAppendFromTheWriterThreadIsRefusedInsteadOfDeadlocking() throws Exception {
        BlockingClock blocking = new BlockingClock(clock);
        EventLog log = EventLog.open(dir(), LogSettings.defaults(), blocking);
        opened.add(log);
        CompletableFuture<Throwable> inner = new CompletableFuture<>();
        CompletionStage<Long> first = log.appendAsync("w", EventStore.NO_STREAM, batch("w", 1, 1));
        assertTrue(blocking.entered.await(10, TimeUnit.SECONDS));
        first.whenComplete((v, t) -> {
            try {
                log.append("w", 1, batch("w", 2, 1));
                inner.complete(null);
            } catch (RuntimeException e) {
                inner.complete(e);
            }
        });
        blocking.release.countDown();
        assertCode("writer_thread", inner.get(10, TimeUnit.SECONDS));
    }

    /** A clock whose first reading on the writer thread blocks until released: holds the writer inside a group. */
    static final class BlockingClock extends Clock {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final Clock delegate;
        private volatile boolean blocked;

        BlockingClock(Clock delegate) {
            this.delegate = delegate;
        }

        @Override
        public long millis() {
            if (!blocked && Thread.currentThread().getName().equals("ludus-eventstore-writer")) {
                blocked = true;
                entered.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return delegate.millis();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return delegate.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    public void readersNeverSeeEventsThatAreNotDurable() throws Exception {
        BlockingClock blocking = new BlockingClock(clock);
        EventLog log = EventLog.open(dir(), LogSettings.defaults(), blocking);
        opened.add(log);
        CompletionStage<Long> pending = log.appendAsync("d", EventStore.NO_STREAM, batch("d", 1, 3));
        assertTrue(blocking.entered.await(10, TimeUnit.SECONDS));
        assertEquals(0, log.version("d"));
        assertEquals(List.of(), log.read("d", 1, 10));
        assertEquals(Set.of(), log.streams());
        blocking.release.countDown();
        assertEquals(3L, (long) pending.toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(3, log.read("d", 1, 10).size());
    }

    @Test
    public void healthFiguresCountStreamsEventsAndGroups() throws Exception {
        EventLog log = open(dir(), LogSettings.defaults());
        log.append("h1", EventStore.NO_STREAM, batch("h1", 1, 3));
        log.append("h2", EventStore.NO_STREAM, batch("h2", 1, 1));
        LogStats s = log.stats();
        assertEquals(2, s.streams());
        assertEquals(4, s.events());
        assertEquals(2, s.groups());
        assertEquals(3, s.maxGroupEvents());
        assertEquals(1, s.lastGroupEvents());
        assertTrue(s.bytes() > LogFormat.SEGMENT_HEADER_BYTES + 4 * LogFormat.RECORD_HEADER_BYTES);
        assertEquals(s.bytes(), Files.size(log.directory().resolve(LogFormat.segmentFileName(1))));
        assertEquals(-1, s.lastErrorAgeMillis());
        assertFalse(s.closed());
    }

    @Test
    public void settingsOutOfRangeNameTheProperty() {
        for (Runnable bad : List.<Runnable>of(
                () -> LogSettings.defaults().withSegmentBytes(100),
                () -> LogSettings.defaults().withGroupMaxEvents(0),
                () -> LogSettings.defaults().withGroupLingerMicros(-1),
                () -> LogSettings.defaults().withMaxPendingAppends(0))) {
            try {
                bad.run();
                fail();
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().matches("(segmentSize|groupMaxEvents|groupMaxLingerMicros|maxPendingAppends) must .*"));
            }
        }
    }

    @Test
    public void failedAppendsLeaveNoTraceInTheIndexEvenForNewStreams() throws Exception {
        EventLog log = open(dir(), LogSettings.defaults());
        assertCode(WrongExpectedVersionException.CODE, failure(log.appendAsync("ghost", 5, batch("ghost", 6, 1))));
        assertEquals(0, log.stats().streams());
        assertEquals(Set.of(), log.streams());
        try {
            log.read("ghost", 1, 1).forEach(e -> fail("no events"));
        } catch (EventStoreException e) {
            fail(e.toString());
        }
    }

    @Test
    public void aNewLogWritesNoSegmentUntilTheFirstAppend() throws Exception {
        Path dir = dir();
        EventLog log = open(dir, LogSettings.defaults());
        assertEquals(0, log.stats().segments());
        assertFalse(Files.exists(dir.resolve(LogFormat.segmentFileName(1))));
        log.close();
        log = open(dir, LogSettings.defaults());
        assertEquals(Set.of(), log.streams());
        assertEquals(1, log.append("first", EventStore.NO_STREAM, batch("first", 1, 1)));
        assertTrue(Files.exists(dir.resolve(LogFormat.segmentFileName(1))));
        assertEquals(1, log.stats().segments());
        log.close();
        assertEquals(1, open(dir, LogSettings.defaults()).version("first"));
    }
}
