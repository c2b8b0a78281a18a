package dev.ludus.bus.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.SummingTimer;

/**
 * A bus's counts, in the node's registry while one is bound, labelled with {@code bus="<implementation>"}
 * and the bus bundle's name and version:
 * <ul>
 * <li>{@code ludus_bus_publish_seconds} (timer): publishes made durable, from call to acknowledgement;</li>
 * <li>{@code ludus_bus_publish_refused} (counter): publishes refused (bad message, overload, closed);</li>
 * <li>{@code ludus_bus_delivered}, {@code ludus_bus_redelivered}, {@code ludus_bus_acked},
 * {@code ludus_bus_dead_lettered} (counters);</li>
 * <li>{@code ludus_bus_consumer_lag}, {@code ludus_bus_dead_letters} (gauges, label {@code group}):
 * messages not yet acknowledged, dead letters waiting.</li>
 * </ul>
 */
public final class BusMetrics {

    public static final String PREFIX = "ludus_bus_";

    public final Timer publishes = new SummingTimer();
    public final Counter refused = new Counter();
    public final Counter delivered = new Counter();
    public final Counter redelivered = new Counter();
    public final Counter acked = new Counter();
    public final Counter deadLettered = new Counter();
    private final String implementation;
    private final String mine;
    private Map<String, String> labels;
    private MetricRegistry bound; // guarded by this
    private java.util.function.Supplier<BusStatus> status;

    /** The counts of the bus {@code implementation} ({@code local}, {@code nats}, {@code rabbitmq}). */
    public BusMetrics(String implementation) {
        this.implementation = implementation;
        this.mine = "bus=\"" + implementation + "\"";
        this.labels = Map.of("bus", implementation);
    }

    /** Labels the series with the bus bundle's name and version (before {@link #bind}). */
    public synchronized void bundle(String name, String version) {
        labels = Map.of("bus", implementation, MetricLabels.BUNDLE, name, MetricLabels.BUNDLE_VERSION, version);
    }

    /** Whether a registry is bound: the timer is only fed then (as the event log's metrics). */
    private volatile boolean recording;

    public void published(long nanos) {
        if (recording) {
            publishes.update(nanos, TimeUnit.NANOSECONDS);
        }
    }

    public void delivered(boolean again) {
        delivered.inc();
        if (again) {
            redelivered.inc();
        }
    }

    public void acked() {
        acked.inc();
    }

    /**
     * Registers the series in {@code registry}, with the gauges of the groups known now. The groups
     * are read before this object's lock is taken: the bus calls {@link #group} under its own lock.
     */
    public void bind(MetricRegistry registry, java.util.function.Supplier<BusStatus> statusSource) {
        List<String> known = statusSource.get().groups().stream().map(BusStatus.Group::group).toList();
        bindLocked(registry, statusSource, known);
    }

    private synchronized void bindLocked(MetricRegistry registry, java.util.function.Supplier<BusStatus> statusSource,
                                         List<String> known) {
        unbind();
        this.status = statusSource;
        registry.removeMatching((name, metric) -> name.startsWith(PREFIX) && name.contains(mine));
        registry.register(MetricName.of(PREFIX + "publish_seconds", labels).toString(), publishes);
        registry.register(MetricName.of(PREFIX + "publish_refused", labels).toString(), refused);
        registry.register(MetricName.of(PREFIX + "delivered", labels).toString(), delivered);
        registry.register(MetricName.of(PREFIX + "redelivered", labels).toString(), redelivered);
        registry.register(MetricName.of(PREFIX + "acked", labels).toString(), acked);
        registry.register(MetricName.of(PREFIX + "dead_lettered", labels).toString(), deadLettered);
        bound = registry;
        recording = true;
        known.forEach(this::group); // groups that came before the registry
    }

    /** Registers the per-group gauges of a group seen for the first time. */
    public synchronized void group(String group) {
        if (bound == null) {
            return;
        }
        gauge(group, "consumer_lag", BusStatus.Group::lag);
        gauge(group, "dead_letters", BusStatus.Group::deadLetters);
    }

    private void gauge(String group, String family, ToLongFunction<BusStatus.Group> figure) {
        java.util.TreeMap<String, String> l = new java.util.TreeMap<>(labels);
        l.put("group", group);
        String name = MetricName.of(PREFIX + family, l).toString();
        if (bound.getMetrics().containsKey(name)) {
            return;
        }
        java.util.function.Supplier<BusStatus> source = status;
        bound.register(name, (Gauge<Long>) () -> {
            for (BusStatus.Group g : source.get().groups()) {
                if (g.group().equals(group)) {
                    return figure.applyAsLong(g);
                }
            }
            return 0L;
        });
    }

    public synchronized void unbind() {
        recording = false;
        if (bound != null) {
            bound.removeMatching((name, metric) -> name.startsWith(PREFIX) && name.contains(mine));
            bound = null;
        }
    }
}
