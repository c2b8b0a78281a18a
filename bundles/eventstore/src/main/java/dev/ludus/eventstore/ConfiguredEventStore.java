package dev.ludus.eventstore;

import dev.ludus.eventlog.DataDirectories;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventlog.LogStats;
import dev.ludus.eventlog.LogTracing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.ComponentFactory;
import org.osgi.service.component.ComponentInstance;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import io.opentelemetry.api.OpenTelemetry;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * The event store as configured (PID {@value #PID}): opens the {@link EventLog}, owns it and its
 * writer thread, registers the {@link EventStore} service ({@link FileEventStore}) while the log is
 * usable, and is the {@code eventstore} health check.
 *
 * <p>Opening runs on the component's own lifecycle thread. Activation waits up to a second for it,
 * which covers the usual log; a longer start-up scan continues in the background so it does not
 * hold up the framework's start levels, and meanwhile health is DOWN ("opening and scanning the
 * event log") and no EventStore service is registered. Configuration changes and closing run on
 * the same thread, one after another.
 *
 * <p>If the log cannot be opened (corrupt, see the event log's recovery; unreadable; locked by another
 * process; misconfigured), no EventStore service is registered and the health check is DOWN with
 * the reason. A later configuration change or a restart of the bundle tries again; so does a
 * configuration change after the log started refusing appends (an I/O failure it could not undo:
 * the service stays registered meanwhile, reads work, appends fail with {@code io_error}).
 *
 * <p>A configuration change of the group-commit limits, the segment size or the pending limit
 * applies in place. A change of directory opens and scans the new directory first, then switches
 * to it and closes the old log (appends still queued there fail with {@code store_closed}); if
 * the new directory cannot be opened, the store keeps the old one and reports DEGRADED.
 * Deactivation unregisters the service, then closes the log: the group being committed completes,
 * queued appends fail with {@code store_closed}.
 *
 * <p>Health: UP while the log is open and appending; DEGRADED if an I/O error failed appends within
 * the last minute (the log recovered), more than 80% of {@code maxPendingAppends} are waiting, or a
 * configuration change could not be applied; DOWN if the log is not open or refuses appends after
 * an I/O failure it could not undo.
 */
@Component(service = HealthCheck.class, immediate = true, configurationPid = ConfiguredEventStore.PID)
@Designate(ocd = EventStoreConfig.class)
public class ConfiguredEventStore implements HealthCheck {

    /** The configuration PID of the event store and the snapshot store. */
    public static final String PID = "dev.ludus.eventstore";
    static final String DEFAULT_FOLDER = "events";
    static final long RECENT_ERROR_MILLIS = 60_000;

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredEventStore.class);

    /** What the health check reports from; replaced as a whole. */
    private record State(EventLog log, String down, Path directory, String warning) {
    }

    @Reference(target = "(component.factory=" + FileEventStore.FACTORY + ")")
    private ComponentFactory<EventStore> factory;

    private final ServiceClock clock = new ServiceClock();
    private final AtomicReference<EventLog> current = new AtomicReference<>();
    private volatile State state = new State(null, "not started", null, "");
    /** Opens, reconfigures and closes the log, one step at a time, off SCR's (start-level) thread. */
    private ExecutorService lifecycle;
    private final AtomicBoolean deactivated = new AtomicBoolean();
    private ComponentInstance<EventStore> registration; // touched only on the lifecycle thread
    /** How long activation waits for the log to open before letting it finish in the background. */
    long openWaitMillis = 1000;
    private volatile String ludusData;
    /** Health is DEGRADED while the log's disk has less space free (0: not watched). */
    private volatile long minFreeBytes;
    private volatile Path bundleData;
    /** The series in the node's metrics registry, while one is bound. */
    private volatile EventStoreMetrics metrics;
    /** The spans of traced appends, while an OpenTelemetry service is bound. */
    private volatile LogTracing tracing = LogTracing.NONE;

    /** For Declarative Services. */
    public ConfiguredEventStore() {
    }

    ConfiguredEventStore(ComponentFactory<EventStore> factory) {
        this.factory = factory;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setClock(Clock c) {
        clock.use(c);
    }

    void unsetClock(Clock c) {
        clock.release(c);
    }

    /**
     * The node's metrics registry (the metrics bundle), optional: the store records its series
     * there while one is bound, and takes them out when it leaves or the store stops.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMetricRegistry(MetricRegistry registry) {
        Bundle b = FrameworkUtil.getBundle(ConfiguredEventStore.class); // bound before activation: no context yet
        EventStoreMetrics m = new EventStoreMetrics(registry, b == null ? "dev.ludus.eventstore" : b.getSymbolicName(),
                b == null ? "0" : b.getVersion().toString(), current::get);
        EventStoreMetrics before = metrics;
        metrics = m;
        EventLog log = current.get();
        if (log != null) {
            log.metrics(m);
        }
        if (before != null) {
            before.remove(); // a greedy rebind: the old registry's series go
        }
    }

    void unbindMetricRegistry(MetricRegistry registry) {
        EventStoreMetrics m = metrics;
        if (m != null && m.registry() == registry) {
            metrics = null;
            EventLog log = current.get();
            if (log != null) {
                log.metrics(null);
            }
            m.remove();
        }
    }

    /**
     * The node's OpenTelemetry (a tracing bundle's SDK), optional: appends made within a traced
     * action get their spans through it while one is bound; the API's no-op otherwise.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOpenTelemetry(OpenTelemetry otel) {
        Bundle b = FrameworkUtil.getBundle(ConfiguredEventStore.class);
        LogTracing t = LogTracing.of(otel, b == null ? "0" : b.getVersion().toString());
        tracing = t;
        EventLog log = current.get();
        if (log != null) {
            log.tracing(t);
        }
    }

    void unbindOpenTelemetry(OpenTelemetry otel) {
        if (tracing.otel() == otel) {
            tracing = LogTracing.NONE;
            EventLog log = current.get();
            if (log != null) {
                log.tracing(null);
            }
        }
    }

    @Activate
    void activate(EventStoreConfig config, BundleContext context) {
        File data = context.getDataFile("");
        start(config, context.getProperty(DataDirectories.LUDUS_DATA), data == null ? null : data.toPath());
    }

    /**
     * Starts the lifecycle thread and has it open the log, waiting up to {@link #openWaitMillis}
     * for that (scanning a large log takes a while; the framework's start levels need not wait
     * for all of it). Health is DOWN until the log is open.
     */
    void start(EventStoreConfig config, String ludusData, Path bundleData) {
        this.minFreeBytes = config.minFreeMegabytes() << 20;
        this.ludusData = ludusData;
        this.bundleData = bundleData;
        state = new State(null, "opening and scanning the event log", null, "");
        lifecycle = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ludus-eventstore-lifecycle");
            t.setDaemon(true);
            return t;
        });
        Future<?> opened = lifecycle.submit(() -> open(config));
        try {
            // The usual log opens in milliseconds: wait for it, so the next start levels (the rooms
            // runtime) find the store ready and health never blinks DOWN. A long scan continues
            // in the background.
            opened.get(openWaitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.info("event store: still scanning the log after " + openWaitMillis
                    + " ms; it continues in the background, health is DOWN until it is done");
        } catch (ExecutionException e) {
            LOG.error("event store: opening failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every lifecycle step queued so far has run (for tests). */
    void awaitIdle() throws Exception {
        lifecycle.submit(() -> { }).get(60, TimeUnit.SECONDS);
    }

    /** Opens the log; registers the service if it is not registered yet, or unregisters it on failure. */
    private void open(EventStoreConfig config) {
        Path dir = null;
        LogSettings settings;
        try {
            dir = directory(config);
            settings = settings(config);
        } catch (IllegalArgumentException | IllegalStateException e) {
            fail(dir, "invalid configuration of " + PID + ": " + e.getMessage());
            return;
        }
        state = new State(null, "opening and scanning the event log", dir, "");
        EventLog log;
        try {
            log = EventLog.open(dir, settings, clock);
        } catch (EventStoreException e) {
            fail(dir, e.code() + ": " + e.getMessage());
            return;
        }
        if (deactivated.get()) {
            log.close(); // deactivation did not wait for this scan to end
            return;
        }
        log.metrics(metrics);
        log.tracing(tracing);
        current.set(log);
        state = new State(log, null, dir, "");
        if (registration == null) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(FileEventStore.LOG, (Supplier<EventLog>) current::get);
            registration = factory.newInstance(properties);
        }
    }

    private void fail(Path dir, String reason) {
        LOG.error("event store not started, no EventStore service: " + reason);
        if (registration != null) {
            registration.dispose();
            registration = null;
        }
        state = new State(null, reason, dir, "");
    }

    private Path directory(EventStoreConfig config) {
        return DataDirectories.resolve(config.directory(), ludusData, bundleData, DEFAULT_FOLDER);
    }

    static LogSettings settings(EventStoreConfig c) {
        return new LogSettings(c.segmentSize(), c.groupMaxEvents(), c.groupMaxBytes(), c.groupMaxLingerMicros(),
                c.maxPendingAppends());
    }

    @Modified
    void modified(EventStoreConfig config) {
        minFreeBytes = config.minFreeMegabytes() << 20;
        lifecycle.execute(() -> reconfigure(config));
    }

    private void reconfigure(EventStoreConfig config) {
        EventLog log = current.get();
        if (log == null || log.isClosed() || !log.stats().failure().isEmpty()) {
            // Not running, or refusing appends after an I/O failure it could not undo: start again
            // (the scan cuts whatever the failure left at the end of the log).
            if (log != null) {
                log.close();
            }
            open(config);
            return;
        }
        Path dir;
        LogSettings settings;
        try {
            dir = directory(config);
            settings = settings(config);
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.error("configuration of " + PID + " ignored: " + e.getMessage());
            warn("configuration change ignored: " + e.getMessage());
            return;
        }
        if (sameDirectory(dir, log.directory())) {
            log.reconfigure(settings);
            state = new State(log, null, dir, "");
            LOG.info("event store reconfigured: " + settings);
            return;
        }
        EventLog next;
        try {
            next = EventLog.open(dir, settings, clock);
        } catch (EventStoreException e) {
            LOG.error("event store stays in " + log.directory() + ": cannot open " + dir + ": "
                    + e.getMessage());
            warn("cannot switch to " + dir + " (" + e.code() + ": " + e.getMessage() + "); still using "
                    + log.directory());
            return;
        }
        next.metrics(metrics);
        next.tracing(tracing);
        current.set(next);
        state = new State(next, null, dir, "");
        log.close();
        LOG.info("event store moved from " + log.directory() + " to " + dir);
    }

    private void warn(String warning) {
        State s = state;
        state = new State(s.log(), s.down(), s.directory(), warning);
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

    /**
     * Unregisters the service, then closes the log (the group being committed completes, queued
     * appends fail with {@code store_closed}) and stops the lifecycle thread. If a scan is still
     * running after 10 s, returns anyway: the scan's log is closed as soon as it ends.
     */
    @Deactivate
    void deactivate() {
        if (lifecycle == null || !deactivated.compareAndSet(false, true)) {
            return;
        }
        lifecycle.execute(this::close);
        lifecycle.shutdown();
        try {
            if (!lifecycle.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("event store: still scanning after 10 s; the log will be closed when the scan ends");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void close() {
        if (registration != null) {
            registration.dispose(); // no new callers find the service
            registration = null;
        }
        EventLog log = current.get();
        if (log != null) {
            log.close();
        }
        State s = state;
        state = new State(null, "closed", s.directory(), "");
    }

    /** The log in use, or null (for tests). */
    EventLog log() {
        return current.get();
    }

    @Override
    public String name() {
        return "eventstore";
    }

    /**
     * Not ready while the log refuses every append (an I/O failure it could not undo, or its files
     * deleted from under it): a node that cannot record a move must not be sent players. A log not
     * open yet holds nothing up here; the rooms' recovery does.
     */
    @Override
    public boolean ready() {
        EventLog log = state.log();
        return log == null || log.stats().failure().isEmpty();
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
        long free = freeBytes(s.directory());
        if (free >= 0) {
            details.put("freeBytes", free);
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
        long least = minFreeBytes;
        if (free >= 0 && least > 0 && free < least) {
            return HealthResult.degraded("the disk of the event log is nearly full: " + (free >> 20) + " MiB free, less "
                    + "than minFreeMegabytes (" + (least >> 20) + "); once it is full every move is refused", details);
        }
        if (!s.warning().isEmpty()) {
            return HealthResult.degraded(s.warning(), details);
        }
        return HealthResult.up(details);
    }

    /** The space this user may still write on the disk of {@code directory}; -1 when it cannot be read. */
    static long freeBytes(Path directory) {
        if (directory == null) {
            return -1;
        }
        try {
            return java.nio.file.Files.getFileStore(directory).getUsableSpace();
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }
}
