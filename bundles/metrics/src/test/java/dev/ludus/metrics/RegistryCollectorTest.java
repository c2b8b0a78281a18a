package dev.ludus.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SlidingWindowReservoir;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.RunningTotal;
import dev.ludus.api.metrics.SummingHistogram;
import dev.ludus.api.metrics.SummingTimer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;

public class RegistryCollectorTest {

    private final MetricRegistry registry = new MetricRegistry();

    private String scrape(String contentType) throws IOException {
        CollectorRegistry exposition = new CollectorRegistry();
        exposition.register(new RegistryCollector(registry, Map.of("ludus_test_documented", "What it is.")::get));
        StringWriter out = new StringWriter();
        TextFormat.writeFormat(contentType, out, exposition.metricFamilySamples());
        return out.toString();
    }

    private String scrape() throws IOException {
        return scrape(TextFormat.CONTENT_TYPE_004);
    }

    @Test
    public void aCounterIsACounter() throws IOException {
        registry.counter("ludus_test_joins").inc(3);
        assertEquals("""
                # HELP ludus_test_joins_total counter ludus_test_joins
                # TYPE ludus_test_joins_total counter
                ludus_test_joins_total 3.0
                """, scrape());
    }

    @Test
    public void aCounterNamedTotalGetsTheSuffixOnce() throws IOException {
        registry.counter("ludus_test_joins_total").inc();
        assertTrue(scrape(), scrape().contains("\nludus_test_joins_total 1.0\n"));
        assertFalse(scrape(), scrape().contains("_total_total"));
    }

    @Test
    public void aMeterCountsAsACounter() throws IOException {
        registry.meter(MetricName.of("ludus_test_moves").with("game", "liap-tui").toString()).mark(2);
        assertEquals("""
                # HELP ludus_test_moves_total counter ludus_test_moves
                # TYPE ludus_test_moves_total counter
                ludus_test_moves_total{game="liap-tui",} 2.0
                """, scrape());
    }

    @Test
    public void aNumberGaugeIsAGaugeWithItsHelpAndOtherGaugesAreLeftOut() throws IOException {
        registry.register("ludus_test_documented", (Gauge<Integer>) () -> 7);
        registry.register("ludus_test_text", (Gauge<String>) () -> "seven");
        assertEquals("""
                # HELP ludus_test_documented What it is.
                # TYPE ludus_test_documented gauge
                ludus_test_documented 7.0
                """, scrape());
    }

    @Test
    public void aLabelledHistogramIsASummary() throws IOException {
        Histogram h = new Histogram(new SlidingWindowReservoir(100));
        registry.register(MetricName.of("ludus_test_frame_bytes").with("direction", "in").toString(), h);
        for (int i = 1; i <= 100; i++) {
            h.update(i);
        }
        assertEquals("""
                # HELP ludus_test_frame_bytes summary ludus_test_frame_bytes
                # TYPE ludus_test_frame_bytes summary
                ludus_test_frame_bytes{direction="in",quantile="0.5",} 50.5
                ludus_test_frame_bytes{direction="in",quantile="0.75",} 75.75
                ludus_test_frame_bytes{direction="in",quantile="0.95",} 95.94999999999999
                ludus_test_frame_bytes{direction="in",quantile="0.99",} 99.99
                ludus_test_frame_bytes{direction="in",quantile="0.999",} 100.0
                ludus_test_frame_bytes_count{direction="in",} 100.0
                """, scrape());
    }

    @Test
    public void aTimerIsASummaryInSeconds() throws IOException {
        Timer t = new Timer(new SlidingWindowReservoir(10));
        registry.register("ludus_test_write_seconds", t);
        t.update(250, TimeUnit.MILLISECONDS);
        assertEquals("""
                # HELP ludus_test_write_seconds summary ludus_test_write_seconds
                # TYPE ludus_test_write_seconds summary
                ludus_test_write_seconds{quantile="0.5",} 0.25
                ludus_test_write_seconds{quantile="0.75",} 0.25
                ludus_test_write_seconds{quantile="0.95",} 0.25
                ludus_test_write_seconds{quantile="0.99",} 0.25
                ludus_test_write_seconds{quantile="0.999",} 0.25
                ludus_test_write_seconds_count 1.0
                """, scrape());
    }

    @Test
    public void aSummingTimerHasItsExactSumInSeconds() throws IOException {
        Timer t = registry.register("ludus_test_write_seconds", new SummingTimer());
        for (int i = 1; i <= 2_000; i++) { // more than the reservoir keeps: the sum is not the sample's
            t.update(i, TimeUnit.MILLISECONDS);
        }
        String out = scrape();
        assertTrue(out, out.contains("\nludus_test_write_seconds_count 2000.0\n"));
        assertTrue(out, out.contains("\nludus_test_write_seconds_sum 2001.0\n")); // 2000 * 2001 / 2 ms
        assertEquals(out, 1, out.split("_sum", -1).length - 1);
    }

    @Test
    public void aSummingHistogramHasItsSumWithItsLabels() throws IOException {
        Histogram h = registry.register(MetricName.of("ludus_test_group_events").with("log", "a").toString(),
                new SummingHistogram());
        h.update(3);
        h.update(4);
        String out = scrape();
        assertTrue(out, out.contains("\nludus_test_group_events_sum{log=\"a\",} 7.0\n"));
        assertTrue(out, out.contains("\nludus_test_group_events_count{log=\"a\",} 2.0\n"));
    }

