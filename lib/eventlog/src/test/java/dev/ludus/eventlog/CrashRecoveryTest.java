package dev.ludus.eventlog;

import static dev.ludus.eventlog.Events.text;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;

/**
 * Kills a process that is appending (SIGKILL, no shutdown of any kind) and checks that every
 * append it acknowledged is in the reopened log, readable, and not duplicated. Three rounds on
 * the same directory, so later rounds also recover logs that earlier kills left behind.
 */
public class CrashRecoveryTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    @Test
    public void everyAcknowledgedAppendSurvivesKillMinusNine() throws Exception {
        Path dir = tmp.newFolder().toPath().resolve("events");
        Map<String, Long> acked = new ConcurrentHashMap<>();   // stream -> highest acknowledged version
        Map<String, Long> anyAcked = new ConcurrentHashMap<>(); // tag -> version
        for (int round = 1; round <= 3; round++) {
            long ackedBefore = acked.values().stream().mapToLong(Long::longValue).sum() + anyAcked.size();
            runAndKill(dir, acked, anyAcked, round);
            long ackedNow = acked.values().stream().mapToLong(Long::longValue).sum() + anyAcked.size();
            assertTrue("round " + round + " acknowledged appends before the kill", ackedNow > ackedBefore + 100);
            verify(dir, acked, anyAcked, round);
        }
    }

    private void runAndKill(Path dir, Map<String, Long> acked, Map<String, Long> anyAcked, int round) throws Exception {
        Path stderr = dir.resolveSibling("child-" + round + ".err");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classPath(), CrashAppender.class.getName(), dir.toString(), "12", "2");
        pb.redirectError(stderr.toFile());
        Process child = pb.start();
        CountDownLatch ready = new CountDownLatch(1);
        AtomicLong lines = new AtomicLong();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f.length != 4 || !f[3].equals(".")) {
                        continue; // the line the kill cut short
                    }
                    switch (f[0]) {
                        case "ready" -> ready.countDown();
                        case "ack" -> acked.merge(f[1], Long.parseLong(f[2]), Math::max);
                        case "any" -> anyAcked.put(f[1], Long.parseLong(f[2]));
                        default -> throw new IllegalStateException(line);
                    }
                    lines.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        reader.start();
        try {
            assertTrue("child ready: " + Files.readString(stderr), ready.await(30, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // Let it run until plenty of appends are acknowledged, then kill it mid-flight.
            while (lines.get() < 5000 && System.nanoTime() < deadline && child.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue("child still running before the kill: " + Files.readString(stderr), child.isAlive());
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(30_000);
        }
        assertEquals("killed by SIGKILL", 128 + 9, child.exitValue());
    }

    private static void verify(Path dir, Map<String, Long> acked, Map<String, Long> anyAcked, int round) {
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC())) {
            LogStats stats = log.stats();
            System.out.println("crash round " + round + ": " + acked.size() + " streams and " + anyAcked.size()
                    + " ANY appends acknowledged so far; reopened with " + stats.events() + " events in "
                    + stats.segments() + " segments, torn tail cut: " + stats.droppedBytes() + " bytes");
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                String stream = e.getKey();
                long version = log.version(stream);
                assertTrue("round " + round + ": " + stream + " acknowledged up to " + e.getValue() + ", store has "
                        + version, version >= e.getValue());
                List<RecordedEvent> events = log.read(stream, 1, Integer.MAX_VALUE);
                assertEquals(version, events.size());
                for (int i = 0; i < events.size(); i++) {
                    assertEquals(i + 1, events.get(i).version());
                    assertEquals("no duplicated or shifted event", stream + "@" + (i + 1), text(events.get(i).data()));
                }
            }
            Map<String, Long> shared = new HashMap<>();
            for (RecordedEvent e : log.read("shared", 1, Integer.MAX_VALUE)) {
                assertEquals("tag stored twice", null, shared.put(text(e.data()), e.version()));
            }
            assertEquals(log.version("shared"), shared.size());
            for (Map.Entry<String, Long> e : anyAcked.entrySet()) {
                assertNotNull("round " + round + ": acknowledged " + e.getKey() + " is missing", shared.get(e.getKey()));
                assertEquals(e.getValue(), shared.get(e.getKey()));
            }
            if (log.version("shared") == EventStore.NO_STREAM) {
                throw new AssertionError("the ANY appenders never got anything through");
            }
        }
    }

    /** This module's classes, its test classes and the APIs: all the child needs. */
    private static String classPath() throws URISyntaxException {
        StringBuilder cp = new StringBuilder();
        // The child logs through SLF4J like the bundle does: its API and the simple provider. The
        // log traces through the OpenTelemetry API (its no-op here): the API's three jars.
        for (Class<?> c : List.of(CrashAppender.class, EventLog.class, EventStore.class, org.slf4j.LoggerFactory.class,
                org.slf4j.simple.SimpleLogger.class, io.opentelemetry.api.OpenTelemetry.class,
                io.opentelemetry.context.Context.class, io.opentelemetry.common.ComponentLoader.class)) {
            if (cp.length() > 0) {
                cp.append(File.pathSeparator);
            }
            cp.append(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        return cp.toString();
    }
}
