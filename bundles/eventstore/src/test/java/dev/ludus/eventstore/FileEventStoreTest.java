package dev.ludus.eventstore;

import static dev.ludus.eventstore.Events.assertCode;
import static dev.ludus.eventstore.Events.batch;
import static dev.ludus.eventstore.Events.failure;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/** The DS component and its health check, driven the way SCR drives them. */
public class FileEventStoreTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final EventStoreHealth health = new EventStoreHealth();
    private final FileEventStore store = new FileEventStore(health);

    @After
    public void deactivate() {
        if (store.log() != null) {
            store.deactivate();
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

        store.start(config(), data.toString(), bundle);
        assertEquals(data.resolve("events").toAbsolutePath(), store.log().directory());
        assertTrue(Files.exists(data.resolve("events").resolve(LogFormat.segmentFileName(1))));
    }

    @Test
    public void healthIsUpWithFiguresWhileTheLogWorks() throws Exception {
        assertEquals(HealthStatus.DOWN, health.check().status());
        store.start(config(), tmp.newFolder().toString(), null);
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
        store.deactivate();
        r = health.check();
        assertEquals(HealthStatus.DOWN, r.status());
        assertEquals("closed", r.reason());
    }

    @Test
    public void aCorruptLogIsNotStartedAndHealthSaysWhyItIsDown() throws Exception {
        Path data = tmp.newFolder().toPath();
        store.start(config(), data.toString(), null);
        store.append("c", EventStore.NO_STREAM, batch("c", 1, 1));
        store.append("c", 1, batch("c", 2, 1));
        store.deactivate();
        Path segment = data.resolve("events").resolve(LogFormat.segmentFileName(1));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[LogFormat.SEGMENT_HEADER_BYTES + 40] ^= 1;
        Files.write(segment, bytes);

        FileEventStore again = new FileEventStore(health);
        try {
            again.start(config(), data.toString(), null);
            fail("must not start on a corrupt log");
        } catch (EventStoreException e) {
            assertEquals("log_corrupt", e.code());
        }
        HealthResult r = health.check();
        assertEquals(HealthStatus.DOWN, r.status());
        assertTrue(r.reason(), r.reason().startsWith("log_corrupt: "));
        assertTrue(r.reason(), r.reason().contains(LogFormat.segmentFileName(1)));
    }

    @Test
    public void anInvalidConfigurationFailsActivationWithAClearReason() throws Exception {
        try {
            store.start(config("segmentSize", 10L), tmp.newFolder().toString(), null);
            fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("segmentSize must be"));
        }
        assertEquals(HealthStatus.DOWN, health.check().status());
        assertTrue(health.check().reason().contains("invalid configuration of dev.ludus.eventstore: segmentSize"));
    }

    @Test
    public void changingGroupLimitsAppliesInPlaceWithoutFailingAnyAppend() throws Exception {
        store.start(config(), tmp.newFolder().toString(), null);
        EventLog log = store.log();
        List<CompletableFuture<Long>> appends = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 200; i++) {
                appends.add(store.appendAsync("m" + (i % 10), EventStore.ANY, batch("m", 1, 1)).toCompletableFuture());
            }
            store.modified(config("groupMaxEvents", 1 + round * 7, "groupMaxLingerMicros", (long) (round % 2) * 200));
        }
        for (CompletableFuture<Long> f : appends) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertSame("same log, not reopened", log, store.log());
        assertEquals(36, store.log().settings().groupMaxEvents());
        assertEquals(1200, store.streams().stream().mapToLong(store::version).sum());
        assertEquals(HealthStatus.UP, health.check().status());

        store.modified(config("groupMaxEvents", 0));
        assertSame(log, store.log());
        assertEquals("a bad value is ignored", 36, store.log().settings().groupMaxEvents());
        HealthResult r = health.check();
        assertEquals(HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().contains("groupMaxEvents must be at least 1"));
    }

    @Test
    public void changingTheDirectorySwitchesLogsAndLosesNothingAcknowledged() throws Exception {
        Path data = tmp.newFolder().toPath();
        store.start(config(), data.toString(), null);
        EventLog first = store.log();
        List<CompletableFuture<Long>> inFlight = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            inFlight.add(store.appendAsync("d", EventStore.ANY, batch("d", 1, 1)).toCompletableFuture());
        }
        store.modified(config("directory", "second"));
        assertNotSame(first, store.log());
        assertEquals(data.resolve("second").toAbsolutePath(), store.log().directory());
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
        store.start(config(), data.toString(), null);
        EventLog log = store.log();
        store.modified(config("directory", blocked.toString()));
        assertSame(log, store.log());
        assertEquals(1, store.append("k", EventStore.NO_STREAM, batch("k", 1, 1)));
        HealthResult r = health.check();
        assertEquals(HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().startsWith("cannot switch to " + blocked));
        store.modified(config());
        assertEquals(HealthStatus.UP, health.check().status());
    }

    @Test
    public void anIoFailureDegradesHealthWithTheReason() throws Exception {
        Path data = tmp.newFolder().toPath();
        store.start(config("segmentSize", 4096L), data.toString(), null);
        store.append("io", EventStore.NO_STREAM, List.of(new dev.ludus.api.event.NewEvent("big", new byte[5000])));
        Files.createDirectory(data.resolve("events").resolve(LogFormat.segmentFileName(2)));
        assertCode("io_error", failure(store.appendAsync("io", 1, batch("io", 2, 1))));
        HealthResult r = health.check();
        assertEquals(HealthStatus.DEGRADED, r.status());
        assertTrue(r.reason(), r.reason().contains("I/O error") && r.reason().contains(LogFormat.segmentFileName(2)));
        assertEquals(1L, r.details().get("ioFailures"));
    }

    @Test
    public void deactivationFailsPendingAppendsWithStoreClosedAndNeverLeavesOneHanging() throws Exception {
        Path data = tmp.newFolder().toPath();
        store.start(config(), data.toString(), null);
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            pending.add(store.appendAsync("p" + (i % 20), EventStore.ANY, batch("p", 1, 1)).toCompletableFuture());
        }
        store.deactivate();
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
}