    @Test
    public void theNodeRegistryMakesTimersAndHistogramsThatSum() throws IOException {
        MetricRegistry node = new NodeMetricRegistry();
        assertTrue(node.timer("ludus_test_seconds") instanceof SummingTimer);
        assertTrue(node.histogram("ludus_test_values") instanceof SummingHistogram);
        assertTrue(node.timer("ludus_test_seconds") == node.timer("ludus_test_seconds"));
    }

    @Test
    public void aRunningTotalIsACounter() throws IOException {
        AtomicLong deleted = new AtomicLong(5);
        registry.register("ludus_test_deleted", new RunningTotal(deleted::get));
        deleted.incrementAndGet();
        assertEquals("""
                # HELP ludus_test_deleted_total counter ludus_test_deleted
                # TYPE ludus_test_deleted_total counter
                ludus_test_deleted_total 6.0
                """, scrape());
    }

    @Test
    public void seriesOfOneFamilyAreOneFamily() throws IOException {
        registry.counter(MetricName.of("ludus_test_requests").with("type", "act").with("result", "ok").toString()).inc(4);
        registry.counter(MetricName.of("ludus_test_requests").with("type", "join").with("result", "refused").toString())
                .inc();
        registry.counter("ludus_test_other").inc();
        assertEquals("""
                # HELP ludus_test_other_total counter ludus_test_other
                # TYPE ludus_test_other_total counter
                ludus_test_other_total 1.0
                # HELP ludus_test_requests_total counter ludus_test_requests
                # TYPE ludus_test_requests_total counter
                ludus_test_requests_total{result="ok",type="act",} 4.0
                ludus_test_requests_total{result="refused",type="join",} 1.0
                """, scrape());
    }

    @Test
    public void labelValuesAreEscaped() throws IOException {
        registry.counter(MetricName.of("ludus_test_paths").with("path", "a\\b \"c\"\nd").toString()).inc();
        assertTrue(scrape(), scrape().contains("ludus_test_paths_total{path=\"a\\\\b \\\"c\\\"\\nd\",} 1.0\n"));
    }

    @Test
    public void namesOutsideTheConventionAreSanitizedNotDropped() throws IOException {
        registry.counter("jvm.memory.heap-used").inc();
        registry.counter("9lives").inc();
        registry.counter("broken{label=\"x").inc();
        String text = scrape();
        assertTrue(text, text.contains("\njvm_memory_heap_used_total 1.0\n"));
        assertTrue(text, text.contains("\n_9lives_total 1.0\n"));
        assertTrue(text, text.contains("\nbroken_label__x_total 1.0\n"));
    }

    @Test
    public void aSeriesOfAnotherTypeOrARepeatedSeriesIsLeftOutAndTheRestServed() throws IOException {
        registry.counter("ludus_test_mixed{k=\"a\"}").inc();
        registry.register("ludus_test_mixed{k=\"b\"}", (Gauge<Integer>) () -> 1);
        registry.counter("ludus_test_twice").inc();
        registry.counter("ludus_test.twice").inc(5);
        registry.register("ludus_test_throws", (Gauge<Integer>) () -> {
            throw new IllegalStateException("closed");
        });
        registry.counter("ludus_test_z").inc();
        assertEquals("""
                # HELP ludus_test_mixed_total counter ludus_test_mixed
                # TYPE ludus_test_mixed_total counter
                ludus_test_mixed_total{k="a",} 1.0
                # HELP ludus_test_twice_total counter ludus_test_twice
                # TYPE ludus_test_twice_total counter
                ludus_test_twice_total 5.0
                # HELP ludus_test_z_total counter ludus_test_z
                # TYPE ludus_test_z_total counter
                ludus_test_z_total 1.0
                """, scrape());
    }

    @Test
    public void aGaugeOfTextDoesNotClaimItsFamily() throws IOException {
        registry.register("ludus_test_state{part=\"a\"}", (Gauge<String>) () -> "open");
        registry.counter("ludus_test_state{part=\"b\"}").inc();
        registry.register("ludus_test_broken", (CumulativeGauge) () -> {
            throw new IllegalStateException("closed");
        });
        assertEquals("""
                # HELP ludus_test_state_total counter ludus_test_state
                # TYPE ludus_test_state_total counter
                ludus_test_state_total{part="b",} 1.0
                """, scrape());
    }

    @Test
    public void cumulativeGaugesAreCounters() throws IOException {
        registry.register("ludus_test_cpu_seconds", (CumulativeGauge) () -> 1.5);
        assertEquals("""
                # HELP ludus_test_cpu_seconds_total counter ludus_test_cpu_seconds
                # TYPE ludus_test_cpu_seconds_total counter
                ludus_test_cpu_seconds_total 1.5
                """, scrape());
    }

    @Test
    public void openMetricsTypesTheFamilyAndEnds() throws IOException {
        registry.counter("ludus_test_joins").inc(3);
        registry.register("ludus_test_documented", (Gauge<Double>) () -> 0.5);
        assertEquals("""
                # TYPE ludus_test_documented gauge
                # HELP ludus_test_documented What it is.
                ludus_test_documented 0.5
                # TYPE ludus_test_joins counter
                # HELP ludus_test_joins counter ludus_test_joins
                ludus_test_joins_total 3.0
                # EOF
                """, scrape(TextFormat.CONTENT_TYPE_OPENMETRICS_100));
    }
}
