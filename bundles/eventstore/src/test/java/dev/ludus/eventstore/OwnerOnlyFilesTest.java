package dev.ludus.eventstore;

import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.Events;
import dev.ludus.eventlog.LogSettings;

import static dev.ludus.eventlog.Events.event;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
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

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.Snapshot;

/** The log holds game seeds: whatever the umask (the build's is usually 022), only the owner reads it. */
public class OwnerOnlyFilesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    static List<String> openToOthers(Path root) throws Exception {
        List<String> open = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                if (!mode.equals(Files.isDirectory(p) ? "rwx------" : "rw-------")) {
                    open.add(root.relativize(p) + " " + mode);
                }
            }
        }
        return open;
    }

    @Test
    public void segmentsSnapshotsAndTheirDirectoriesAreOwnerOnly() throws Exception {
        Path data = tmp.newFolder().toPath().resolve("data");
        try (EventLog log = EventLog.open(data.resolve("events"), LogSettings.defaults().withSegmentBytes(4096),
                Clock.systemUTC())) {
            for (int i = 0; i < 40; i++) { // several segments
                log.append("game-" + i, EventStore.NO_STREAM, List.of(event("started", "seed=" + (1000 + i) + "x".repeat(200))));
            }
        }
        SnapshotFiles snapshots = new SnapshotFiles(data.resolve("snapshots"), Clock.systemUTC());
        snapshots.save(new Snapshot("game-1", 1, "state".getBytes(StandardCharsets.UTF_8)));

        try (Stream<Path> s = Files.list(data.resolve("events"))) {
            assertTrue("several segments were written", s.count() > 3);
        }
        assertEquals(List.of(), openToOthers(data));
    }
}
