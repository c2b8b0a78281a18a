package dev.ludus.health;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;

/**
 * The health statuses as series in the node's {@link MetricRegistry}, while one is bound:
 * {@code ludus_health_status{check}} (gauge), one series per registered check under the name it
 * has in {@code GET /health}, and {@code check="overall"} for the node's status, each 1 for
 * {@code UP}, 0.5 for {@code DEGRADED} and 0 for {@code DOWN}, labelled with this bundle's name
 * and version.
 *
 * <p>A scrape reads every series within a few milliseconds: the checks are run once for all of
 * them (one report, reused for {@link #REUSE_NANOS}), not once per series. The set of series
 * follows the checks: {@link #checksChanged()} after one comes or goes.
 */
final class HealthSeries {

    static final String FAMILY = "ludus_health_status";
    static final String OVERALL = "overall";
    /** How long one run of the checks serves the gauges: longer than a scrape, far shorter than an interval. */
    static final long REUSE_NANOS = 250_000_000L;

    private record Bound(MetricRegistry registry, Map<String, String> labels) {
    }

    private record Taken(long at, HealthReport report) {
    }

    private final Supplier<HealthReport> run;
    private final Supplier<Set<String>> names;
    private final LongSupplier nanoTime;
    private final Set<String> shown = new HashSet<>(); // guarded by this
    private Bound bound; // guarded by this
    private volatile Taken taken;

    /**
     * @param run      runs the checks registered now
     * @param names    the names of the checks registered now, as the report gives them
     * @param nanoTime the clock that ages a report
     */
    HealthSeries(Supplier<HealthReport> run, Supplier<Set<String>> names, LongSupplier nanoTime) {
        this.run = run;
        this.names = names;
        this.nanoTime = nanoTime;
    }

    /** Puts the series into {@code registry}; takes them out of the previous one. */
    synchronized void bind(MetricRegistry registry, String bundle, String version) {
        unbind();
        bound = new Bound(registry, Map.of(MetricLabels.BUNDLE, bundle, MetricLabels.BUNDLE_VERSION, version));
        registry.removeMatching((name, metric) -> name.startsWith(FAMILY)); // what an earlier instance may have left
        checksChanged();
    }

    /** Takes every series out of the registry they are in, if any. */
    synchronized void unbind() {
        if (bound != null) {
            bound.registry().removeMatching((name, metric) -> name.startsWith(FAMILY));
            bound = null;
        }
        shown.clear();
    }

    /** Takes the series out of {@code registry} if they are there (a greedy rebind may have moved them on). */
    synchronized void unbindFrom(MetricRegistry registry) {
        if (bound != null && bound.registry() == registry) {
            unbind();
        }
    }

    /** A check came or went: one series per check registered now, and the overall one. */
    synchronized void checksChanged() {
        if (bound == null) {
            return;
        }
        // Names only: no check runs on the thread that (un)registers one.
        Set<String> now = new HashSet<>(names.get());
        now.remove(OVERALL); // a check that calls itself "overall" would be the node's series: it has none
        now.add(OVERALL);
        for (String check : Set.copyOf(shown)) {
            if (!now.contains(check)) {
                bound.registry().remove(name(check));
                shown.remove(check);
            }
        }
        for (String check : now) {
            if (shown.add(check)) {
                bound.registry().register(name(check), (Gauge<Double>) () -> value(check));
            }
        }
    }

    /** 1 for UP, 0.5 for DEGRADED, 0 for DOWN; null (left out of the scrape) for a check just gone. */
    static Double valueOf(HealthStatus status) {
        return switch (status) {
            case UP -> 1.0;
            case DEGRADED -> 0.5;
            case DOWN -> 0.0;
        };
    }

    private Double value(String check) {
        HealthReport report = report();
        if (OVERALL.equals(check)) {
            return valueOf(report.status());
        }
        HealthResult result = report.components().get(check);
        return result == null ? null : valueOf(result.status());
    }

    private HealthReport report() {
        Taken t = taken;
        long now = nanoTime.getAsLong();
        if (t == null || now - t.at() > REUSE_NANOS) {
            t = new Taken(now, run.get());
            taken = t;
        }
        return t.report();
    }

    private String name(String check) {
        return MetricName.of(FAMILY, bound.labels()).with("check", check).toString();
    }
}
