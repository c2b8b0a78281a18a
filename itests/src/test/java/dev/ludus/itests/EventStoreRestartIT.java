package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/**
 * The event store bundle in the default feature set: its services and health, a bundle restart and
 * an update while appends are in flight (nothing acknowledged is lost, every caller gets success or
 * a clear error), and a corrupt log (no EventStore service, health DOWN with the reason).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EventStoreRestartIT {

    static final String BSN = "dev.ludus.eventstore";

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("eventstore", List.of());
    }

    private Bundle eventStoreBundle() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(BSN + " is not installed");
    }

    /** The EventStore service registered right now, or null. */
    private EventStore store() {
        ServiceReference<EventStore> ref = context.getServiceReference(EventStore.class);
        return ref == null ? null : context.getService(ref);
    }

    private HealthResult health() throws Exception {
        for (ServiceReference<HealthCheck> ref : context.getServiceReferences(HealthCheck.class, null)) {
            HealthCheck c = context.getService(ref);
            if (c != null && "eventstore".equals(c.name())) {
                return c.check();
            }
        }
        return null;
    }

    private String base() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    @Test
    public void servicesAreRegisteredTheLogLivesUnderLudusDataAndHealthIsUp() throws Exception {
        Wait.until("EventStore registered", 10_000, () -> store() != null);
        EventStore store = store();
        String stream = "it-" + UUID.randomUUID();
        assertEquals(2, store.append(stream, EventStore.NO_STREAM, List.of(
                new NewEvent("started", new byte[] {1}), new NewEvent("moved", new byte[] {2}))));
        assertEquals(List.of(1L, 2L), store.read(stream, 1, 10).stream().map(RecordedEvent::version).toList());
        Path events = Path.of(context.getProperty("ludus.data"), "events");
        assertTrue(Files.exists(events.resolve("segment-000000000001.log")));

        SnapshotStore snapshots = context.getService(context.getServiceReference(SnapshotStore.class));
        snapshots.save(new Snapshot(stream, 2, "state".getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, snapshots.latest(stream).orElseThrow().version());
        assertTrue(Files.list(Path.of(context.getProperty("ludus.data"), "snapshots")).findAny().isPresent());

        Wait.until("eventstore UP", 10_000, () -> health() != null && health().status() == HealthStatus.UP);
        assertEquals(events.toString(), health().details().get("directory"));
        Wait.until("/health lists eventstore", 10_000,
                () -> Http.tryGet(base() + "/health", null, null).body().contains("\"eventstore\":{\"status\":\"UP\""));
    }

    @Test
    public void restartAndUpdateOfTheBundleWhileAppendingLoseNothingAcknowledged() throws Exception {
        Wait.until("EventStore registered", 10_000, () -> store() != null);
        String prefix = "restart-" + UUID.randomUUID() + "-";
        int threads = 8;
        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicLong successes = new AtomicLong();
        AtomicLong storeClosed = new AtomicLong();
        AtomicLong noService = new AtomicLong();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> appenders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String stream = prefix + t;
            Thread thread = new Thread(() -> {
                long version = 0;
                while (!stop.get()) {
                    EventStore store = store();
                    if (store == null) {
                        noService.incrementAndGet();
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                        continue;
                    }
                    try {
                        byte[] data = (stream + "@" + (version + 1)).getBytes(StandardCharsets.UTF_8);
                        version = store.append(stream, version, List.of(new NewEvent("moved", data)));
                        acked.put(stream, version);
                        successes.incrementAndGet();
                    } catch (EventStoreException e) {
                        if (!"store_closed".equals(e.code())) {
                            unexpected.compareAndSet(null, e);
                        }
                        storeClosed.incrementAndGet(); // nothing was appended: retry the same version
                    } catch (RuntimeException e) {
                        unexpected.compareAndSet(null, e); // a conflict would mean a lost or phantom append
                        return;
                    }
                }
            });
            appenders.add(thread);
            thread.start();
        }
        // And one thread keeping up to 256 appendAsync calls in flight, ANY, each with a unique tag.
        String anyStream = prefix + "any";
        Set<String> anyAcked = ConcurrentHashMap.newKeySet();
        Set<String> anyFailed = ConcurrentHashMap.newKeySet();
        Semaphore inFlight = new Semaphore(256);
        Thread asyncAppender = new Thread(() -> {
            for (long i = 0; !stop.get(); i++) {
                EventStore store = store();
                if (store == null) {
                    Thread.onSpinWait();
                    continue;
                }
                String tag = "tag-" + i;
                inFlight.acquireUninterruptibly();
                store.appendAsync(anyStream, EventStore.ANY, List.of(new NewEvent("x", tag.getBytes(StandardCharsets.UTF_8))))
                        .whenComplete((v, e) -> {
                            if (e == null) {
                                anyAcked.add(tag);
                            } else if (e instanceof EventStoreException ese && "store_closed".equals(ese.code())) {
                                anyFailed.add(tag);
                            } else {
                                unexpected.compareAndSet(null, e);
                            }
                            inFlight.release();
                        });
            }
        });
        appenders.add(asyncAppender);
        asyncAppender.start();
        Bundle bundle = eventStoreBundle();
        Wait.until("appends flowing", 10_000, () -> successes.get() > 200);
        bundle.stop();
        assertNull("no EventStore while the bundle is stopped", context.getServiceReference(EventStore.class));
        bundle.start();
        long afterRestart = successes.get();
        Wait.until("appends flowing after the restart", 10_000, () -> successes.get() > afterRestart + 200);
        bundle.update();
        long afterUpdate = successes.get();
        Wait.until("appends flowing after the update", 10_000, () -> successes.get() > afterUpdate + 200);
        stop.set(true);
        for (Thread t : appenders) {
            t.join(10_000);
        }
        assertTrue("every async append completed", inFlight.tryAcquire(256, 10, TimeUnit.SECONDS));
        if (unexpected.get() != null) {
            throw new AssertionError("an append failed other than with store_closed", unexpected.get());
        }
        System.out.println("event store restart: " + successes.get() + " appends acknowledged, " + storeClosed.get()
                + " failed with store_closed, " + noService.get() + " lookups found no service; async: "
                + anyAcked.size() + " acknowledged, " + anyFailed.size() + " failed with store_closed");

        EventStore store = store();
        for (int t = 0; t < threads; t++) {
            String stream = prefix + t;
            long ackedVersion = acked.getOrDefault(stream, 0L);
            assertEquals("the last acknowledged append is the stream's version", ackedVersion, store.version(stream));
            List<RecordedEvent> events = store.read(stream, 1, Integer.MAX_VALUE);
            assertEquals(ackedVersion, events.size());
            for (RecordedEvent e : events) {
                assertEquals(stream + "@" + e.version(), new String(e.data(), StandardCharsets.UTF_8));
            }
        }
        Set<String> stored = new HashSet<>();
        for (RecordedEvent e : store.read(anyStream, 1, Integer.MAX_VALUE)) {
            assertTrue("stored once", stored.add(new String(e.data(), StandardCharsets.UTF_8)));
        }
        assertEquals("exactly the acknowledged async appends are stored, none that failed", anyAcked, stored);
        Wait.until("eventstore UP again", 10_000, () -> health() != null && health().status() == HealthStatus.UP);
    }

    @Test
    public void aCorruptLogKeepsTheServiceAwayAndHealthDownWithTheReason() throws Exception {
        Wait.until("EventStore registered", 10_000, () -> store() != null);
        EventStore store = store();
        String stream = "corrupt-" + UUID.randomUUID();
        for (int i = 1; i <= 3; i++) {
            store.append(stream, i - 1, List.of(new NewEvent("moved", new byte[20])));
        }
        Bundle bundle = eventStoreBundle();
        bundle.stop();
        Path segment = Path.of(context.getProperty("ludus.data"), "events", "segment-000000000001.log");
        byte[] good = Files.readAllBytes(segment);
        byte[] bad = good.clone();
        bad[40] ^= 0x01; // inside the first record; later groups follow it
        Files.write(segment, bad);
        try {
            bundle.start();
            // DOWN while it scans ("opening ..."), then DOWN with the reason.
            Wait.until("eventstore DOWN with log_corrupt", 10_000, () -> health() != null
                    && health().status() == HealthStatus.DOWN && health().reason().startsWith("log_corrupt: "));
            assertTrue(health().reason(), health().reason().contains("segment-000000000001.log"));
            Wait.until("no EventStore service on a corrupt log", 5_000,
                    () -> context.getServiceReference(EventStore.class) == null);
            assertTrue(Http.get(base() + "/health").body().contains("\"eventstore\":{\"status\":\"DOWN\""));
            assertEquals(503, Http.get(base() + "/health").status());
            assertTrue("nothing on disk was changed", java.util.Arrays.equals(bad, Files.readAllBytes(segment)));
        } finally {
            bundle.stop();
            Files.write(segment, good);
            bundle.start();
        }
        Wait.until("EventStore back", 10_000, () -> store() != null);
        assertEquals(3, store().version(stream));
        Wait.until("eventstore UP", 10_000, () -> health().status() == HealthStatus.UP);
        assertNotNull(store());
    }
}
