package dev.ludus.eventstore;

import java.io.File;
import java.nio.file.Path;
import java.time.Clock;

import org.junit.Before;
import org.junit.Rule;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.testing.eventstore.EventStoreContract;

/** The event store contract on the file log and the snapshot files, with the defaults the bundle uses. */
public class FileEventStoreContractTest extends EventStoreContract {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private Path events;
    private Path snapshots;

    @Before
    public void folders() throws Exception {
        Path root = tmp.newFolder().toPath();
        events = root.resolve("events");
        snapshots = root.resolve("snapshots");
    }

    @Override
    protected EventStore open() {
        return EventLog.open(events, LogSettings.defaults(), Clock.systemUTC());
    }

    @Override
    protected void close(EventStore store) {
        ((EventLog) store).close();
    }

    @Override
    protected SnapshotStore snapshots(EventStore store) {
        return new SnapshotFiles(snapshots, Clock.systemUTC());
    }
}
