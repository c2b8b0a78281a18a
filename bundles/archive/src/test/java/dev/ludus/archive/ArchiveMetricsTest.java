package dev.ludus.archive;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.metrics.SummingTimer;

public class ArchiveMetricsTest {

    private static final String LABELS = "{backend=\"fs\",bundle=\"dev.ludus.archive\",bundle_version=\"2.0.0\"}";

    @Test
    public void batchesAreCountedPerBackendAndTheCountsOutliveASwapOfTheRegistry() {
        AtomicLong depth = new AtomicLong(7);
        AtomicLong deleted = new AtomicLong(3);
        ArchiveMetrics m = new ArchiveMetrics(depth::get, () -> 4096, () -> 12, deleted::get);
        m.stored("fs", 5, 5000, 2_000_000); // before any registry: counted all the same

        MetricRegistry first = new MetricRegistry();
        m.bind(first, "dev.ludus.archive", "2.0.0");
        m.failed("fs", 1_000_000);
        m.stored("fs", 2, 300, 1_000_000);
        assertEquals(7, first.counter("ludus_archive_stored_games" + LABELS).getCount());
        assertEquals(5300, first.counter("ludus_archive_stored_bytes" + LABELS).getCount());
        assertEquals(1, first.counter("ludus_archive_store_failures" + LABELS).getCount());
        SummingTimer time = (SummingTimer) first.getTimers().get("ludus_archive_store_seconds" + LABELS);
        assertEquals(3, time.getCount());
        assertEquals(4_000_000, time.getSumNanos());
        // a running total, so a counter (exposed as _total), read from the service's own figure
        Counter retention = first.getCounters().get("ludus_archive_retention_deleted{bundle=\"dev.ludus.archive\",bundle_version=\"2.0.0\"}");
        deleted.addAndGet(2);
        assertEquals(5, retention.getCount());
        String queue = "ludus_archive_queue_games{bundle=\"dev.ludus.archive\",bundle_version=\"2.0.0\"}";
        assertEquals(7L, first.getGauges().get(queue).getValue());
        depth.set(0);
        assertEquals(0L, first.getGauges().get(queue).getValue());

        m.stored("jdbc", 1, 10, 1_000_000); // a backend first seen while bound joins at once
        assertEquals(1, first.counter("ludus_archive_stored_games"
                + "{backend=\"jdbc\",bundle=\"dev.ludus.archive\",bundle_version=\"2.0.0\"}").getCount());

        MetricRegistry second = new MetricRegistry();
        m.bind(second, "dev.ludus.archive", "2.0.0");
        assertTrue(first.getNames().toString(), first.getNames().isEmpty());
        assertEquals(7, second.counter("ludus_archive_stored_games" + LABELS).getCount());
        m.unbind();
        assertTrue(second.getNames().isEmpty());
    }
}
