package dev.ludus.health;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

public class HealthSeriesTest {

    private static final String LABELS = "bundle=\"dev.ludus.health\",bundle_version=\"1.0.0\"";

    private final List<HealthCheck> checks = new CopyOnWriteArrayList<>();
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger runs = new AtomicInteger();
    private final HealthSeries series = new HealthSeries(() -> {
        runs.incrementAndGet();
        return HealthReport.run(checks);
    }, () -> HealthReport.names(checks), nanos::get);

    private static HealthCheck check(String name, AtomicReference<HealthStatus> status) {
        return new HealthCheck() {
            @Override public String name() { return name; }
            @Override public HealthResult check() { return new HealthResult(status.get(), "", Map.of()); }
        };
    }

    private static Object value(MetricRegistry registry, String check) {
        Gauge<?> g = registry.getGauges().get("ludus_health_status{" + LABELS + ",check=\"" + check + "\"}");
        return g == null ? "absent" : g.getValue();
    }

    @Test
    public void eachCheckAndTheNodeIsOneSeriesOneForUpHalfForDegradedZeroForDown() {
        AtomicReference<HealthStatus> store = new AtomicReference<>(HealthStatus.UP);
        AtomicReference<HealthStatus> archive = new AtomicReference<>(HealthStatus.UP);
        checks.add(check("eventstore", store));
        checks.add(check("archive", archive));
        MetricRegistry registry = new MetricRegistry();
        series.bind(registry, "dev.ludus.health", "1.0.0");
        assertEquals(new TreeSet<>(List.of(
                "ludus_health_status{" + LABELS + ",check=\"archive\"}",
                "ludus_health_status{" + LABELS + ",check=\"eventstore\"}",
                "ludus_health_status{" + LABELS + ",check=\"overall\"}")), registry.getNames());
        assertEquals(1.0, value(registry, "overall"));

        archive.set(HealthStatus.DEGRADED);
        nanos.addAndGet(HealthSeries.REUSE_NANOS + 1);
        assertEquals(0.5, value(registry, "archive"));
        assertEquals(1.0, value(registry, "eventstore"));
        assertEquals(0.5, value(registry, "overall"));

        store.set(HealthStatus.DOWN);
        nanos.addAndGet(HealthSeries.REUSE_NANOS + 1);
        assertEquals(0.0, value(registry, "eventstore"));
        assertEquals(0.0, value(registry, "overall"));
    }

    @Test
    public void aScrapeRunsTheChecksOnceForAllSeries() {
        checks.add(check("a", new AtomicReference<>(HealthStatus.UP)));
        checks.add(check("b", new AtomicReference<>(HealthStatus.UP)));
        MetricRegistry registry = new MetricRegistry();
        series.bind(registry, "dev.ludus.health", "1.0.0");
        nanos.addAndGet(HealthSeries.REUSE_NANOS + 1);
        int before = runs.get();
        registry.getGauges().values().forEach(Gauge::getValue);
        assertEquals(1, runs.get() - before);
    }

    @Test
    public void seriesFollowTheChecksAndLeaveWithTheRegistry() {
        AtomicReference<HealthStatus> up = new AtomicReference<>(HealthStatus.UP);
        HealthCheck rooms = check("rooms", up);
        checks.add(rooms);
        MetricRegistry first = new MetricRegistry();
        series.bind(first, "dev.ludus.health", "1.0.0");
        HealthCheck gateway = check("gateway", up);
        checks.add(gateway);
        series.checksChanged();
        assertEquals(1.0, value(first, "gateway"));
        checks.remove(rooms);
        series.checksChanged();
        assertEquals("absent", value(first, "rooms"));

        MetricRegistry second = new MetricRegistry(); // the metrics bundle is swapped
        series.bind(second, "dev.ludus.health", "1.0.0");
        assertTrue(first.getNames().toString(), first.getNames().isEmpty());
        assertEquals(1.0, value(second, "gateway"));
        series.unbindFrom(first); // the old registry's late unbind leaves the new one alone
        assertEquals(2, second.getNames().size());
        series.unbindFrom(second);
        assertTrue(second.getNames().isEmpty());
    }

    @Test
    public void aCheckComingOrGoingRunsNoCheckAndDuplicateNamesGetTheReportsSuffix() {
        AtomicReference<HealthStatus> up = new AtomicReference<>(HealthStatus.UP);
        MetricRegistry registry = new MetricRegistry();
        series.bind(registry, "dev.ludus.health", "1.0.0");
        checks.add(check("archive", up));
        checks.add(check("archive", up));
        series.checksChanged();
        assertEquals(0, runs.get());
        assertEquals(1.0, value(registry, "archive"));
        assertEquals(1.0, value(registry, "archive#2"));
    }

    @Test
    public void aCheckGoneBetweenTwoChangesIsLeftOutOfTheScrapeNotReportedAsDown() {
        AtomicReference<HealthStatus> up = new AtomicReference<>(HealthStatus.UP);
        HealthCheck rooms = check("rooms", up);
        checks.add(rooms);
        MetricRegistry registry = new MetricRegistry();
        series.bind(registry, "dev.ludus.health", "1.0.0");
        checks.remove(rooms); // not yet told
        nanos.addAndGet(HealthSeries.REUSE_NANOS + 1);
        assertNull(value(registry, "rooms"));
    }
}
