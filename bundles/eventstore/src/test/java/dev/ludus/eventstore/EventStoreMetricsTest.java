package dev.ludus.eventstore;

import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.Events;
import dev.ludus.eventlog.LogSettings;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.event.EventStore;

public class EventStoreMetricsTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private static final String LABELS = "{bundle=\"dev.ludus.eventstore\",bundle_version=\"1.2.3\"";

    @Test
    public void appendsGroupsFsyncsBytesAndTheLogsFiguresAreRecordedWithTheBundlesLabels() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        try (EventLog log = EventLog.open(tmp.newFolder().toPath(), LogSettings.defaults(), Clock.systemUTC())) {
            AtomicReference<EventLog> current = new AtomicReference<>(log);
            EventStoreMetrics m = new EventStoreMetrics(registry, "dev.ludus.eventstore", "1.2.3", current::get);
            log.metrics(m);
            for (int i = 0; i < 5; i++) {
                log.append("s" + i, EventStore.NO_STREAM, List.of(Events.event("t", "{\"n\":" + i + "}")));
            }
            assertThrows(CompletionException.class,
                    () -> log.appendAsync("s0", EventStore.NO_STREAM, List.of(Events.event("t", "{}"))).toCompletableFuture().join());

            assertEquals(5, registry.timer("ludus_eventstore_append_seconds" + LABELS + ",result=\"durable\"}").getCount());
            assertEquals(1, registry.timer("ludus_eventstore_append_seconds" + LABELS + ",result=\"wrong_version\"}").getCount());
            long groups = registry.histogram("ludus_eventstore_group_events" + LABELS + "}").getCount();
            assertTrue("one group commit per append here, at most: " + groups, groups >= 1 && groups <= 6);
            assertEquals(groups, registry.timer("ludus_eventstore_fsync_seconds" + LABELS + "}").getCount());
            assertTrue(registry.counter("ludus_eventstore_written_bytes" + LABELS + "}").getCount() > 5 * 20);
            assertEquals(5L, gauge(registry, "ludus_eventstore_streams" + LABELS + "}"));
            assertEquals(5L, gauge(registry, "ludus_eventstore_events" + LABELS + "}"));
            assertEquals(log.stats().bytes(), gauge(registry, "ludus_eventstore_log_bytes" + LABELS + "}"));
            long free = gauge(registry, "ludus_eventstore_disk_free_bytes" + LABELS + "}");
            assertTrue("the space left on the log's disk: " + free, free > 0
                    && Math.abs(free - java.nio.file.Files.getFileStore(log.directory()).getUsableSpace()) < 64L << 20);

            // The registry leaves (the metrics bundle is swapped): the log records nowhere, the series go.
            log.metrics(null);
            m.remove();
            assertTrue(registry.getNames().toString(), registry.getNames().stream().noneMatch(n -> n.startsWith("ludus_eventstore_")));
            log.append("s9", EventStore.NO_STREAM, List.of(Events.event("t", "{}")));
            assertTrue(registry.getNames().isEmpty());

            // A new registry gets every series again, counting from zero.
            MetricRegistry next = new MetricRegistry();
            log.metrics(new EventStoreMetrics(next, "dev.ludus.eventstore", "1.2.3", current::get));
            log.append("s10", EventStore.NO_STREAM, List.of(Events.event("t", "{}")));
            assertEquals(1, next.timer("ludus_eventstore_append_seconds" + LABELS + ",result=\"durable\"}").getCount());
            assertEquals(7L, gauge(next, "ludus_eventstore_streams" + LABELS + "}"));
        }
    }

    private static long gauge(MetricRegistry registry, String name) {
        Gauge<?> g = registry.getGauges().get(name);
        assertTrue("no gauge " + name + " in " + registry.getNames(), g != null);
        return ((Number) g.getValue()).longValue();
    }
}
