package dev.ludus.archive.fs;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Packs are finished games with their seeds: whatever the umask, only the owner reads them. */
public class PackFileModesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void packsAndDatePartitionDirectoriesAreOwnerOnly() throws Exception {
        Path root = tmp.newFolder().toPath().resolve("archive-fs");
        try (FileArchive a = new FileArchive(root, 6)) {
            a.store(List.of(FileArchiveTest.game("a", FileArchiveTest.DAY1, "p1"),
                    FileArchiveTest.game("b", FileArchiveTest.DAY1.plus(Duration.ofDays(40)), "p2")));
        }
        List<String> open = new ArrayList<>();
        int packs = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                packs += p.toString().endsWith(".pack") ? 1 : 0;
                if (!mode.equals(Files.isDirectory(p) ? "rwx------" : "rw-------")) {
                    open.add(root.relativize(p) + " " + mode);
                }
            }
        }
        assertEquals(List.of(), open);
        assertTrue(packs == 2);
    }
}
