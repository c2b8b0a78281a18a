package dev.ludus.eventstore;

import dev.ludus.eventlog.DataDirectories;
import java.io.File;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;

/**
 * The {@link SnapshotStore} service: {@link SnapshotFiles} in the configured snapshot directory
 * (PID {@value ConfiguredEventStore#PID}, property {@code snapshotDirectory}). A change of directory
 * applies to the next call; snapshots are not moved (losing them costs replay time, never data).
 */
@Component(service = SnapshotStore.class, configurationPid = ConfiguredEventStore.PID, property = "ludus.eventstore=file")
public class FileSnapshotStore implements SnapshotStore {

    static final String DEFAULT_FOLDER = "snapshots";

    private final ServiceClock clock = new ServiceClock();
    private volatile SnapshotFiles files;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setClock(Clock c) {
        clock.use(c);
    }

    void unsetClock(Clock c) {
        clock.release(c);
    }

    @Activate
    @Modified
    void configure(EventStoreConfig config, BundleContext context) {
        File data = context.getDataFile("");
        Path dir = DataDirectories.resolve(config.snapshotDirectory(), context.getProperty(DataDirectories.LUDUS_DATA),
                data == null ? null : data.toPath(), DEFAULT_FOLDER);
        SnapshotFiles current = files;
        if (current == null || !current.directory().equals(dir)) {
            files = new SnapshotFiles(dir, clock);
        }
    }

    @Override
    public void save(Snapshot snapshot) {
        files.save(snapshot);
    }

    @Override
    public Optional<Snapshot> latest(String stream) {
        return files.latest(stream);
    }

    @Override
    public void delete(String stream) {
        files.delete(stream);
    }
}
