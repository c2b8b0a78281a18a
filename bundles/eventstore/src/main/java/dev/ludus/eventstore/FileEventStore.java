package dev.ludus.eventstore;

import dev.ludus.eventlog.EventLog;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;

/**
 * The {@link EventStore} service. A factory component: {@link ConfiguredEventStore} creates the one
 * instance once the log is open and usable, and disposes of it before it closes the log, so no
 * EventStore service is registered while the log is corrupt, misconfigured or closed.
 *
 * <p>Each call goes to the log in use at that moment (a directory change swaps it); a call on a
 * closed log fails with {@code store_closed}.
 */
@Component(factory = FileEventStore.FACTORY, service = EventStore.class, property = "ludus.eventstore=file")
public class FileEventStore implements EventStore {

    static final String FACTORY = "dev.ludus.eventstore.FileEventStore";
    /** Private component property (not a service property): the {@code Supplier<EventLog>} to use. */
    static final String LOG = ".log";

    private Supplier<EventLog> log;

    @Activate
    @SuppressWarnings("unchecked")
    void activate(Map<String, Object> properties) {
        log = (Supplier<EventLog>) properties.get(LOG);
    }

    @Override
    public long append(String stream, long expectedVersion, List<NewEvent> events) {
        return log.get().append(stream, expectedVersion, events);
    }

    @Override
    public CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events) {
        return log.get().appendAsync(stream, expectedVersion, events);
    }

    @Override
    public List<RecordedEvent> read(String stream, long fromVersion, int maxCount) {
        return log.get().read(stream, fromVersion, maxCount);
    }

    @Override
    public long version(String stream) {
        return log.get().version(stream);
    }

    @Override
    public Set<String> streams() {
        return log.get().streams();
    }
}
