package dev.ludus.eventlog;

import static dev.ludus.eventlog.Events.assertCode;
import static dev.ludus.eventlog.Events.batch;
import static dev.ludus.eventlog.Events.payload;
import static dev.ludus.eventlog.Events.text;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.RecordedEvent;

/** The start-up scan against damaged files: torn tails are cut, damaged acknowledged data is refused. */
public class TornTailTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final Clock clock = Clock.systemUTC();

    /** One acknowledged append and where its last byte ended up in the segment file. */
    private record Acked(String stream, long firstVersion, int count, long endOffset) {
    }

    @Test
    public void aTornTailIsCutWhereverTheTearIsAndAppendsContinue() throws Exception {
        Path dir = tmp.newFolder().toPath();
        Path segment = dir.resolve(LogFormat.segmentFileName(1));
        List<Acked> acked = new ArrayList<>();
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            for (int i = 0; i < 60; i++) {
                String stream = "s" + (i % 4);
                int n = 1 + i % 3;
                long first = log.version(stream) + 1;
                // One writer thread, one append at a time: every append is its own group.
                log.append(stream, first - 1, batch(stream, first, n));
                acked.add(new Acked(stream, first, n, Files.size(segment)));
            }
        }
        byte[] original = Files.readAllBytes(segment);
        TreeSet<Long> cuts = new TreeSet<>();
        cuts.add((long) LogFormat.SEGMENT_HEADER_BYTES);
        for (Acked a : acked) {
            cuts.add(a.endOffset());
            cuts.add(a.endOffset() - 1);
            cuts.add(a.endOffset() + 5);
        }
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 120; i++) {
            cuts.add(LogFormat.SEGMENT_HEADER_BYTES + (long) random.nextInt(original.length - LogFormat.SEGMENT_HEADER_BYTES));
        }
        cuts.removeIf(c -> c > original.length);
        int round = 0;
        for (long cut : cuts) {
            byte[] garbage = garbage(random, round++);
            byte[] damaged = Arrays.copyOf(original, (int) cut + garbage.length);
            System.arraycopy(garbage, 0, damaged, (int) cut, garbage.length);
            Files.write(segment, damaged);
            String context = "cut at " + cut + " + " + garbage.length + " bytes of garbage (seed " + seed + ")";

            // Usually the tear itself; later if the garbage happens to repeat the bytes it replaced.
            int sameUpTo = Arrays.mismatch(original, damaged);
            long intact = sameUpTo < 0 ? original.length : sameUpTo;
            long intactEnd = LogFormat.SEGMENT_HEADER_BYTES;
            Map<String, Long> versions = new HashMap<>();
            for (Acked a : acked) {
                if (a.endOffset() <= intact) {
                    intactEnd = a.endOffset();
                    versions.put(a.stream(), a.firstVersion() + a.count() - 1);
                }
            }
            try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
                assertEquals(context, intactEnd, Files.size(segment));
                assertEquals(context, damaged.length - intactEnd, log.stats().droppedBytes());
                for (int s = 0; s < 4; s++) {
                    String stream = "s" + s;
                    long v = versions.getOrDefault(stream, 0L);
                    assertEquals(context, v, log.version(stream));
                    List<RecordedEvent> events = log.read(stream, 1, 1000);
                    assertEquals(context, v, events.size());
                    for (RecordedEvent e : events) {
                        assertEquals(context, payload(stream, e.version()), text(e.data()));
                    }
                }
                assertEquals(context, versions.keySet(), log.streams());
                long v0 = log.version("s0");
                assertEquals(context, v0 + 1, log.append("s0", v0, batch("s0", v0 + 1, 1)));
            }
            try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
                assertEquals(context, 0, log.stats().droppedBytes());
                long v0 = versions.getOrDefault("s0", 0L) + 1;
                assertEquals(context, v0, log.version("s0"));
                assertEquals(context, payload("s0", v0), text(log.read("s0", v0, 1).get(0).data()));
            }
        }
    }

    private static byte[] garbage(Random random, int round) {
        int length = random.nextInt(300);
        byte[] g = new byte[length];
        switch (round % 4) {
            case 0 -> random.nextBytes(g);
            case 1 -> { } // zeros, as a file system may leave after a crash
            case 2 -> {
                // a plausible-looking record header whose body never made it
                random.nextBytes(g);
                if (length >= 12) {
                    g[0] = 0;
                    g[1] = 0;
                    g[2] = 0;
                    g[3] = 80;
                    g[8] = LogFormat.KIND_EVENT;
                    g[9] = LogFormat.FLAG_BATCH_END | LogFormat.FLAG_GROUP_END;
                    g[10] = 2;
                    g[11] = 5;
                }
            }
            default -> g = new byte[0];
        }
        return g;
    }

    @Test
    public void aGroupWithoutItsEndMarkerIsDroppedWholeEvenIfSomeAppendsInItAreComplete() throws Exception {
        Path dir = tmp.newFolder().toPath();
        Path segment = dir.resolve(LogFormat.segmentFileName(1));
        EventLogTest.BlockingClock blocking = new EventLogTest.BlockingClock(clock);
        long beforeGroup;
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), blocking)) {
            CompletableFuture<Long> first = log.appendAsync("a", EventStore.NO_STREAM, batch("a", 1, 1)).toCompletableFuture();
            assertTrue(blocking.entered.await(10, TimeUnit.SECONDS));
            List<CompletableFuture<Long>> group = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                group.add(log.appendAsync("g" + i, EventStore.NO_STREAM, batch("g" + i, 1, 2)).toCompletableFuture());
            }
            blocking.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            beforeGroup = LogFormat.SEGMENT_HEADER_BYTES + LogFormat.recordLength(1, "moved".length(), payload("a", 1).length());
            for (CompletableFuture<Long> f : group) {
                assertEquals(2L, (long) f.get(10, TimeUnit.SECONDS));
            }
            assertEquals("the three appends formed one group", 2, log.stats().groups());
        }
        long size = Files.size(segment);
        // Lose the last few bytes: the first two appends of the group are whole, the group is not.
        byte[] bytes = Files.readAllBytes(segment);
        Files.write(segment, Arrays.copyOf(bytes, (int) size - 10));
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            assertEquals(beforeGroup, Files.size(segment));
            assertEquals(1, log.version("a"));
            for (int i = 0; i < 3; i++) {
                assertEquals(0, log.version("g" + i));
            }
            assertEquals(1, log.append("g0", EventStore.NO_STREAM, batch("g0", 1, 1)));
        }
    }

    @Test
    public void damageInAnEarlierSegmentIsRefusedAndNothingOnDiskChanges() throws Exception {
        Path dir = logWithSegments(3);
        Map<Path, byte[]> before = snapshotFiles(dir);
        Path first = dir.resolve(LogFormat.segmentFileName(1));
        byte[] bytes = before.get(first).clone();
        bytes[LogFormat.SEGMENT_HEADER_BYTES + 50] ^= 0x01;
        Files.write(first, bytes);
        before.put(first, bytes);
        EventStoreException e = refused(dir);
        assertTrue(e.getMessage(), e.getMessage().contains(LogFormat.segmentFileName(1) + " offset "));
        assertUnchanged(before, dir);
    }

    @Test
    public void aMissingOrShortenedEarlierSegmentIsRefused() throws Exception {
        Path dir = logWithSegments(4);
        Path second = dir.resolve(LogFormat.segmentFileName(2));
        byte[] bytes = Files.readAllBytes(second);
        Files.write(second, Arrays.copyOf(bytes, bytes.length - 3));
        Map<Path, byte[]> before = snapshotFiles(dir);
        assertTrue(refused(dir).getMessage().contains(LogFormat.segmentFileName(2)));
        assertUnchanged(before, dir);

        Files.write(second, bytes);
        Files.delete(dir.resolve(LogFormat.segmentFileName(3)));
        assertTrue(refused(dir).getMessage().contains(LogFormat.segmentFileName(3) + " is missing"));
        Files.delete(dir.resolve(LogFormat.segmentFileName(1)));
        assertTrue(refused(dir).getMessage().contains(LogFormat.segmentFileName(1) + " is missing"));
    }

    @Test
    public void damageInTheLastSegmentFollowedByALaterGroupIsRefused() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            for (int i = 1; i <= 10; i++) {
                log.append("x", i - 1, batch("x", i, 1));
            }
        }
        Path segment = dir.resolve(LogFormat.segmentFileName(1));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[LogFormat.SEGMENT_HEADER_BYTES + LogFormat.OFF_VERSION + 7] ^= 0x40; // first record's version
        Files.write(segment, bytes);
        Map<Path, byte[]> before = snapshotFiles(dir);
        EventStoreException e = refused(dir);
        assertTrue(e.getMessage(), e.getMessage().contains("followed by a valid record of group"));
        assertUnchanged(before, dir);
    }

    @Test
    public void damageInTheLastGroupIsIndistinguishableFromATornWriteAndIsCut() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            log.append("y", EventStore.NO_STREAM, batch("y", 1, 1));
            log.append("y", 1, batch("y", 2, 3));
        }
        Path segment = dir.resolve(LogFormat.segmentFileName(1));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(segment, bytes);
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            assertEquals(1, log.version("y"));
            assertTrue(log.stats().droppedBytes() > 0);
        }
    }

    @Test
    public void aTornSegmentHeaderIsRewrittenWhenTheSegmentHoldsNoRecords() throws Exception {
        Path dir = logWithSegments(2);
        long events;
        try (EventLog log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(4096), clock)) {
            events = log.stats().events();
        }
        // A crash while segment 3 was being created.
        Files.write(dir.resolve(LogFormat.segmentFileName(3)), new byte[] {0x4C, 0x44, 0x45});
        try (EventLog log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(4096), clock)) {
            assertEquals(events, log.stats().events());
            assertEquals(3, log.stats().segments());
            long v = log.version("s");
            assertEquals(v + 1, log.append("s", v, batch("s", v + 1, 1)));
        }
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            assertEquals(events + 1, log.stats().events());
        }
    }

    @Test
    public void aDamagedHeaderInFrontOfRecordsIsRefused() throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), clock)) {
            log.append("z", EventStore.NO_STREAM, batch("z", 1, 1));
        }
        Path segment = dir.resolve(LogFormat.segmentFileName(1));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[12] ^= 0x01;
        Files.write(segment, bytes);
        assertTrue(refused(dir).getMessage().contains("damaged segment header before valid records"));
        assertArrayEquals(bytes, Files.readAllBytes(segment));
    }

    private Path logWithSegments(int segments) throws Exception {
        Path dir = tmp.newFolder().toPath();
        try (EventLog log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(4096), clock)) {
            long v = 0;
            while (log.stats().segments() < segments) {
                log.append("s", v, batch("s", v + 1, 3));
                v += 3;
            }
        }
        return dir;
    }

    private static EventStoreException refused(Path dir) {
        try {
            EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC()).close();
            fail("a corrupt log must not open");
            return null;
        } catch (EventStoreException e) {
            assertCode("log_corrupt", e);
            return e;
        }
    }

    private static Map<Path, byte[]> snapshotFiles(Path dir) throws Exception {
        Map<Path, byte[]> out = new HashMap<>();
        for (long seq : SegmentFiles.list(dir)) {
            Path p = dir.resolve(LogFormat.segmentFileName(seq));
            out.put(p, Files.readAllBytes(p));
        }
        return out;
    }

    private static void assertUnchanged(Map<Path, byte[]> before, Path dir) throws Exception {
        Map<Path, byte[]> after = snapshotFiles(dir);
        assertEquals(before.keySet(), after.keySet());
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            assertArrayEquals("unchanged: " + e.getKey(), e.getValue(), after.get(e.getKey()));
        }
    }
}
