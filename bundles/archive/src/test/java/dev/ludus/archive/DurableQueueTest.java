package dev.ludus.archive;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.CompletedGame;

public class DurableQueueTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private DurableQueue open(Path dir, long segmentBytes) throws IOException {
        return new DurableQueue(dir, segmentBytes, Clock.systemUTC());
    }

    private static List<DurableQueue.Entry> drain(DurableQueue q) throws IOException {
        List<DurableQueue.Entry> all = new ArrayList<>();
        List<DurableQueue.Entry> batch;
        while (!(batch = q.peek(100, Long.MAX_VALUE)).isEmpty()) {
            all.addAll(batch);
            q.ack(batch);
        }
        return all;
    }

    @Test
    public void appendedGamesComeBackInOrderExactlyAndStayFindableUntilAcked() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        try (DurableQueue q = open(dir, 1 << 20)) {
            for (int i = 0; i < 10; i++) {
                q.append(Games.game(i));
            }
            assertEquals(10, q.depth());
            assertTrue(q.oldestQueuedAt().isPresent());
            assertTrue(Games.same(Games.game(3), q.find("g-3").orElseThrow()));

            List<DurableQueue.Entry> first = q.peek(4, Long.MAX_VALUE);
            assertEquals(4, first.size());
            for (int i = 0; i < 4; i++) {
                assertTrue(Games.same(Games.game(i), first.get(i).game()));
            }
            assertEquals("peek removes nothing", 10, q.depth());
            q.ack(first);
            assertEquals(6, q.depth());
            assertFalse(q.find("g-1").isPresent());
            assertTrue(q.find("g-4").isPresent());
            List<DurableQueue.Entry> rest = drain(q);
            assertEquals(6, rest.size());
            assertEquals("g-4", rest.get(0).game().gameId());
            assertEquals(0, q.depth());
            assertFalse(q.oldestQueuedAt().isPresent());
        }
    }

    @Test
    public void unackedGamesSurviveReopenAndAckedOnesDoNotComeBack() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        try (DurableQueue q = open(dir, 1 << 20)) {
            for (int i = 0; i < 20; i++) {
                q.append(Games.game(i));
            }
            q.ack(q.peek(8, Long.MAX_VALUE));
        }
        try (DurableQueue q = open(dir, 1 << 20)) {
            assertEquals(12, q.recoveredEntries());
            assertEquals(12, q.depth());
            List<DurableQueue.Entry> all = drain(q);
            assertEquals("g-8", all.get(0).game().gameId());
            assertTrue(Games.same(Games.game(19), all.get(11).game()));
        }
        try (DurableQueue q = open(dir, 1 << 20)) {
            assertEquals(0, q.depth());
        }
    }

    @Test
    public void whatACrashLeavesBehindHoldsEveryAcknowledgedGame() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        Path copy = tmp.getRoot().toPath().resolve("crashed");
        DurableQueue q = open(dir, 4096);
        try {
            for (int i = 0; i < 50; i++) {
                q.append(Games.game(i)); // acknowledged: returned normally
            }
            q.ack(q.peek(5, Long.MAX_VALUE));
            // The files as they are right now, with the queue still open and never closed: what
            // a kill -9 at this instant would leave on disk.
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
        } finally {
            q.close();
        }
        try (DurableQueue recovered = open(copy, 4096)) {
            assertEquals(45, recovered.depth());
            List<DurableQueue.Entry> all = drain(recovered);
            assertEquals(45, all.size());
            for (int i = 0; i < 45; i++) {
                assertTrue(Games.same(Games.game(i + 5), all.get(i).game()));
            }
        }
    }

    @Test
    public void aTornWriteAtTheEndIsCutAndTheQueueKeepsWorking() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        try (DurableQueue q = open(dir, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                q.append(Games.game(i));
            }
        }
        Path segment = segments(dir).get(0);
        long goodSize = Files.size(segment);
        // Half a record: a length field promising more bytes than follow (a write the crash cut).
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer half = ByteBuffer.allocate(200);
            half.putInt(400).putInt(12345);
            half.rewind();
            ch.write(half);
        }
        try (DurableQueue q = open(dir, 1 << 20)) {
            assertEquals(5, q.depth());
            assertEquals("torn tail cut", goodSize, Files.size(segment));
            q.append(Games.game(5));
            List<DurableQueue.Entry> all = drain(q);
            assertEquals(6, all.size());
            assertEquals("g-5", all.get(5).game().gameId());
            assertFalse(all.stream().anyMatch(e -> e.game().gameId().equals("g-99")));
        }
    }

    @Test
    public void aGameIdAlreadyWaitingIsNotQueuedTwice() throws Exception {
        try (DurableQueue q = open(tmp.newFolder("q").toPath(), 1 << 20)) {
            q.append(Games.game(1));
            q.append(Games.game(1));
            q.append(Games.game(2));
            assertEquals(2, q.depth());
            assertEquals(2, drain(q).size());
            q.append(Games.game(1)); // after it left the queue it may come again; the backend dedups
            assertEquals(1, q.depth());
        }
    }

    @Test
    public void segmentsRollAndConsumedOnesAreDeleted() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        try (DurableQueue q = open(dir, 2048)) {
            for (int i = 0; i < 40; i++) {
                q.append(Games.game(i));
            }
            assertTrue("several segments: " + segments(dir), segments(dir).size() > 5);
            List<DurableQueue.Entry> all = drain(q);
            assertEquals(40, all.size());
            for (int i = 0; i < 40; i++) {
                assertEquals("g-" + i, all.get(i).game().gameId());
            }
            assertTrue("only the segment being written remains: " + segments(dir), segments(dir).size() <= 1);
        }
        try (DurableQueue q = open(dir, 2048)) {
            assertEquals(0, q.depth());
        }
    }

    @Test
    public void concurrentAppendsAllArriveOnceAndShareSyncs() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        int threads = 8;
        int each = 300;
        try (DurableQueue q = open(dir, 256 * 1024)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        q.append(Games.game(base + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(threads * each, q.depth());
            Set<String> ids = new HashSet<>();
            for (DurableQueue.Entry e : drain(q)) {
                assertTrue("once: " + e.game().gameId(), ids.add(e.game().gameId()));
            }
            assertEquals(threads * each, ids.size());
        }
    }

    @Test
    public void appendAfterCloseIsRefusedWithQueueUnavailable() throws Exception {
        DurableQueue q = open(tmp.newFolder("q").toPath(), 1 << 20);
        q.close();
        try {
            q.append(Games.game(1));
            fail("accepted after close");
        } catch (ArchiveException e) {
            assertEquals("queue_unavailable", e.code());
        }
    }

    /**
     * Damage to a game the queue had acknowledged (not a torn tail): the queue refuses to open,
     * naming the file, rather than skipping the game; the files are left as they are.
     */
    @Test
    public void damagedEntryInsideAnOlderSegmentStopsTheQueueFromOpening() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        try (DurableQueue q = open(dir, 1024)) {
            for (int i = 0; i < 12; i++) {
                q.append(Games.game(i));
            }
        }
        List<Path> segs = segments(dir);
        assertTrue(segs.size() >= 3);
        // Flip a byte in the payload of the first entry of the first segment.
        try (FileChannel ch = FileChannel.open(segs.get(0), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 40);
            b.flip();
            byte v = b.get();
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (v ^ 0x5A)}), 40);
        }
        long size = Files.size(segs.get(0));
        try (DurableQueue q = open(dir, 1024)) {
            fail("opened a queue with a damaged acknowledged game: " + q.depth());
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(segs.get(0).getFileName().toString()));
            assertTrue(e.getMessage(), e.getMessage().contains("corrupt"));
        }
        assertEquals("nothing changed on disk", size, Files.size(segs.get(0)));
    }

    /** A queue directory of the earlier layout (frames in NNN.seg, a cursor) is taken over when opened. */
    @Test
    public void aQueueOfTheEarlierLayoutIsTakenOver() throws Exception {
        Path dir = tmp.newFolder("q").toPath();
        try (FileChannel seg = FileChannel.open(dir.resolve(String.format("%020d.seg", 1)), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            for (int i = 0; i < 6; i++) {
                seg.write(ByteBuffer.wrap(DurableQueue.earlierFrame(GameCodec.encode(Games.game(i), Games.BASE))));
            }
        }
        // Its cursor says the first two were consumed.
        long offset = DurableQueue.earlierFrame(GameCodec.encode(Games.game(0), Games.BASE)).length
                + DurableQueue.earlierFrame(GameCodec.encode(Games.game(1), Games.BASE)).length;
        ByteBuffer cursor = ByteBuffer.allocate(20).putLong(1).putLong(offset);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(cursor.array(), 0, 16);
        cursor.putInt((int) crc.getValue());
        Files.write(dir.resolve("cursor"), cursor.array());

        try (DurableQueue q = open(dir, 1 << 20)) {
            assertEquals(4, q.depth());
            assertFalse(Files.exists(dir.resolve(String.format("%020d.seg", 1))));
            assertFalse(Files.exists(dir.resolve("cursor")));
            List<DurableQueue.Entry> all = drain(q);
            assertEquals(List.of("g-2", "g-3", "g-4", "g-5"), all.stream().map(e -> e.game().gameId()).toList());
        }
        try (DurableQueue q = open(dir, 1 << 20)) {
            assertEquals(0, q.depth());
        }
    }

    @Test
    public void exactRoundTripOfEveryField() throws Exception {
        CompletedGame g = new CompletedGame("id with ünïcode ✓", "type", Games.BASE.minusNanos(1), Games.BASE.plusNanos(1),
                List.of("a", "b", "a"), new byte[] {0, 1, 2, (byte) 255});
        try (DurableQueue q = open(tmp.newFolder("q").toPath(), 1 << 20)) {
            q.append(g);
            CompletedGame back = q.peek(1, Long.MAX_VALUE).get(0).game();
            assertTrue(Games.same(g, back));
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }
}
