package dev.ludus.eventstore;

import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;

/**
 * The {@link EventStore} service: an {@link EventLog} in the configured directory.
 *
 * <p>Activation scans the log; if the log is corrupt (see {@link LogRecovery}) activation fails, no
 * EventStore service is registered, and the {@code eventstore} health check is DOWN with the reason.
 * A configuration change of the group-commit limits or the segment size applies in place. A change
 * of directory opens and scans the new directory first, then switches to it and closes the old log
 * (appends still queued there fail with {@code store_closed}); if the new directory cannot be opened
 * the store keeps the old one and reports DEGRADED. Deactivation closes the log: the group being
 * committed completes, queued appends fail with {@code store_closed}.
 */
@Component(service = EventStore.class, immediate = true, configurationPid = FileEventStore.PID)
@Designate(ocd = EventStoreConfig.class)
public class FileEventStore implements EventStore {

    /** The configuration PID of the event store and the snapshot store. */
    public static final String PID = "dev.ludus.eventstore";
    static final String DEFAULT_FOLDER = "events";

    private static final System.Logger LOG = System.getLogger(FileEventStore.class.getName());

    @Reference
    private EventStoreHealth health;

    private final ServiceClock clock = new ServiceClock();
    private volatile EventLog log;
    private String ludusData;
    private Path bundleData;

    /** For Declarative Services. */
    public FileEventStore() {
    }

    FileEventStore(EventStoreHealth health) {
        this.health = health;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setClock(Clock c) {
        clock.use(c);
    }

    void unsetClock(Clock c) {
        clock.release(c);
    }

    @Activate
    void activate(EventStoreConfig config, BundleContext context) {
        File data = context.getDataFile("");
        start(config, context.getProperty(DataDirectories.LUDUS_DATA), data == null ? null : data.toPath());
    }

    /** Opens the log; throws (failing activation) after telling the health check why. */
    void start(EventStoreConfig config, String ludusData, Path bundleData) {
        this.ludusData = ludusData;
        this.bundleData = bundleData;
        Path dir = null;
        LogSettings settings;
        try {
            dir = DataDirectories.resolve(config.directory(), ludusData, bundleData, DEFAULT_FOLDER);
            settings = settings(config);
        } catch (IllegalArgumentException | IllegalStateException e) {
            health.failed(dir, "invalid configuration of " + PID + ": " + e.getMessage());
            throw e;
        }
        health.opening(dir);
        try {
            log = EventLog.open(dir, settings, clock);
        } catch (EventStoreException e) {
            health.failed(dir, e.code() + ": " + e.getMessage());
            LOG.log(Level.ERROR, "event store not started: " + e.getMessage());
            throw e;
        }
        health.opened(log);
    }

    static LogSettings settings(EventStoreConfig c) {
        return new LogSettings(c.segmentSize(), c.groupMaxEvents(), c.groupMaxBytes(), c.groupMaxLingerMicros(),
                c.maxPendingAppends());
    }

    @Modified
    void modified(EventStoreConfig config) {
        EventLog current = log;
        Path dir;
        LogSettings settings;
        try {
            dir = DataDirectories.resolve(config.directory(), ludusData, bundleData, DEFAULT_FOLDER);
            settings = settings(config);
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.log(Level.ERROR, "configuration of " + PID + " ignored: " + e.getMessage());
            health.warn("configuration change ignored: " + e.getMessage());
            return;
        }
        if (sameDirectory(dir, current.directory())) {
            current.reconfigure(settings);
            health.opened(current);
            LOG.log(Level.INFO, () -> "event store reconfigured: " + settings);
            return;
        }
        EventLog next;
        try {
            next = EventLog.open(dir, settings, clock);
        } catch (EventStoreException e) {
            LOG.log(Level.ERROR, "event store stays in " + current.directory() + ": cannot open " + dir + ": "
                    + e.getMessage());
            health.warn("cannot switch to " + dir + " (" + e.code() + ": " + e.getMessage() + "); still using "
                    + current.directory());
            return;
        }
        log = next;
        health.opened(next);
        current.close();
        LOG.log(Level.INFO, () -> "event store moved from " + current.directory() + " to " + dir);
    }

    private static boolean sameDirectory(Path a, Path b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return Files.exists(a) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        EventLog current = log;
        if (current != null) {
            current.close();
        }
        health.closed();
    }

    /** The log in use (for tests and the health check). */
    EventLog log() {
        return log;
    }

    @Override
    public long append(String stream, long expectedVersion, List<NewEvent> events) {
        return log.append(stream, expectedVersion, events);
    }

    @Override
    public CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events) {
        return log.appendAsync(stream, expectedVersion, events);
    }

    @Override
    public List<RecordedEvent> read(String stream, long fromVersion, int maxCount) {
        return log.read(stream, fromVersion, maxCount);
    }

    @Override
    public long version(String stream) {
        return log.version(stream);
    }

    @Override
    public Set<String> streams() {
        return log.streams();
    }
}
