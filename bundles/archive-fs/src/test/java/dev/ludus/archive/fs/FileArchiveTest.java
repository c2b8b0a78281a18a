package dev.ludus.archive.fs;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
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
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;

public class FileArchiveTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    static final Instant DAY1 = Instant.parse("2026-11-24T23:59:59.999999999Z");

    /** A game completed at {@code completed}, with a record like a real game log. */
    static CompletedGame game(String id, Instant completed, String... players) {
        Random r = new Random(id.hashCode());
        StringBuilder b = new StringBuilder("{\"type\":\"setup\",\"game\":\"" + id + "\",\"seed\":" + r.nextLong() + "}\n");
        for (int i = 0; i < 60; i++) {
            b.append("{\"type\":\"action\",\"seq\":").append(i).append(",\"seat\":").append(i % 4)
                    .append(",\"action\":\"play\",\"card\":\"").append("SHDC".charAt(r.nextInt(4))).append(r.nextInt(13) + 1)
                    .append("\",\"at\":").append(1_764_000_000_000L + i * 1500L + r.nextInt(900)).append("}\n");
        }
        return new CompletedGame(id, "liaptui", completed.minusSeconds(600), completed, List.of(players),
                b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void assertSame(CompletedGame expected, CompletedGame actual) {
        assertEquals(expected.gameId(), actual.gameId());
        assertEquals(expected.gameType(), actual.gameType());
        assertEquals(expected.startedAt(), actual.startedAt());
        assertEquals(expected.completedAt(), actual.completedAt());
        assertEquals(expected.playerIds(), actual.playerIds());
        assertArrayEquals(expected.record(), actual.record());
    }

    private FileArchive open(Path dir) throws IOException {
        return new FileArchive(dir, 6);
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    public void gamesReadBackExactlyFromCompressedDatePartitionedPacks() throws Exception {
        Path root = tmp.newFolder("fs").toPath();
        try (FileArchive a = open(root)) {
            List<CompletedGame> games = List.of(game("a", DAY1, "p1", "p2"), game("b", DAY1.plusNanos(1), "p2"),
                    game("c", DAY1.plus(Duration.ofDays(1)), "p3"));
            a.store(games);
            for (CompletedGame g : games) {
                assertSame(g, a.load(g.gameId()).orElseThrow());
            }
            assertEquals(Optional.empty(), a.load("nope"));
            List<Path> files = files(root);
            assertEquals("one pack per day: " + files, 2, files.size());
            assertTrue(files.get(0).toString(), root.relativize(files.get(0)).toString().matches("2026/11/24/p[0-9a-f-]+\\.pack"));
            assertTrue(files.get(1).toString(), root.relativize(files.get(1)).toString().matches("2026/11/25/p[0-9a-f-]+\\.pack"));
            FileArchive.Stats s = a.stats();
            assertEquals(3, s.games());
            assertTrue("compressed: " + s, s.storedBytes() < s.rawBytes() / 2);
        }
    }

    @Test
    public void storingAGameAgainChangesNothing() throws Exception {
        Path root = tmp.newFolder("fs").toPath();
        try (FileArchive a = open(root)) {
            a.store(List.of(game("a", DAY1, "p1"), game("b", DAY1, "p1")));
            List<Path> before = files(root);
            a.store(List.of(game("a", DAY1, "p1"), game("b", DAY1, "p1")));
            a.store(List.of(game("b", DAY1, "p1"), game("c", DAY1, "p1"), game("c", DAY1, "p1")));
            Set<String> ids = new HashSet<>();
            a.forEachId(id -> assertTrue("once: " + id, ids.add(id)));
            assertEquals(Set.of("a", "b", "c"), ids);
            assertEquals("the repeat wrote no pack", before.size() + 1, files(root).size());
        }
    }

    @Test
    public void reopeningIndexesThePacksAndRemovesTemporaryFiles() throws Exception {
        Path root = tmp.newFolder("fs").toPath();
        try (FileArchive a = open(root)) {
            a.store(List.of(game("a", DAY1, "p1"), game("b", DAY1.plusSeconds(5), "p1")));
        }
        Path leftover = root.resolve("2026/11/24/.p1-dead.tmp");
        Files.writeString(leftover, "half a pack");
        try (FileArchive a = open(root)) {
            assertFalse(Files.exists(leftover));
            assertSame(game("b", DAY1.plusSeconds(5), "p1"), a.load("b").orElseThrow());
            a.store(List.of(game("a", DAY1, "p1")));
            assertEquals(2, a.stats().games());
        }
    }

    @Test
    public void aDamagedByteIsDetectedOnReadWithCodeCorruptRecord() throws Exception {
        Path root = tmp.newFolder("fs").toPath();
        try (FileArchive a = open(root)) {
            a.store(List.of(game("a", DAY1, "p1")));
            Path pack = files(root).get(0);
            try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                ch.read(b, 200);
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 1)}), 200);
            }
            try {
                a.load("a");
                fail("damaged record returned");
            } catch (ArchiveException e) {
                assertEquals("corrupt_record", e.code());
            }
        }
    }

    @Test
    public void queriesByTimeRangeAndPlayerNewestFirstUpToTheLimit() throws Exception {
        try (FileArchive a = open(tmp.newFolder("fs").toPath())) {
            List<CompletedGame> games = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                // every 7 hours: spread over several day folders
                games.add(game("g" + i, DAY1.plus(Duration.ofHours(7L * i)), "p" + i % 3, "all"));
            }
            a.store(games.subList(0, 15));
            a.store(games.subList(15, 30));

            Instant from = games.get(5).completedAt();
            Instant to = games.get(20).completedAt(); // exclusive
            List<CompletedGame> range = a.query(new ArchiveQuery(from, to, Optional.empty(), 100));
            assertEquals(15, range.size());
            assertEquals("newest first", "g19", range.get(0).gameId());
            assertEquals("from is inclusive", "g5", range.get(14).gameId());
            assertSame(games.get(12), range.get(7));

            List<CompletedGame> limited = a.query(new ArchiveQuery(from, to, Optional.empty(), 4));
            assertEquals(List.of("g19", "g18", "g17", "g16"), limited.stream().map(CompletedGame::gameId).toList());

            List<CompletedGame> p1 = a.query(new ArchiveQuery(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), Optional.of("p1"), 100));
            assertEquals(10, p1.size());
            assertTrue(p1.stream().allMatch(g -> g.playerIds().contains("p1")));
            assertEquals("g28", p1.get(0).gameId());

            // a boundary one nanosecond wide
            Instant t = games.get(3).completedAt();
            assertEquals(List.of("g3"), a.query(new ArchiveQuery(t, t.plusNanos(1), Optional.empty(), 10))
                    .stream().map(CompletedGame::gameId).toList());
        }
    }

    @Test
    public void retentionRemovesOlderDaysWholeAndTrimsTheCutoffDay() throws Exception {
        Path root = tmp.newFolder("fs").toPath();
        try (FileArchive a = open(root)) {
            Instant d1 = Instant.parse("2026-11-01T10:00:00Z");
            Instant d2 = Instant.parse("2026-11-02T10:00:00Z");
            Instant d3 = Instant.parse("2026-11-03T10:00:00Z");
            a.store(List.of(game("old1", d1, "p"), game("old2", d1.plusSeconds(60), "p")));
            a.store(List.of(game("mid-early", d2, "p"), game("mid-late", d2.plusSeconds(3600), "p")));
            a.store(List.of(game("new", d3, "p")));
            int deleted = a.deleteCompletedBefore(d2.plusSeconds(1));
            assertEquals(3, deleted);
            assertFalse(Files.exists(root.resolve("2026/11/01")));
            assertEquals(Optional.empty(), a.load("old1"));
            assertEquals(Optional.empty(), a.load("mid-early"));
            assertSame(game("mid-late", d2.plusSeconds(3600), "p"), a.load("mid-late").orElseThrow());
            assertSame(game("new", d3, "p"), a.load("new").orElseThrow());
            assertEquals(2, a.stats().games());
            assertEquals(0, a.deleteCompletedBefore(d2.plusSeconds(1)));
        }
        try (FileArchive a = open(root)) {
            Set<String> ids = new HashSet<>();
            a.forEachId(ids::add);
            assertEquals("what is left survives a reopen", Set.of("mid-late", "new"), ids);
        }
    }

    @Test
    public void concurrentStoresAndLoadsStayConsistent() throws Exception {
        try (FileArchive a = open(tmp.newFolder("fs").toPath())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t * 100;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i += 10) {
                        List<CompletedGame> batch = new ArrayList<>();
                        for (int k = i; k < i + 10; k++) {
                            batch.add(game("c" + (base + k), DAY1.plusSeconds(base + k), "p"));
                        }
                        a.store(batch);
                        for (CompletedGame g : batch) {
                            assertSame(g, a.load(g.gameId()).orElseThrow());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(400, a.stats().games());
        }
    }

    @Test
    public void manySmallBatchesAreMergedSoFilesStayFew() throws Exception {
        Path root = tmp.newFolder("fs").toPath();
        int n = FileArchive.MERGE_AT * 2 + 5;
        List<CompletedGame> games = new ArrayList<>();
        try (FileArchive a = open(root)) {
            for (int i = 0; i < n; i++) {
                CompletedGame g = game("s" + i, DAY1.minusSeconds(i), "p" + i % 4);
                games.add(g);
                a.store(List.of(g)); // one game per batch, as at a low rate
            }
            List<Path> files = files(root);
            assertTrue("merged: " + files.size() + " files for " + n + " batches", files.size() <= 8);
            assertEquals(n, a.stats().games());
            assertEquals(files.size(), a.stats().packs());
            for (CompletedGame g : games) {
                assertSame(g, a.load(g.gameId()).orElseThrow());
            }
            assertEquals(n, a.query(new ArchiveQuery(Instant.EPOCH, DAY1.plusSeconds(1), Optional.empty(), 1000)).size());
        }
        // A crash between writing a merged pack and deleting its inputs leaves games twice.
        Path somePack = files(root).get(0);
        Files.copy(somePack, somePack.resolveSibling("p0-copy.pack"));
        try (FileArchive a = open(root)) {
            Set<String> ids = new HashSet<>();
            a.forEachId(id -> assertTrue("once: " + id, ids.add(id)));
            assertEquals(n, ids.size());
            for (CompletedGame g : games) {
                assertSame(g, a.load(g.gameId()).orElseThrow());
            }
        }
    }

    @Test
    public void aClosedArchiveRefusesCallsWithBackendUnavailable() throws Exception {
        FileArchive a = open(tmp.newFolder("fs").toPath());
        a.close();
        try {
            a.store(List.of(game("a", DAY1, "p")));
            fail("stored after close");
        } catch (ArchiveException e) {
            assertEquals("backend_unavailable", e.code());
        }
    }
}
