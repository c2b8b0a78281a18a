package dev.ludus.eventstore;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * The {@code eventstore} health check. It is its own component so it can report why the event
 * store is not running (a corrupt log, a bad configuration) while no {@code EventStore} service is
 * registered. {@link FileEventStore} tells it what happens.
 *
 * <ul>
 * <li>UP: the log is open and appending.</li>
 * <li>DEGRADED: an I/O error failed appends within the last minute (the log recovered), more than
 * 80% of {@code maxPendingAppends} are waiting, or a configuration change could not be applied.</li>
 * <li>DOWN: the log is not open (starting, closed, corrupt, misconfigured) or refuses appends after
 * an I/O failure it could not undo.</li>
 * </ul>
 */
@Component(service = {HealthCheck.class, EventStoreHealth.class}, immediate = true)
public class EventStoreHealth implements HealthCheck {

    static final long RECENT_ERROR_MILLIS = 60_000;

    /** What the health check knows; replaced as a whole. */
    private record State(EventLog log, String down, Path directory, String warning) {
    }

    private volatile State state = new State(null, "not started", null, "");

    void opening(Path directory) {
        state = new State(null, "opening and scanning the event log", directory, "");
    }

    void opened(EventLog log) {
        state = new State(log, null, log.directory(), "");
    }

    void failed(Path directory, String reason) {
        state = new State(null, reason, directory, "");
    }

    void closed() {
        State s = state;
        state = new State(null, "closed", s.directory(), "");
    }

    /** A configuration change was not applied; the log keeps running as before. */
    void warn(String warning) {
        State s = state;
        state = new State(s.log(), s.down(), s.directory(), warning);
    }

    @Override
    public String name() {
        return "eventstore";
    }

    @Override
    public HealthResult check() {
        State s = state;
        Map<String, Object> details = new LinkedHashMap<>();
        if (s.directory() != null) {
            details.put("directory", s.directory().toString());
        }
        EventLog log = s.log();
        if (log == null) {
            return HealthResult.down(s.down(), details);
        }
        LogStats st = log.stats();
        details.put("streams", st.streams());
        details.put("events", st.events());
        details.put("bytes", st.bytes());
        details.put("segments", st.segments());
        details.put("pendingAppends", st.pendingAppends());
        details.put("groups", st.groups());
        details.put("groupEventsLast", st.lastGroupEvents());
        details.put("groupEventsMax", st.maxGroupEvents());
        details.put("groupEventsMean", Math.round(st.meanGroupEvents() * 10) / 10.0);
        details.put("fsyncMicrosLast", st.lastFsyncMicros());
        details.put("fsyncMicrosMax", st.maxFsyncMicros());
        details.put("ioFailures", st.ioFailures());
        details.put("startupScanMillis", st.scanMillis());
        details.put("startupDroppedBytes", st.droppedBytes());
        if (!st.lastError().isEmpty()) {
            details.put("lastError", st.lastError());
            details.put("lastErrorAgeMillis", st.lastErrorAgeMillis());
        }
        if (st.closed()) {
            return HealthResult.down("closed", details);
        }
        if (!st.failure().isEmpty()) {
            return HealthResult.down("appends refused: " + st.failure(), details);
        }
        if (st.lastErrorAgeMillis() >= 0 && st.lastErrorAgeMillis() < RECENT_ERROR_MILLIS) {
            return HealthResult.degraded("I/O error " + st.lastErrorAgeMillis() / 1000 + " s ago, its appends failed: "
                    + st.lastError(), details);
        }
        int limit = st.settings().maxPendingAppends();
        if (st.pendingAppends() >= limit * 0.8) {
            return HealthResult.degraded(st.pendingAppends() + " appends waiting for the disk (limit " + limit + ")",
                    details);
        }
        if (!s.warning().isEmpty()) {
            return HealthResult.degraded(s.warning(), details);
        }
        return HealthResult.up(details);
    }
}
