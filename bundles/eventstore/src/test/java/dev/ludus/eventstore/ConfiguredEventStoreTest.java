package dev.ludus.eventstore;

import dev.ludus.eventlog.DataDirectories;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.Events;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventlog.LogFormat;

import static dev.ludus.eventlog.Events.assertCode;
import static dev.ludus.eventlog.Events.batch;
import static dev.ludus.eventlog.Events.failure;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.service.component.ComponentFactory;
import org.osgi.service.component.ComponentInstance;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/** The DS component and its health check, driven the way SCR drives them. */
public class ConfiguredEventStoreTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final Factory factory = new Factory();
    private final ConfiguredEventStore component = new ConfiguredEventStore(factory);
    private final ConfiguredEventStore health = component;

    @After
    public void deactivate() {
        component.deactivate();
    }

    /** What SCR does for the factory component: one FileEventStore per newInstance, until disposed. */
    static final class Factory implements ComponentFactory<EventStore> {
        final List<Instance> instances = new ArrayList<>();

        @Override
        public ComponentInstance<EventStore> newInstance(Dictionary<String, ?> properties) {
            Map<String, Object> map = new HashMap<>();
            for (String key : Collections.list(properties.keys())) {
                map.put(key, properties.get(key));
            }
            FileEventStore store = new FileEventStore();
            store.activate(map);
            Instance i = new Instance(store);
            instances.add(i);
            return i;
        }

        /** The EventStore service registered now, or null. */
        EventStore registered() {
            EventStore found = null;
            for (Instance i : instances) {
                if (!i.disposed) {
                    assertEquals("at most one EventStore registered", null, found);
                    found = i.store;
                }
            }
            return found;
        }
    }

    static final class Instance implements ComponentInstance<EventStore> {
        final EventStore store;
        boolean disposed;

        Instance(EventStore store) {
            this.store = store;
        }

        @Override
        public void dispose() {
            disposed = true;
        }

        @Override
        public EventStore getInstance() {
            return disposed ? null : store;
        }
    }

    /** A configuration as SCR would hand it over: the given properties, annotation defaults for the rest. */
    static EventStoreConfig config(Map<String, Object> properties) {
        return (EventStoreConfig) Proxy.newProxyInstance(EventStoreConfig.class.getClassLoader(),
                new Class<?>[] {EventStoreConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return EventStoreConfig.class;
                    }
                    Object v = properties.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    private static EventStoreConfig config(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config(m);
    }

    @Test
    public void defaultDirectoryIsEventsUnderLudusDataElseTheBundleDataArea() throws Exception {
        Path data = tmp.newFolder("data").toPath();
        Path bundle = tmp.newFolder("bundle").toPath();
        assertEquals(data.resolve("events").toAbsolutePath(), DataDirectories.resolve("", data.toString(), bundle, "events"));
        assertEquals(bundle.resolve("events").toAbsolutePath(), DataDirectories.resolve(" ", null, bundle, "events"));
        assertEquals(data.resolve("elsewhere").toAbsolutePath(), DataDirectories.resolve("elsewhere", data.toString(), bundle, "events"));
        assertEquals(Path.of("/var/ludus/log"), DataDirectories.resolve("/var/ludus/log", data.toString(), bundle, "events"));
        try {
            DataDirectories.resolve("", null, null, "events");
            fail();
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("ludus.data"));
        }

        component.start(config(), data.toString(), bundle);
        component.awaitIdle();
        assertEquals(data.resolve("events").toAbsolutePath(), component.log().directory());
        assertTrue(Files.isDirectory(data.resolve("events")));
    }

    @Test
    public void theServiceIsRegisteredOnceTheLogIsOpenAndHealthIsUpWithFigures() throws Exception {
        assertEquals(HealthStatus.DOWN, health.check().status());
        assertNull(factory.registered());
        component.start(config(), tmp.newFolder().toString(), null);
        component.awaitIdle();
        EventStore store = factory.registered();
        assertNotNull(store);
        store.append("h", EventStore.NO_STREAM, batch("h", 1, 3));
        HealthResult r = health.check();
        assertEquals("eventstore", health.name());
        assertEquals(r.toString(), HealthStatus.UP, r.status());
        assertEquals(1, r.details().get("streams"));
        assertEquals(3L, r.details().get("events"));
        assertEquals(1L, r.details().get("groups"));
        assertEquals(3, r.details().get("groupEventsMax"));
        for (String key : List.of("bytes", "segments", "pendingAppends", "fsyncMicrosLast", "directory", "startupScanMillis")) {
            assertTrue(key + " in " + r.details(), r.details().containsKey(key));
        }
        component.deactivate();
        assertNull("unregistered before the log closes", factory.registered());
        r = health.check();
        assertEquals(HealthStatus.DOWN, r.status());
        assertEquals("closed", r.reason());
        assertCode("store_closed", () -> store.version("h"));
    }

    @Test
    public void aCorruptLogRegistersNoServiceHealthSaysWhyAndAConfigurationChangeRetries() throws Exception {
        Path data = tmp.newFolder().toPath();
        component.start(config(), data.toString(), null);
        component.awaitIdle();
        factory.registered().append("c", EventStore.NO_STREAM, batch("c", 1, 1));
        factory.registered().append("c", 1, batch("c", 2, 1));
        component.deactivate();
        Path segment = data.resolve("events").resolve(LogFormat.segmentFileName(1));
        byte[] good = Files.readAllBytes(segment);
        byte[] bad = good.clone();
        bad[LogFormat.SEGMENT_HEADER_BYTES + 40] ^= 1;
        Files.write(segment, bad);

        Factory factory2 = new Factory();
        ConfiguredEventStore again = new ConfiguredEventStore(factory2);
        again.start(config(), data.toString(), null);
        again.awaitIdle();
        assertNull("no EventStore service on a corrupt log", factory2.registered());
        HealthResult r = again.check();
        assertEquals(HealthStatus.DOWN, r.status());
        assertTrue(r.reason(), r.reason().startsWith("log_corrupt: "));
        assertTrue(r.reason(), r.reason().contains(LogFormat.segmentFileName(1)));

        Files.write(segment, good); // the operator restored the file
        again.modified(config());
        again.awaitIdle();
        assertEquals(2, factory2.registered().version("c"));
        assertEquals(HealthStatus.UP, again.check().status());
        again.deactivate();
    }

    @Test
    public void anInvalidConfigurationRegistersNoServiceAndSaysWhich() throws Exception {
        component.start(config("segmentSize", 10L), tmp.newFolder().toString(), null);
        component.awaitIdle();
        assertNull(factory.registered());
        assertEquals(HealthStatus.DOWN, health.check().status());
        assertTrue(health.check().reason(), health.check().reason().startsWith("invalid configuration of dev.ludus.eventstore: segmentSize must be"));
    }

    @Test
    public void changingGroupLimitsAppliesInPlaceWithoutFailingAnyAppend() throws Exception {
        component.start(config(), tmp.newFolder().toString(), null);
        component.awaitIdle();
        EventStore store = factory.registered();
        EventLog log = component.log();
        List<CompletableFuture<Long>> appends = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 200; i++) {
                appends.add(store.appendAsync("m" + (i % 10), EventStore.ANY, batch("m", 1, 1)).toCompletableFuture());
            }
            component.modified(config("groupMaxEvents", 1 + round * 7, "groupMaxLingerMicros", (long) (round % 2) * 200));
            component.awaitIdle();
        }
        for (CompletableFuture<Long> f : appends) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertSame("same log, not reopened", log, component.log());
        assertSame("same service", store, factory.registered());
        assertEquals(36, component.log().settings().groupMaxEvents());
        assertEquals(1200, store.streams().stream().mapToLong(store::version).sum());
        assertEquals(HealthStatus.UP, health.check().status());

        component.modified(config("groupMaxEvents", 0));
        component.awaitIdle();
        assertSame(log, component.log());
        assertEquals("a bad value is ignored", 36, component.log().settings().groupMaxEvents());
        HealthResult r = health.check();
        assertEquals(HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().contains("groupMaxEvents must be at least 1"));
    }

    @Test
    public void changingTheDirectorySwitchesLogsAndLosesNothingAcknowledged() throws Exception {
        Path data = tmp.newFolder().toPath();
        component.start(config(), data.toString(), null);
        component.awaitIdle();
        EventStore store = factory.registered();
        EventLog first = component.log();
        List<CompletableFuture<Long>> inFlight = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            inFlight.add(store.appendAsync("d", EventStore.ANY, batch("d", 1, 1)).toCompletableFuture());
        }
        component.modified(config("directory", "second"));
        component.awaitIdle();
        assertNotSame(first, component.log());
        assertSame("the service stays registered", store, factory.registered());
        assertEquals(data.resolve("second").toAbsolutePath(), component.log().directory());
        long succeeded = 0;
        for (CompletableFuture<Long> f : inFlight) {
            try {
                f.get(30, TimeUnit.SECONDS);
                succeeded++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertCode("store_closed", e.getCause());
            }
        }
        assertEquals(0, store.version("d"));
        assertEquals(1, store.append("d", EventStore.NO_STREAM, batch("d", 1, 1)));

        // Everything acknowledged by the first log is still there.
        try (EventLog old = EventLog.open(data.resolve("events"), LogSettings.defaults(), java.time.Clock.systemUTC())) {
            assertEquals(succeeded, old.version("d"));
        }
    }

    @Test
    public void aDirectoryThatCannotBeOpenedKeepsTheCurrentLogAndDegradesHealth() throws Exception {
        Path data = tmp.newFolder().toPath();
        Path blocked = Files.createFile(data.resolve("not-a-directory")).toAbsolutePath();
        component.start(config(), data.toString(), null);
        component.awaitIdle();
        EventLog log = component.log();
        component.modified(config("directory", blocked.toString()));
        component.awaitIdle();
        assertSame(log, component.log());
        assertEquals(1, factory.registered().append("k", EventStore.NO_STREAM, batch("k", 1, 1)));
        HealthResult r = health.check();
        assertEquals(HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().startsWith("cannot switch to " + blocked));
        component.modified(config());
        component.awaitIdle();
        assertEquals(HealthStatus.UP, health.check().status());
    }

    @Test
    public void anIoFailureDegradesHealthWithTheReason() throws Exception {
        Path data = tmp.newFolder().toPath();
        component.start(config("segmentSize", 4096L), data.toString(), null);
        component.awaitIdle();
        EventStore store = factory.registered();
        store.append("io", EventStore.NO_STREAM, List.of(new dev.ludus.api.event.NewEvent("big", new byte[5000])));
        Files.createDirectory(data.resolve("events").resolve(LogFormat.segmentFileName(2)));
        assertCode("io_error", failure(store.appendAsync("io", 1, batch("io", 2, 1))));
        HealthResult r = health.check();
        assertEquals(HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().contains("I/O error") && r.reason().contains(LogFormat.segmentFileName(2)));
        assertEquals(1L, r.details().get("ioFailures"));
    }

    @Test
    public void aLogWhoseFilesWereDeletedUnderItIsDownAndHoldsTheNodeNotReady() throws Exception {
        Path data = tmp.newFolder().toPath();
        component.start(config(), data.toString(), null);
        component.awaitIdle();
        EventStore store = factory.registered();
        store.append("gone", EventStore.NO_STREAM, batch("gone", 1, 1));
        assertTrue(health.ready());
        try (java.util.stream.Stream<Path> files = Files.walk(data.resolve("events"))) {
            files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertCode("io_error", failure(store.appendAsync("gone", 1, batch("gone", 2, 1))));
        HealthResult r = health.check();
        assertEquals(HealthStatus.DOWN, r.status());
        assertTrue(r.reason(), r.reason().contains("appends refused") && r.reason().contains("is gone"));
        org.junit.Assert.assertFalse("a node that cannot record a move is sent no players", health.ready());
    }

    @Test
    public void healthIsDegradedWhileTheLogsDiskHasLessFreeThanMinFreeMegabytes() throws Exception {
        Path data = tmp.newFolder().toPath();
        long free = ConfiguredEventStore.freeBytes(data);
        assertTrue("the disk's free space is read: " + free, free > 0);
        // The least free space set well above what this disk has (10 GiB more: the build's other
        // modules free space meanwhile, and 1 MiB above was once passed so): it counts as nearly full.
        long least = (free >> 20) + 10_240;
        component.start(config("minFreeMegabytes", least), data.toString(), null);
        component.awaitIdle();
        HealthResult r = health.check();
        assertEquals(r.toString(), HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().startsWith("the disk of the event log is nearly full: ")
                && r.reason().contains("less than minFreeMegabytes (" + least + ")"));
        assertTrue(((Number) r.details().get("freeBytes")).longValue() > 0);
        factory.registered().append("still", EventStore.NO_STREAM, batch("still", 1, 1)); // a warning, not a refusal

        component.modified(config("minFreeMegabytes", 0L));
        component.awaitIdle();
        assertEquals("0: not watched", HealthStatus.UP, health.check().status());
    }

    @Test
    public void deactivationFailsPendingAppendsWithStoreClosedAndNeverLeavesOneHanging() throws Exception {
        Path data = tmp.newFolder().toPath();
        component.start(config(), data.toString(), null);
        component.awaitIdle();
        EventStore store = factory.registered();
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            pending.add(store.appendAsync("p" + (i % 20), EventStore.ANY, batch("p", 1, 1)).toCompletableFuture());
        }
        component.deactivate();
        long ok = 0;
        for (CompletableFuture<Long> f : pending) {
            try {
                f.get(10, TimeUnit.SECONDS);
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertCode("store_closed", e.getCause());
            }
        }
        assertCode("store_closed", failure(store.appendAsync("p0", EventStore.ANY, batch("p", 1, 1))));
        try (EventLog reopened = EventLog.open(data.resolve("events"), LogSettings.defaults(), java.time.Clock.systemUTC())) {
            assertEquals(ok, reopened.stats().events());
        }
    }

    /**
     * A clock that blocks the lifecycle thread. The scan reads the clock when it rewrites a torn
     * segment header, so {@link #withTornHeader} makes a scan that waits for the gate.
     */
    static final class GateClock extends java.time.Clock {
        final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);

        @Override
        public long millis() {
            if (Thread.currentThread().getName().equals("ludus-eventstore-lifecycle")) {
                entered.countDown();
                try {
                    open.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return System.currentTimeMillis();
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis());
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** A data folder whose log was cut short while its first segment was being created. */
    private Path withTornHeader() throws Exception {
        Path data = tmp.newFolder().toPath();
        Files.createDirectories(data.resolve("events"));
        Files.write(data.resolve("events").resolve(LogFormat.segmentFileName(1)), new byte[] {0x4C, 0x44});
        return data;
    }

    @Test
    public void aLongScanContinuesInTheBackgroundWithHealthDownUntilTheLogIsOpen() throws Exception {
        GateClock gate = new GateClock();
        component.setClock(gate);
        component.openWaitMillis = 50;
        component.start(config(), withTornHeader().toString(), null);
        assertTrue(gate.entered.await(10, TimeUnit.SECONDS));
        HealthResult r = health.check();
        assertEquals(HealthStatus.DOWN, r.status());
        assertTrue(r.reason(), r.reason().startsWith("opening and scanning"));
        assertNull("no service before the log is open", factory.registered());
        gate.open.countDown();
        component.awaitIdle();
        assertEquals(HealthStatus.UP, health.check().status());
        assertNotNull(factory.registered());
    }

    @Test
    public void deactivationDuringTheScanClosesTheLogWhenTheScanEndsAndRegistersNothing() throws Exception {
        GateClock gate = new GateClock();
        component.setClock(gate);
        component.openWaitMillis = 50;
        Path data = withTornHeader();
        component.start(config(), data.toString(), null);
        assertTrue(gate.entered.await(10, TimeUnit.SECONDS));
        new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            gate.open.countDown();
        }).start();
        component.deactivate();
        assertNull(factory.registered());
        assertEquals(0, factory.instances.size());
        assertEquals("closed", health.check().reason());
        // The directory's lock was released: another store can open it.
        try (EventLog log = EventLog.open(data.resolve("events"), LogSettings.defaults(), java.time.Clock.systemUTC())) {
            assertEquals(0, log.stats().events());
        }
    }
}
