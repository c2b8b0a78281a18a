package dev.ludus.eventstore;

import static dev.ludus.eventlog.Events.assertCode;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.Snapshot;

public class SnapshotFilesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    public void saveLatestAndDeleteSurviveANewInstance() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("snapshots");
        SnapshotFiles store = new SnapshotFiles(dir, Clock.systemUTC());
        assertEquals(Optional.empty(), store.latest("game-1"));
        store.save(new Snapshot("game-1", 10, bytes("state@10")));
        store.save(new Snapshot("game-2", 3, new byte[0]));
        store.save(new Snapshot("game-1", 20, bytes("state@20")));

        SnapshotFiles again = new SnapshotFiles(dir, Clock.systemUTC());
        Snapshot s = again.latest("game-1").orElseThrow();
        assertEquals("game-1", s.stream());
        assertEquals(20, s.version());
        assertArrayEquals(bytes("state@20"), s.data());
        assertEquals(0, again.latest("game-2").orElseThrow().data().length);
        assertEquals("one file per stream, no temporary files left", 2, files(dir).size());

        again.delete("game-1");
        again.delete("never-saved");
        assertEquals(Optional.empty(), again.latest("game-1"));
        assertTrue(again.latest("game-2").isPresent());
        assertEquals(1, files(dir).size());
    }

    @Test
    public void anOlderSnapshotDoesNotReplaceANewerOne() throws Exception {
        SnapshotFiles store = new SnapshotFiles(tmp.newFolder().toPath(), Clock.systemUTC());
        store.save(new Snapshot("g", 50, bytes("fifty")));
        store.save(new Snapshot("g", 40, bytes("forty")));
        assertEquals(50, store.latest("g").orElseThrow().version());
        store.save(new Snapshot("g", 50, bytes("fifty again")));
        assertArrayEquals(bytes("fifty again"), store.latest("g").orElseThrow().data());
    }

    @Test
    public void aCorruptSnapshotIsIgnoredMovedAsideAndReplacedByTheNextSave() throws Exception {
        Path dir = tmp.newFolder().toPath();
        SnapshotFiles store = new SnapshotFiles(dir, Clock.systemUTC());
        store.save(new Snapshot("g", 7, bytes("some state of the game")));
        Path file = files(dir).get(0);
        byte[] content = Files.readAllBytes(file);
        content[content.length - 3] ^= 0x20;
        Files.write(file, content);

        assertEquals(Optional.empty(), store.latest("g"));
        assertFalse(Files.exists(file));
        assertTrue(Files.exists(file.resolveSibling(file.getFileName() + ".corrupt")));
        store.save(new Snapshot("g", 8, bytes("next")));
        assertEquals(8, store.latest("g").orElseThrow().version());

        // Truncated, and a file that holds another stream's snapshot.
        Files.write(file, new byte[] {1, 2, 3});
        assertEquals(Optional.empty(), store.latest("g"));
        store.save(new Snapshot("h", 1, bytes("h")));
        Path h = dir.resolve(files(dir).stream().filter(p -> !p.equals(file) && p.toString().endsWith(".snapshot"))
                .findFirst().orElseThrow().getFileName());
        Files.copy(h, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(Optional.empty(), store.latest("g"));
        assertEquals(1, store.latest("h").orElseThrow().version());
    }

    @Test
    public void aCorruptSnapshotDoesNotBlockSavingAnOlderVersion() throws Exception {
        Path dir = tmp.newFolder().toPath();
        SnapshotFiles store = new SnapshotFiles(dir, Clock.systemUTC());
        store.save(new Snapshot("g", 100, bytes("x")));
        Path file = files(dir).get(0);
        byte[] content = Files.readAllBytes(file);
        content[9] ^= 0x7F; // the version field: a corrupt header must not pin a bogus version
        Files.write(file, content);
        store.save(new Snapshot("g", 5, bytes("five")));
        assertEquals(5, store.latest("g").orElseThrow().version());
    }

    @Test
    public void leftoverTemporaryFilesAreRemovedOnStart() throws Exception {
        Path dir = tmp.newFolder().toPath();
        Files.write(dir.resolve("abc.snapshot.tmp17"), new byte[10]);
        new SnapshotFiles(dir, Clock.systemUTC());
        assertEquals(List.of(), files(dir));
    }

    @Test
    public void badInputGetsAStableCode() throws Exception {
        SnapshotFiles store = new SnapshotFiles(tmp.newFolder().toPath(), Clock.systemUTC());
        assertCode("invalid_argument", () -> store.save(null));
        assertCode("invalid_stream", () -> store.save(new Snapshot("", 1, new byte[0])));
        assertCode("invalid_argument", () -> store.save(new Snapshot("g", -1, new byte[0])));
        assertCode("invalid_stream", () -> store.latest(null));
        assertCode("invalid_stream", () -> store.delete("x".repeat(300)));
    }
}
