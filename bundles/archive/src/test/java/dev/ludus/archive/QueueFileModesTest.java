package dev.ludus.archive;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Queued games are whole game records: whatever the umask, only the owner reads the queue. */
public class QueueFileModesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void segmentsCursorAndDirectoryAreOwnerOnly() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("archive").resolve("queue");
        try (DurableQueue q = new DurableQueue(dir, 4096, Clock.systemUTC())) {
            for (int i = 0; i < 20; i++) {
                q.append(Games.game(i));
            }
            q.ack(q.peek(5, Long.MAX_VALUE)); // writes the cursor
        }
        List<String> open = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(dir.getParent())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                files += Files.isRegularFile(p) ? 1 : 0;
                if (!mode.equals(Files.isDirectory(p) ? "rwx------" : "rw-------")) {
                    open.add(dir.getParent().relativize(p) + " " + mode);
                }
            }
        }
        assertEquals(List.of(), open);
        assertEquals("segments and the cursor were written", true, files >= 2);
    }
}
