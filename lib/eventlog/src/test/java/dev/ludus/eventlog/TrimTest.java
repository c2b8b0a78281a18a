package dev.ludus.eventlog;

import static dev.ludus.eventlog.Events.event;
import static dev.ludus.eventlog.Events.text;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.RecordedEvent;

/** Deleting old segments: what stays readable, what a restart finds, and a crash half-way. */
public class TrimTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final List<EventLog> opened = new ArrayList<>();
    /** Small segments, so a few hundred events span several. */
    private final LogSettings small = LogSettings.defaults().withSegmentBytes(4096);

    @After
    public void closeAll() {
        opened.forEach(EventLog::close);
    }

    private EventLog open(Path dir) {
        EventLog log = EventLog.open(dir, small, Clock.systemUTC());
        opened.add(log);
        return log;
    }

    private static void fill(EventLog log, int count) {
        for (int i = 1; i <= count; i++) {
            log.append("a", EventStore.ANY, List.of(event("e", "a-" + i)));
            if (i % 3 == 0) {
                log.append("b", EventStore.ANY, List.of(event("e", "b-" + i)));
            }
        }
    }

    @Test
    public void trimmedSegmentsGoAndTheRestStaysReadableAcrossARestart() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("log");
        EventLog log = open(dir);
        fill(log, 300);
        long active = log.activeSegment();
        assertTrue("several segments: " + active, active >= 5);
        long cut = log.segmentOf("a", 200);
        assertTrue(cut > 1);

        int deleted = log.trimBefore(cut).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(cut - 1, deleted);
        assertEquals(cut, log.firstSegment());
        assertFalse(Files.exists(dir.resolve(LogFormat.segmentFileName(1))));
        long firstA = log.first("a");
        assertTrue("a starts at or before 200: " + firstA, firstA > 1 && firstA <= 200);
        assertEquals(300, log.version("a"));
        List<RecordedEvent> rest = log.read("a", 1, 1000);
        assertEquals(firstA, rest.get(0).version());
        assertEquals("a-" + firstA, text(rest.get(0).data()));
        assertEquals("a-300", text(rest.get(rest.size() - 1).data()));

        // Appends continue; the versions go on from where they were.
        assertEquals(301, log.append("a", 300, List.of(event("e", "a-301"))));
        log.close();

        EventLog again = open(dir);
        assertEquals(cut, again.firstSegment());
        assertEquals(firstA, again.first("a"));
        assertEquals(301, again.version("a"));
        assertEquals(100, again.version("b"));
        List<RecordedEvent> b = again.read("b", 1, 1000);
        assertEquals("b-300", text(b.get(b.size() - 1).data()));
        assertEquals(b.size(), 100 - again.first("b") + 1);
        assertEquals(302, again.append("a", 301, List.of(event("e", "a-302"))));
    }

    @Test
    public void theActiveSegmentIsNeverTrimmed() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("log");
        EventLog log = open(dir);
        fill(log, 300);
        long active = log.activeSegment();
        log.trimBefore(Long.MAX_VALUE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(active, log.firstSegment());
        assertTrue(Files.exists(dir.resolve(LogFormat.segmentFileName(active))));
        // Everything earlier is gone; a stream whose every event was trimmed keeps its version.
        assertEquals(300, log.version("a"));
        assertTrue(log.first("a") > 1);
        log.close();
        EventLog again = open(dir);
        assertEquals(active, again.firstSegment());
        assertEquals(300, again.version("a"));
    }

    @Test
    public void aCrashBetweenTheStartFileAndTheDeletionsIsFinishedAtStartUp() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("log");
        EventLog log = open(dir);
        fill(log, 300);
        long cut = log.segmentOf("a", 150);
        log.close();
        SegmentFiles.writeStart(dir, cut); // as if the process died right after this step

        EventLog again = open(dir);
        assertEquals(cut, again.firstSegment());
        assertFalse(Files.exists(dir.resolve(LogFormat.segmentFileName(cut - 1))));
        assertEquals(300, again.version("a"));
        assertEquals("a-300", text(again.read("a", 300, 1).get(0).data()));
    }

    @Test
    public void aMissingSegmentAfterTheStartIsCorruption() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("log");
        EventLog log = open(dir);
        fill(log, 300);
        long cut = log.segmentOf("a", 150);
        log.trimBefore(cut).toCompletableFuture().get(10, TimeUnit.SECONDS);
        log.close();
        Files.delete(dir.resolve(LogFormat.segmentFileName(cut)));
        try {
            open(dir);
            fail("opened a log whose first segment is missing");
        } catch (EventStoreException e) {
            assertEquals("log_corrupt", e.code());
            assertTrue(e.getMessage(), e.getMessage().contains(LogFormat.segmentFileName(cut)));
        }
    }

    @Test
    public void aDamagedStartFileIsCorruption() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("log");
        EventLog log = open(dir);
        fill(log, 300);
        log.trimBefore(log.segmentOf("a", 150)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        log.close();
        byte[] b = Files.readAllBytes(dir.resolve("start"));
        b[3] ^= 1;
        Files.write(dir.resolve("start"), b);
        try {
            open(dir);
            fail("opened a log with a damaged start file");
        } catch (EventStoreException e) {
            assertEquals("log_corrupt", e.code());
        }
    }

    @Test
    public void trimmingWhileAppendingLosesNothingAfterTheCut() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("log");
        EventLog log = open(dir);
        Thread writer = new Thread(() -> {
            for (int i = 1; i <= 2000; i++) {
                log.append("c", EventStore.ANY, List.of(event("e", "c-" + i)));
            }
        });
        writer.start();
        while (writer.isAlive()) {
            long active = log.activeSegment();
            if (active > 2) {
                log.trimBefore(active - 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            Thread.sleep(5);
        }
        writer.join();
        assertEquals(2000, log.version("c"));
        List<RecordedEvent> rest = log.read("c", 1, 5000);
        long first = log.first("c");
        assertEquals(2000 - first + 1, rest.size());
        for (int i = 0; i < rest.size(); i++) {
            assertEquals("c-" + (first + i), text(rest.get(i).data()));
        }
        log.close();
        EventLog again = open(dir);
        assertEquals(2000, again.version("c"));
        assertEquals(first, again.first("c"));
    }

    @Test
    public void aTrimAskedOfAClosedLogFailsAtOnce() throws Exception {
        EventLog log = open(tmp.newFolder().toPath().resolve("log"));
        fill(log, 100);
        log.close();
        try {
            log.trimBefore(log.activeSegment()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            fail("a closed log trimmed");
        } catch (java.util.concurrent.ExecutionException e) {
            assertEquals("store_closed", ((EventStoreException) e.getCause()).code());
        }
    }
}
