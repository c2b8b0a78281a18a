package dev.ludus.archive;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.RunningTotal;
import dev.ludus.api.metrics.SummingTimer;

/**
 * The archive's counts and times. They live as long as the archive service and are put into the
 * node's {@link MetricRegistry} while one is bound (a swap of the metrics bundle loses no count),
 * each series labelled with this bundle's symbolic name and version:
 *
 * <ul>
 * <li>{@code ludus_archive_queue_games}, {@code ludus_archive_queue_bytes},
 * {@code ludus_archive_oldest_waiting_seconds} (gauges): the durable queue;</li>
 * <li>{@code ludus_archive_stored_games{backend}}, {@code ludus_archive_stored_bytes{backend}}
 * (counters): games and their record bytes a backend took;</li>
 * <li>{@code ludus_archive_store_seconds{backend}} (timer, with an exact sum): one batch's store call;</li>
 * <li>{@code ludus_archive_store_failures{backend}} (counter): failed batches (each retried);</li>
 * <li>{@code ludus_archive_retention_deleted} (counter, read from the service's running total).</li>
 * </ul>
 */
final class ArchiveMetrics implements Archiver.Listener {

    static final String PREFIX = "ludus_archive_";

    private record PerBackend(Counter games, Counter bytes, Timer time, Counter failures) {
    }

    private record Bound(MetricRegistry registry, Map<String, String> labels) {
    }

    private final Map<String, PerBackend> backends = new ConcurrentHashMap<>();
    private final LongSupplier queueGames;
    private final LongSupplier queueBytes;
    private final LongSupplier oldestWaitingSeconds;
    private final LongSupplier retentionDeleted;
    private Bound bound; // guarded by this

    ArchiveMetrics(LongSupplier queueGames, LongSupplier queueBytes, LongSupplier oldestWaitingSeconds,
                   LongSupplier retentionDeleted) {
        this.queueGames = queueGames;
        this.queueBytes = queueBytes;
        this.oldestWaitingSeconds = oldestWaitingSeconds;
        this.retentionDeleted = retentionDeleted;
    }

    @Override
    public void stored(String backend, int games, long bytes, long nanos) {
        PerBackend b = of(backend);
        b.games().inc(games);
        b.bytes().inc(bytes);
        b.time().update(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void failed(String backend, long nanos) {
        PerBackend b = of(backend);
        b.failures().inc();
        b.time().update(nanos, TimeUnit.NANOSECONDS);
    }

    private PerBackend of(String backend) {
        return backends.computeIfAbsent(backend, name -> {
            PerBackend b = new PerBackend(new Counter(), new Counter(), new SummingTimer(), new Counter());
            synchronized (this) {
                if (bound != null) {
                    put(bound, name, b);
                }
            }
            return b;
        });
    }

    /** Puts every series into {@code registry}, under this bundle's labels; takes them out of the previous one. */
    synchronized void bind(MetricRegistry registry, String bundle, String version) {
        unbind();
        Bound b = new Bound(registry, Map.of(MetricLabels.BUNDLE, bundle, MetricLabels.BUNDLE_VERSION, version));
        registry.removeMatching((name, metric) -> name.startsWith(PREFIX)); // what an earlier archive may have left
        gauge(b, "queue_games", queueGames);
        gauge(b, "queue_bytes", queueBytes);
        gauge(b, "oldest_waiting_seconds", oldestWaitingSeconds);
        register(b, MetricName.of(PREFIX + "retention_deleted", b.labels()), new RunningTotal(retentionDeleted));
        backends.forEach((name, series) -> put(b, name, series));
        bound = b;
    }

    /** Takes every series out of the registry they are in, if any; the counts go on. */
    synchronized void unbind() {
        if (bound != null) {
            bound.registry().removeMatching((name, metric) -> name.startsWith(PREFIX));
            bound = null;
        }
    }

    synchronized MetricRegistry registry() {
        return bound == null ? null : bound.registry();
    }

    private static void gauge(Bound b, String what, LongSupplier value) {
        register(b, MetricName.of(PREFIX + what, b.labels()), (Gauge<Long>) value::getAsLong);
    }

    private static void put(Bound b, String backend, PerBackend s) {
        Function<String, MetricName> name = what -> MetricName.of(PREFIX + what, b.labels()).with("backend", backend);
        register(b, name.apply("stored_games"), s.games());
        register(b, name.apply("stored_bytes"), s.bytes());
        register(b, name.apply("store_seconds"), s.time());
        register(b, name.apply("store_failures"), s.failures());
    }

    private static void register(Bound b, MetricName name, Metric metric) {
        b.registry().register(name.toString(), metric);
    }
}
