package dev.ludus.eventstore;

import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogStats;
import dev.ludus.eventlog.LogMetrics;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;

/**
 * The event store's series in the node's {@link MetricRegistry}, each labelled with this bundle's
 * symbolic name and version:
 *
 * <ul>
 * <li>{@code ludus_eventstore_append_seconds} (timer): from an append's call to its completion
 * (durable, or refused for a wrong expected version), by {@code result};</li>
 * <li>{@code ludus_eventstore_group_events} (histogram): events per group commit;</li>
 * <li>{@code ludus_eventstore_write_seconds}, {@code ludus_eventstore_fsync_seconds} (timers): the
 * write and the fsync of each group commit;</li>
 * <li>{@code ludus_eventstore_written_bytes}, {@code ludus_eventstore_io_failures} (counters);</li>
 * <li>{@code ludus_eventstore_streams}, {@code _events}, {@code _log_bytes}, {@code _segments},
 * {@code _pending_appends} (gauges, read from the open log when scraped);</li>
 * <li>{@code ludus_eventstore_disk_free_bytes} (gauge): the space this user may still write on the
 * log's disk, -1 while no log is open or it cannot be read.</li>
 * </ul>
 */
final class EventStoreMetrics implements LogMetrics {

    static final String PREFIX = "ludus_eventstore_";

    private final MetricRegistry registry;
    private final Map<String, String> labels;
    private final Timer appendsAccepted;
    private final Timer appendsRefused;
    private final Histogram groupEvents;
    private final Timer writes;
    private final Timer fsyncs;
    private final Counter writtenBytes;
    private final Counter ioFailures;

    /**
     * Registers the series.
     *
     * @param log the open log for the gauges, or null while none is
     */
    EventStoreMetrics(MetricRegistry registry, String bundle, String version, Supplier<EventLog> log) {
        this.registry = registry;
        this.labels = Map.of(MetricLabels.BUNDLE, bundle, MetricLabels.BUNDLE_VERSION, version);
        remove(); // what an earlier instance may have left
        appendsAccepted = registry.timer(name("append_seconds").with("result", "durable").toString());
        appendsRefused = registry.timer(name("append_seconds").with("result", "wrong_version").toString());
        groupEvents = registry.histogram(name("group_events").toString());
        writes = registry.timer(name("write_seconds").toString());
        // Summing, so a reader can take the mean fsync time between two readings (the gateway's load shedding).
        fsyncs = registry.timer(name("fsync_seconds").toString(), dev.ludus.api.metrics.SummingTimer::new);
        writtenBytes = registry.counter(name("written_bytes").toString());
        ioFailures = registry.counter(name("io_failures").toString());
        gauge("streams", log, s -> s.streams());
        gauge("events", log, LogStats::events);
        gauge("log_bytes", log, LogStats::bytes);
        gauge("segments", log, s -> s.segments());
        gauge("pending_appends", log, s -> s.pendingAppends());
        registry.register(name("disk_free_bytes").toString(), (Gauge<Long>) () -> {
            EventLog l = log.get();
            return l == null ? -1L : ConfiguredEventStore.freeBytes(l.directory());
        });
    }

    private MetricName name(String what) {
        return MetricName.of(PREFIX + what, labels);
    }

    private void gauge(String what, Supplier<EventLog> log, ToLongFunction<LogStats> figure) {
        registry.register(name(what).toString(), (Gauge<Long>) () -> {
            EventLog l = log.get();
            return l == null ? 0L : figure.applyAsLong(l.stats());
        });
    }

    @Override
    public void groupCommitted(int events, int bytes, long writeNanos, long fsyncNanos) {
        groupEvents.update(events);
        writes.update(writeNanos, TimeUnit.NANOSECONDS);
        fsyncs.update(fsyncNanos, TimeUnit.NANOSECONDS);
        writtenBytes.inc(bytes);
    }

    @Override
    public void appendCompleted(long nanos, boolean accepted) {
        (accepted ? appendsAccepted : appendsRefused).update(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void ioFailure() {
        ioFailures.inc();
    }

    MetricRegistry registry() {
        return registry;
    }

    /** Takes every series of the event store out of the registry. */
    void remove() {
        registry.removeMatching((name, metric) -> name.startsWith(PREFIX));
    }
}
