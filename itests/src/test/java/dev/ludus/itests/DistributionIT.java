package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The assembled distribution as a user runs it: {@code bin/ludus} in its own process.
 */
public class DistributionIT {

    /**
     * {@code LUDUS_LOG_FORMAT=json}: every line, the launcher's and every bundle's, is one JSON
     * object with time, level, logger and message; a bundle's line names its bundle. An unknown
     * format is refused before anything starts.
     */
    /**
     * /health without the console's password shows statuses only (no figures, no paths); with it,
     * every check's details. Checked on the node of the JSON-logs test, which the password also
     * must not appear in.
     */
    private static void healthDetailsNeedTheConsolePassword(Distribution d) throws Exception {
        Wait.until("/health UP", 20_000, () -> Http.get(d.base() + "/health").body().startsWith("{\"status\":\"UP\""));
        String dataPath = d.data.toString();
        for (Http.Response r : List.of(Http.get(d.base() + "/health"), Http.get(d.base() + "/health", "admin", "wrong"),
                Http.get(d.base() + "/health", "admin", "admin"))) {
            assertEquals(200, r.status());
            assertTrue(r.body(), r.body().contains("\"eventstore\":{\"status\":\"UP\"}"));
            assertFalse("no figures: " + r.body(), r.body().contains("details"));
            assertFalse("no paths: " + r.body(), r.body().contains(dataPath));
        }
        String full = d.healthWithDetails();
        assertTrue(full, full.contains("\"eventstore\":{\"status\":\"UP\",\"details\":{"));
        assertTrue(full, full.contains(dataPath));
        assertFalse("the password is never logged", d.output().contains(d.password()));
    }

    @Test
    public void jsonLogsAreOneObjectPerLineHealthDetailsNeedThePasswordAndOneFromTheEnvironmentWins() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_LOG_FORMAT", "json");
            d.env.put("LUDUS_CONSOLE_PASSWORD", "correct horse battery staple");
            d.start().awaitHealthy();
            Wait.until("the ready line", 10_000, () -> d.output().contains("Ludus ready at " + d.base() + "/ in "));
            healthDetailsNeedTheConsolePassword(d);
            // The console's password from the environment wins, and no file is written.
            String url = d.base() + "/system/console/bundles.json";
            assertEquals(200, Http.get(url, "admin", "correct horse battery staple").status());
            assertEquals(401, Http.get(url, "admin", "admin").status());
            assertFalse(Files.exists(d.data.resolve("console.password")));
            assertTrue(d.output(), d.output().contains("password from LUDUS_CONSOLE_PASSWORD"));
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(10, TimeUnit.SECONDS));
            ObjectMapper json = new ObjectMapper();
            Set<String> bundles = new TreeSet<>();
            int lines = 0;
            for (String line : d.output().lines().filter(l -> !l.isBlank()).toList()) {
                JsonNode j;
                try {
                    j = json.readTree(line);
                } catch (java.io.IOException e) {
                    throw new AssertionError("not one JSON object: " + line, e);
                }
                for (String field : List.of("time", "level", "logger", "message")) {
                    assertTrue(field + " in " + line, j.hasNonNull(field));
                }
                assertTrue(line, j.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
                if (j.has("bundle")) {
                    bundles.add(j.get("logger").asText() + " " + j.get("bundle").asText());
                }
                lines++;
            }
            assertTrue(d.output(), lines >= 5);
            assertTrue(bundles.toString(), bundles.contains("dev.ludus.eventlog.EventLog dev.ludus.eventstore"));
            assertTrue(bundles.toString(), bundles.contains("dev.ludus.rooms.Recovery dev.ludus.rooms"));
            assertTrue(d.output(), d.output().contains("\"logger\":\"ludus\",\"thread\":\"main\",\"message\":\"Ludus stopped\""));

            d.env.put("LUDUS_LOG_FORMAT", "xml");
            d.start();
            assertEquals(d.output(), 1, d.awaitExit(30, TimeUnit.SECONDS));
            assertTrue(d.output(), d.output().contains("LUDUS_LOG_FORMAT / ludus.log.format must be text or json, got 'xml'"));
        }
    }

    @Test
    public void startsServesHotDeploysStopsWithExitZeroOnSigtermAndReusesItsPasswordAtTheNextStart() throws Exception {
        try (Distribution d = Distribution.copy()) {
            long started = System.nanoTime();
            d.start().awaitHealthy();
            long readyMillis = (System.nanoTime() - started) / 1_000_000;

            // /health answers 200 (DEGRADED) while the last start levels are still starting.
            Wait.until("/health UP", 10_000, () -> Http.get(d.base() + "/health").body().startsWith("{\"status\":\"UP\""));
            Http.Response health = Http.get(d.base() + "/health");
            assertEquals(200, health.status());
            assertTrue(health.body(), health.body().startsWith("{\"status\":\"UP\""));
            Wait.until("the ready line", 10_000, () -> d.output().contains("Ludus ready at " + d.base() + "/ in "));
            assertTrue("the ready line says where start-up time went: " + d.output(), java.util.regex.Pattern.compile(
                    "ms by phase: jvm \\d+, configure \\d+, framework \\d+, install \\d+, resolve \\d+, start \\d+, ready \\d+; slowest bundles to start: [\\w.]+ \\d+")
                    .matcher(d.output()).find());

            // The console never accepts the well-known default; its password was generated.
            Path passwordFile = d.data.resolve("console.password");
            assertTrue(Files.isRegularFile(passwordFile));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
            String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
            assertTrue("a long random password", password.length() >= 20);
            assertTrue(d.output(), d.output().contains("password generated into " + passwordFile));
            assertFalse("the password itself is never logged", d.output().contains(password));
            String bundlesJson = d.base() + "/system/console/bundles.json";
            assertEquals(401, Http.get(bundlesJson).status());
            assertEquals(401, Http.get(bundlesJson, "admin", "admin").status());
            assertEquals(200, Http.get(bundlesJson, "admin", password).status());

            // A bundle copied into deploy/ becomes ACTIVE without a restart, and leaves when removed.
            Path jar = d.home.resolve("deploy/hello.jar");
            Path part = d.home.resolve("deploy/hello.jar.part");
            Files.copy(Path.of(System.getProperty("ludus.example.jar")), part);
            Files.move(part, jar, StandardCopyOption.ATOMIC_MOVE);
            Wait.until("hello bundle Active in the console", 15_000,
                    () -> "Active".equals(consoleState(Http.get(bundlesJson, "admin", password).body(), "dev.ludus.example.hello")));
            Files.delete(jar);
            Wait.until("hello bundle gone", 15_000,
                    () -> consoleState(Http.get(bundlesJson, "admin", password).body(), "dev.ludus.example.hello") == null);

            // SIGTERM: orderly stop, exit code 0, within 10 s.
            long stopAt = System.nanoTime();
            d.process().destroy();
            int code = d.awaitExit(10, TimeUnit.SECONDS);
            long stopMillis = (System.nanoTime() - stopAt) / 1_000_000;
            assertEquals(d.output(), 0, code);
            assertTrue(d.output(), d.output().contains("SIGTERM received, stopping"));
            assertTrue(d.output(), d.output().contains("Ludus stopped"));
            System.out.println("distribution: ready after " + readyMillis + " ms, stopped in " + stopMillis + " ms");

            // A second start reuses the generated password.
            d.start().awaitHealthy();
            assertEquals(password, Files.readString(passwordFile, StandardCharsets.UTF_8).strip());
            assertEquals(200, Http.get(bundlesJson, "admin", password).status());
            d.process().destroy();
            assertEquals(0, d.awaitExit(10, TimeUnit.SECONDS));
        }
    }

    @Test
    public void aFeatureBundleThatCannotResolveStopsTheLaunchNamingBundleAndRequirement() throws Exception {
        try (Distribution d = Distribution.copy()) {
            Path jar = d.home.resolve("system/dev/ludus/test/broken/1.0.0/broken-1.0.0.jar");
            Files.createDirectories(jar.getParent());
            Manifest mf = new Manifest();
            Attributes a = mf.getMainAttributes();
            a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", "dev.ludus.test.broken");
            a.putValue("Bundle-Version", "1.0.0");
            a.putValue("Import-Package", "dev.ludus.does.not.exist;version=\"[1.0,2)\"");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
                out.flush();
            }
            Files.writeString(d.home.resolve("features/broken.json"), """
                    { "feature-resource-version": "1.0", "id": "dev.ludus.test:broken:1.0.0",
                      "bundles": [ { "id": "dev.ludus.test:broken:1.0.0", "start-order": 20 } ] }
                    """);
            d.env.put("LUDUS_FEATURES", "framework, broken");
            d.start();
            int code = d.awaitExit(30, TimeUnit.SECONDS);
            assertEquals(d.output(), 2, code);
            assertTrue(d.output(), d.output().contains("dev.ludus.test.broken 1.0.0: missing requirement [osgi.wiring.package]"));
            assertTrue(d.output(), d.output().contains("dev.ludus.does.not.exist"));
            assertEquals("nothing listens", -1, Http.tryGet(d.base() + "/health", null, null).status());
        }
    }

    @Test
    public void aFeatureNamingAMissingBundleOrAnUnknownFeatureIsAClearError() throws Exception {
        try (Distribution d = Distribution.copy()) {
            Files.writeString(d.home.resolve("features/ghost.json"), """
                    { "id": "dev.ludus.test:ghost:1.0.0", "bundles": [ "dev.ludus.test:ghost-bundle:9.9.9" ] }
                    """);
            d.env.put("LUDUS_FEATURES", "framework, ghost");
            d.start();
            assertEquals(d.output(), 1, d.awaitExit(30, TimeUnit.SECONDS));
            assertTrue(d.output(), d.output().contains("dev.ludus.test:ghost-bundle:9.9.9: named by feature dev.ludus.test:ghost:1.0.0 but "));

            d.env.put("LUDUS_FEATURES", "framework, nosuch");
            d.start();
            assertEquals(d.output(), 1, d.awaitExit(30, TimeUnit.SECONDS));
            assertTrue(d.output(), d.output().contains("feature 'nosuch' not found"));
            assertTrue(d.output(), d.output().contains("available: archive-jdbc, bus-nats, bus-rabbitmq, cache-redis, chaos, cluster, eventstore-jdbc, framework, games, ghost, http, limits-redis, ludus-core, nats, redis, tracing-otlp, webconsole"));

            d.env.put("LUDUS_FEATURES", "framework");
            d.env.put("LUDUS_HTTP_PORT", "eighty");
            d.start();
            assertEquals(d.output(), 1, d.awaitExit(30, TimeUnit.SECONDS));
            assertTrue(d.output(), d.output().contains("LUDUS_HTTP_PORT / org.osgi.service.http.port must be a whole number from 1 to 65535, got 'eighty'"));
        }
    }

    @Test
    public void checkModeResolvesTheDefaultFeaturesWithoutStartingAnything() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.start("--check");
            assertEquals(d.output(), 0, d.awaitExit(60, TimeUnit.SECONDS));
            int bundles = dev.ludus.runtime.FeaturePlan.of(d.home, dev.ludus.runtime.FeaturePlan.DEFAULT_FEATURES).size();
            assertTrue(d.output(), d.output().contains("check passed: " + bundles + " bundles from "
                    + dev.ludus.runtime.FeaturePlan.DEFAULT_FEATURES.size() + " features resolve"));
            assertFalse("no state written", Files.exists(d.data.resolve("console.password")));
        }
    }

    @Test
    public void readyOnlyWhenEveryBundleIsActiveAndWsAcceptsPlayersAndNotReadyAgainWhileStopping() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.start();
            String ready = d.base() + "/health/ready";
            List<Integer> duringStart = new ArrayList<>();
            Wait.until("/health/ready 200 (output so far:\n" + d.output() + ")", 60_000, () -> {
                if (!d.process().isAlive()) {
                    throw new AssertionError("ludus exited:\n" + d.output());
                }
                int status = Http.tryGet(ready, null, null).status();
                if (duringStart.isEmpty() || duringStart.get(duringStart.size() - 1) != status) {
                    duringStart.add(status);
                }
                if (status == 503 && !duringStart.contains(-200)
                        && Http.tryGet(d.base() + "/health", null, null).status() == 200) {
                    // /health already answers 200 here: that is why load balancers must ask /health/ready.
                    duringStart.add(-200);
                }
                return status == 200;
            });
            // At the first 200: every bundle is active and a player can say hello at once.
            String bundles = Http.get(d.base() + "/system/console/bundles.json", "admin", d.password()).body();
            assertFalse(bundles, bundles.contains("\"state\":\"Resolved\"") || bundles.contains("\"state\":\"Installed\""));
            try (ProtocolClient c = ProtocolClient.hello(java.net.URI.create("ws://127.0.0.1:" + d.port + "/ws"), "first")) {
                assertTrue(c != null);
            }
            assertEquals("{\"status\":\"READY\"}", Http.get(ready).body());
            assertEquals(200, Http.get(d.base() + "/health/live").status());
            // The service-loader weaver leaves Felix's Jetty, SLF4J and Logback alone
            // (ludus.weaving.skip): a class it wove would import its package. SLF4J finds Logback
            // through the fragment's service-loader file: the bundles' lines are Logback's.
            for (String name : List.of("org.apache.felix.http.jetty12", "slf4j.api", "ch.qos.logback.classic")) {
                String b = Http.get(d.base() + "/system/console/bundles/" + name + ".json", "admin", d.password()).body();
                assertTrue(b, b.contains("Imported Packages"));
                assertFalse(name + "'s classes were woven: " + b, b.contains("org.apache.aries.spifly,version"));
            }
            assertTrue(d.output(), d.output().contains(" INFO  [Gateway] gateway: at most "));
            assertFalse(d.output(), d.output().contains("SLF4J"));
            System.out.println("/health/ready during start: " + duringStart + " (-200: /health said 200 meanwhile)");
            assertFalse("never 200 before it was ready: " + duringStart, duringStart.subList(0, duringStart.size() - 1).contains(200));
            Wait.until("the ready line agrees", 10_000,
                    () -> d.output().contains("Ludus ready at " + d.base() + "/ in ") && d.output().contains("/health/ready 200"));

            // A drop-in that cannot resolve: marked to run, never active, so the node is not ready.
            Path jar = d.home.resolve("deploy/broken.jar");
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            mf.getMainAttributes().putValue("Bundle-SymbolicName", "dev.ludus.test.dropin");
            mf.getMainAttributes().putValue("Import-Package", "dev.ludus.does.not.exist");
            Path part = d.home.resolve("deploy/broken.jar.part");
            new JarOutputStream(Files.newOutputStream(part), mf).close();
            Files.move(part, jar, StandardCopyOption.ATOMIC_MOVE);
            Wait.until("not ready with the drop-in", 15_000, () -> Http.get(ready).status() == 503);
            assertEquals("{\"status\":\"NOT_READY\"}", Http.get(ready).body());
            String why = Http.get(ready, "admin", d.password()).body();
            assertTrue(why, why.contains("\"notActive\":[\"dev.ludus.test.dropin (INSTALLED)\"]"));
            Files.delete(jar);
            Wait.until("ready again once it is gone", 15_000, () -> Http.get(ready).status() == 200);

            // SIGTERM: 503 from the moment the stop begins until nothing listens; never 200 again.
            d.process().destroy();
            List<Integer> duringStop = new ArrayList<>();
            while (d.process().isAlive()) {
                int status = Http.tryGet(ready, null, null).status();
                if (duringStop.isEmpty() || duringStop.get(duringStop.size() - 1) != status) {
                    duringStop.add(status);
                }
                Thread.sleep(2);
            }
            System.out.println("/health/ready during stop: " + duringStop);
            int first503 = duringStop.indexOf(503);
            assertTrue("503 while stopping: " + duringStop, first503 >= 0);
            assertFalse("no 200 after the stop began: " + duringStop, duringStop.subList(first503, duringStop.size()).contains(200));
            assertEquals(d.output(), 0, d.process().exitValue());
        }
    }

    @Test
    public void jettysPoolStaysWithinItsDefaultThroughABurstAndClientsThatDoNotReadHoldNoneOfIt() throws Exception {
        int processors = Runtime.getRuntime().availableProcessors();
        int most = Math.min(200, Math.max(32, 16 * processors)); // LaunchConfig.httpThreads
        try (Distribution d = Distribution.copy()) {
            d.start();
            Wait.until("/health/ready 200 (output so far:\n" + d.output() + ")", 60_000,
                    () -> Http.tryGet(d.base() + "/health/ready", null, null).status() == 200);
            Path tasks = Path.of("/proc", String.valueOf(d.process().pid()), "task");
            List<java.net.Socket> held = new ArrayList<>();
            try {
                // Clients that ask for the largest public file with a tiny receive buffer and never
                // read it: the answer fits in the sockets' buffers, so none keeps a Jetty thread.
                for (int i = 0; i < 2 * most; i++) {
                    held.add(request(d.port, "/app.js", 2048));
                }
                // A burst: many requests at once, each of which queues work for the pool.
                List<java.net.Socket> burst = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    burst.add(request(d.port, "/health", 65536));
                }
                int answered = 0;
                for (java.net.Socket b : burst) {
                    try (b) {
                        b.setSoTimeout(20_000);
                        String head = new String(b.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                        answered += head.equals("HTTP/1.1 200") ? 1 : 0;
                    }
                }
                assertEquals("every request of the burst answered", 300, answered);
                long start = System.nanoTime();
                assertEquals(200, Http.get(d.base() + "/health").status());
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue("/health took " + millis + " ms beside " + held.size() + " clients that do not read", millis < 5_000);
                long jetty = 0;
                try (Stream<Path> all = Files.list(tasks)) {
                    for (Path t : (Iterable<Path>) all::iterator) {
                        try {
                            jetty += Files.readString(t.resolve("comm")).startsWith("qtp") ? 1 : 0;
                        } catch (IOException gone) {
                            // a thread that ended meanwhile
                        }
                    }
                }
                System.out.println("Jetty's threads after the burst: " + jetty + " (at most " + most + ")");
                assertTrue("Jetty's threads: " + jetty, jetty > 0 && jetty <= most);
            } finally {
                for (java.net.Socket h : held) {
                    h.close();
                }
            }
            assertTrue(d.output(), d.output().contains(", HTTP threads at most " + most + "\n"));
        }
    }

    /** A socket that has sent a GET for path, its receive buffer set before it connected. */
    private static java.net.Socket request(int port, String path, int receiveBuffer) throws IOException {
        java.net.Socket s = new java.net.Socket();
        s.setReceiveBufferSize(receiveBuffer);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    @Test
    public void whenTheNodeCannotBecomeReadyTheLauncherSaysWhyAndKeepsWaiting() throws Exception {
        try (Distribution d = Distribution.copy()) {
            // A file where the event log's directory belongs: no event store, so no rooms recovery.
            Files.createDirectories(d.data);
            Files.writeString(d.data.resolve("events"), "not a directory");
            d.env.put("JAVA_OPTS", "-Dludus.ready.timeout.seconds=8");
            d.start();
            Wait.until("the launcher's warning", 60_000, () -> d.output().contains("not ready after 8 s"));
            String warning = d.output().lines().filter(l -> l.contains("not ready after 8 s")).findFirst().orElseThrow();
            assertTrue(warning, warning.contains("/health/ready answers 503"));
            assertTrue(warning, warning.contains("rooms is not ready"));
            assertTrue("still running", d.process().isAlive());
            assertFalse(d.output().contains("Ludus ready at"));
            assertEquals("{\"status\":\"NOT_READY\"}", Http.get(d.base() + "/health/ready").body());
            d.process().destroy();
            assertEquals(0, d.awaitExit(10, TimeUnit.SECONDS));
        }
    }

    @Test
    public void heapLimitComesFromLudusHeapJavaOptsOverridesItAndOutOfMemoryEndsTheProcess() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_HEAP", "200m");
            d.start().awaitHealthy();
            List<String> args = List.of(d.process().info().arguments().orElseThrow());
            assertTrue(args.toString(), args.contains("-Xmx200m"));
            assertTrue(args.toString(), args.contains("-XX:+ExitOnOutOfMemoryError"));
            assertTrue("ZGC by default: " + args, args.contains("-XX:+UseZGC"));
            assertTrue("heap given back after 30 s, down to 16 MiB: " + args,
                    args.contains("-Xms16m") && args.contains("-XX:ZUncommitDelay=30"));
            assertTrue(d.output(), d.output().contains(", garbage collector ZGC"));
            Matcher start = Pattern.compile("Ludus starting: Java \\S+, max heap (\\d+) MiB, open files limit (\\d+), data ")
                    .matcher(d.output());
            assertTrue(d.output(), start.find());
            long heap = Long.parseLong(start.group(1));
            assertTrue("max heap " + heap, heap > 150 && heap <= 200);
            assertTrue(Long.parseLong(start.group(2)) > 0);
            // On ZGC the node keeps the collector's soft heap limit near what it needs (HeapTarget).
            Wait.until("the ready line", 30_000, () -> d.output().contains("Ludus ready at"));
            assertTrue(d.output(), d.output().contains("heap target: ZGC's soft limit follows the live heap plus 10 s of allocation"));
            assertTrue(d.output(), d.output().contains("at most the maximum 200 MiB"));
            d.process().destroy();
            assertEquals(0, d.awaitExit(10, TimeUnit.SECONDS));

            // Each --check below tries two or three settings at once (every start of a JVM costs the
            // build seconds); each setting's own line is asserted.
            // JAVA_OPTS comes after LUDUS_HEAP, so its -Xmx wins. LUDUS_JIT unset: C2 deferred. The
            // open-files limit as asked for (lowering is always allowed).
            d.env.put("JAVA_OPTS", "-Xmx96m");
            d.env.put("LUDUS_OPEN_FILES", "4096");
            check(d, 0, ", compilers C1 and C2 (C2 after 50000 calls)");
            assertTrue(d.output(), d.output().contains(", open files limit 4096"));
            Matcher check = Pattern.compile("max heap (\\d+) MiB").matcher(d.output());
            long last = -1;
            while (check.find()) {
                last = Long.parseLong(check.group(1));
            }
            assertTrue("max heap " + last, last > 64 && last <= 96);
            d.env.remove("LUDUS_OPEN_FILES");

            // LUDUS_GC chooses another collector, a collector in JAVA_OPTS wins, anything else is
            // refused; LUDUS_JIT: the JVM's own thresholds, or C1 only; anything else is refused.
            d.env.remove("JAVA_OPTS");
            d.env.put("LUDUS_GC", "g1");
            d.env.put("LUDUS_JIT", "jvm");
            check(d, 0, ", garbage collector G1");
            assertTrue(d.output(), d.output().contains(", compilers C1 and C2 (C2 after 5000 calls)"));
            d.env.put("JAVA_OPTS", "-XX:+UseSerialGC");
            d.env.put("LUDUS_JIT", "c1");
            check(d, 0, ", garbage collector Serial");
            assertTrue(d.output(), d.output().contains(", compiler C1 only"));
            d.env.remove("JAVA_OPTS");
            d.env.remove("LUDUS_JIT");
            d.env.put("LUDUS_GC", "fast");
            check(d, 1, "LUDUS_GC must be zgc, g1, parallel, serial or jvm, got 'fast'");
            d.env.remove("LUDUS_GC");
            d.env.put("LUDUS_JIT", "later");
            check(d, 1, "LUDUS_JIT must be deferred, jvm or c1, got 'later'");
            d.env.remove("LUDUS_JIT");

            // The least heap the launcher takes (32m) is above -Xms16m; under it, or zero, a clear refusal
            // instead of the JVM's OutOfMemoryError or "Invalid maximum heap size". jvm leaves the sizing alone.
            d.env.put("LUDUS_HEAP", "32m");
            d.start("--check");
            d.awaitExit(60, TimeUnit.SECONDS);
            assertTrue(d.output(), d.output().contains("Ludus starting: Java"));
            assertFalse(d.output(), d.output().contains("Initial heap size set to a larger value"));
            for (String small : List.of("12m", "0", "00g", "31m", "32767k", "1048576")) {
                d.env.put("LUDUS_HEAP", small);
                check(d, 1, "LUDUS_HEAP must be at least 32m (a node with nobody on it needs about 24 MiB; 1g is the "
                        + "default), got '" + small + "'");
            }
            d.env.put("LUDUS_HEAP", "1234567890123456g");
            check(d, 1, "LUDUS_HEAP must be a size such as 512m or 2g, got '1234567890123456g'");
            d.env.remove("LUDUS_HEAP");
            d.env.put("LUDUS_HEAP_TARGET", "jvm");
            d.start().awaitHealthy();
            List<String> jvmArgs = List.of(d.process().info().arguments().orElseThrow());
            assertFalse(jvmArgs.toString(), jvmArgs.contains("-Xms16m") || jvmArgs.contains("-XX:ZUncommitDelay=30"));
            assertTrue(jvmArgs.toString(), jvmArgs.contains("-Dludus.heap.target=jvm"));
            Wait.until("the ready line", 30_000, () -> d.output().contains("Ludus ready at"));
            assertFalse(d.output(), d.output().contains("heap target:"));
            d.process().destroy();
            assertEquals(0, d.awaitExit(10, TimeUnit.SECONDS));
            d.env.put("LUDUS_HEAP_TARGET", "sometimes");
            check(d, 1, "LUDUS_HEAP_TARGET must be adaptive or jvm, got 'sometimes'");
            d.env.remove("LUDUS_HEAP_TARGET");

            d.env.put("LUDUS_HEAP", "lots");
            check(d, 1, "LUDUS_HEAP must be a size such as 512m or 2g, got 'lots'");

            // The open-files limit: a clear refusal below 1024.
            d.env.remove("LUDUS_HEAP");
            d.env.put("LUDUS_OPEN_FILES", "12");
            check(d, 1, "LUDUS_OPEN_FILES must be a whole number from 1024 to 99999999");
        }
    }

    /**
     * Class data sharing, as on by default: the first start asks the JVM to write an archive of the
     * launcher's classes at a clean stop, the next start checks it and reads its classes from it, as
     * does a {@code --check}; a short archive (a JVM killed while writing it) is thrown away without
     * a trace; so is the archive of a start refused before the node was ready (the JVM writes one at
     * any exit, of the few classes loaded so far, and keeping it would leave every later start
     * without the rest);
     * {@code LUDUS_CDS=off} does without, anything else is refused.
     */
    @Test
    public void classDataSharingArchiveIsWrittenAtACleanStopCheckedAndUsed() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.remove("LUDUS_CDS");
            Path cds = d.data.resolve("cds");

            // A start refused early writes an archive of what it loaded, which the next start drops.
            d.env.put("LUDUS_FEATURES", "framework, no-such-feature");
            d.start();
            assertEquals(d.output(), 1, d.awaitExit(60, TimeUnit.SECONDS));
            assertTrue(cdsFiles(cds).toString(), cdsFiles(cds).stream().anyMatch(n -> n.matches("launcher-\\d+\\.jsa\\.new-\\d+")));
            d.env.remove("LUDUS_FEATURES");

            d.start().awaitHealthy();
            assertTrue(d.output(), d.output().contains(", class data sharing archive written at a clean stop"));
            assertEquals("the refused start's archive is gone", List.of(), cdsFiles(cds).stream()
                    .filter(n -> n.startsWith("launcher-")).toList());
            List<String> args = List.of(d.process().info().arguments().orElseThrow());
            assertTrue(args.toString(), args.stream().anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit=" + cds)));
            Wait.until("the ready line", 60_000, () -> d.output().contains("Ludus ready at "));
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(60, TimeUnit.SECONDS));
            long pid = d.process().pid();
            List<String> written = cdsFiles(cds);
            assertEquals(written.toString(), 2, written.size());
            assertTrue(written.toString(), written.get(0).matches("launcher-\\d+\\.jsa\\.new-" + pid));
            assertEquals("the run that became ready vouches for its archive", "ready-" + pid, written.get(1));

            d.start().awaitHealthy();
            assertTrue(d.output(), d.output().contains(", class data sharing from an archive"));
            String archive = written.get(0).replaceAll("\\.new-\\d+$", "");
            assertEquals(List.of(archive), cdsFiles(cds));
            args = List.of(d.process().info().arguments().orElseThrow());
            assertTrue(args.toString(), args.contains("-XX:SharedArchiveFile=" + cds.resolve(archive)));
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(30, TimeUnit.SECONDS));
            assertEquals("an archive in use is not written again", List.of(archive), cdsFiles(cds));

            // A --check reads the archive too (and writes none: a check loads too little).
            check(d, 0, ", class data sharing from an archive");
            assertEquals(List.of(archive), cdsFiles(cds));

            // A short archive, as a JVM killed while writing leaves it (a JVM that mapped it would
            // die): tried first, as at every start, it is thrown away with the check's crash report.
            byte[] whole = Files.readAllBytes(cds.resolve(archive));
            Files.delete(cds.resolve(archive));
            Files.write(cds.resolve(archive + ".new-1"), Arrays.copyOf(whole, whole.length / 3));
            Files.writeString(cds.resolve("ready-1"), "");
            check(d, 0, ", class data sharing without an archive");
            assertEquals("the short archive is gone, and the check's crash report", List.of(), cdsFiles(cds));
            try (Stream<Path> s = Files.list(d.home)) {
                assertEquals("no crash report where ludus was started", List.of(),
                        s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hs_err")).toList());
            }

            d.env.put("LUDUS_CDS", "off");
            check(d, 0, ", class data sharing off");
            d.env.put("LUDUS_CDS", "maybe");
            check(d, 1, "LUDUS_CDS must be on or off, got 'maybe'");
        }
    }

    /**
     * A careless operator starts a second node on the data directory of one that runs: it is refused
     * at once with its own exit code and names the first, whose bundle cache, event log and service
     * stay as they were (before the lock, the second deleted the first's bundle cache as its
     * framework started, then ran half-started against the locked event log).
     */
    @Test
    public void aSecondNodeOnTheSameDataDirectoryIsRefusedAndTheFirstKeepsServing() throws Exception {
        try (Distribution first = Distribution.copy(); Distribution second = Distribution.copy()) {
            first.start().awaitHealthy();
            Wait.until("the ready line", 60_000, () -> first.output().contains("Ludus ready at "));
            List<String> bundlesCached;
            try (Stream<Path> s = Files.list(first.data.resolve("cache"))) {
                bundlesCached = s.map(p -> p.getFileName().toString()).sorted().toList();
            }

            second.env.put("LUDUS_DATA", first.data.toString());
            second.start();
            assertEquals(second.output(), 5, second.awaitExit(60, TimeUnit.SECONDS));
            assertTrue(second.output(), second.output().contains("another Ludus node runs on the data directory "
                    + first.data + " (process " + first.process().pid() + "); stop it, or give this one a data"
                    + " directory of its own (LUDUS_DATA)"));
            assertFalse(second.output(), second.output().contains("Ludus ready"));

            try (Stream<Path> s = Files.list(first.data.resolve("cache"))) {
                assertEquals("the first node's bundle cache is untouched", bundlesCached,
                        s.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertEquals(200, Http.get(first.base() + "/health/ready").status());
            assertTrue(first.process().isAlive());
        }
    }

    /**
     * A careless operator starts a second node on the port of one that runs (with a data directory of
     * its own): it is refused before anything starts, with its own exit code. Before the check, its
     * Jetty failed to bind, only logged it, and the node's readiness probe took the first node's
     * answers for its own: "Ludus ready at" a port it did not serve.
     */
    @Test
    public void aSecondNodeOnTheSamePortIsRefusedInsteadOfCallingItselfReady() throws Exception {
        try (Distribution first = Distribution.copy(); Distribution second = Distribution.copy()) {
            first.start().awaitHealthy();
            second.env.put("LUDUS_HTTP_PORT", Integer.toString(first.port));
            second.start();
            assertEquals(second.output(), 6, second.awaitExit(60, TimeUnit.SECONDS));
            assertTrue(second.output(), second.output().contains("cannot listen on 127.0.0.1:" + first.port + " ("));
            assertTrue(second.output(), second.output().contains("another process holds the port (another Ludus"
                    + " node?); stop it, or choose another port (LUDUS_HTTP_PORT)"));
            assertFalse(second.output(), second.output().contains("Ludus ready"));
            assertEquals(200, Http.get(first.base() + "/health").status());
        }
    }

    private static List<String> cdsFiles(Path cds) throws IOException {
        try (Stream<Path> s = Files.list(cds)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Runs {@code ludus --check} with the environment as set: it exits with {@code exit} (within
     * 60 s when it passes, 10 s when it refuses) and says {@code expected}.
     */
    private static void check(Distribution d, int exit, String expected) throws Exception {
        d.start("--check");
        assertEquals(d.output(), exit, d.awaitExit(exit == 0 ? 60 : 10, TimeUnit.SECONDS));
        assertTrue(d.output(), d.output().contains(expected));
    }

    @Test
    public void dataIsOwnerOnlyEvenUnderAPermissiveUmask() throws Exception {
        try (Distribution d = Distribution.copy()) {
            Files.createDirectories(d.data);
            Files.setPosixFilePermissions(d.data, PosixFilePermissions.fromString("rwxrwxrwx"));
            d.umask = "000";
            // One short game to its end: event segments, snapshots, the archive queue and a pack.
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 1\nsnapshotEvery = 5\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            try (ProtocolClient c = ProtocolClient.hello(java.net.URI.create("ws://127.0.0.1:" + d.port + "/ws"), "Ann")) {
                LiapTuiPlayer.startAgainstBots(c, "modes", Map.of("maxRounds", 1));
                LiapTuiPlayer.play(c, 90_000, -1);
            }
            Wait.until("the finished game in an archive pack", 30_000, () -> {
                try (Stream<Path> s = Files.walk(d.data)) {
                    return s.anyMatch(p -> p.toString().endsWith(".pack"));
                }
            });
            assertTrue(d.output(), d.output().contains("data directory " + d.data + " was rwxrwxrwx; narrowed to rwx------"));
            List<String> open = new ArrayList<>();
            Set<String> kinds = new TreeSet<>();
            try (Stream<Path> s = Files.walk(d.data)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String mode;
                    try {
                        mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                    } catch (java.nio.file.NoSuchFileException gone) {
                        continue; // a temporary file renamed meanwhile
                    }
                    if (!mode.equals(Files.isDirectory(p) ? "rwx------" : "rw-------")) {
                        open.add(d.data.relativize(p) + " " + mode);
                    }
                    Path rel = d.data.relativize(p);
                    if (rel.getNameCount() > 1) {
                        kinds.add(rel.getName(0).toString());
                    }
                }
            }
            assertEquals("files open to other users", List.of(), open);
            assertTrue(kinds.toString(), kinds.containsAll(List.of("archive", "cache", "events", "snapshots")));
            d.process().destroy();
            assertEquals(0, d.awaitExit(15, TimeUnit.SECONDS));
        }
    }

    @Test
    public void aJarInDeployWithTheNameAndVersionOfACoreBundleNeitherReplacesNorRemovesIt() throws Exception {
        try (Distribution d = Distribution.copy()) {
            // An empty bundle named and versioned as the rooms runtime, left in deploy/ while the node
            // was down. FileInstall on its own "updates" the installed bundle with such a jar (the
            // rooms runtime's code replaced by nothing) and uninstalls it when the jar is removed.
            Path rooms;
            try (Stream<Path> s = Files.walk(d.home.resolve("system/dev/ludus/ludus-rooms"))) {
                rooms = s.filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst().orElseThrow();
            }
            Attributes core;
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(rooms.toFile())) {
                core = j.getManifest().getMainAttributes();
            }
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            mf.getMainAttributes().putValue("Bundle-SymbolicName", core.getValue("Bundle-SymbolicName"));
            mf.getMainAttributes().putValue("Bundle-Version", core.getValue("Bundle-Version"));
            Path twin = d.home.resolve("deploy/rooms-twin.jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(twin), mf)) {
                out.flush();
            }

            d.start().awaitHealthy();
            d.awaitGateway();
            String password = d.password();
            String bundlesJson = d.base() + "/system/console/bundles.json";
            Wait.until("/health/ready 200 (output so far:\n" + d.output() + ")", 30_000,
                    () -> Http.get(d.base() + "/health/ready").status() == 200);
            Wait.until("the framework check names the jar", 20_000, () -> d.healthWithDetails()
                    .contains("deploy/rooms-twin.jar: bundle dev.ludus.rooms " + core.getValue("Bundle-Version") + " is already installed"));
            assertEquals("Active", consoleState(Http.get(bundlesJson, "admin", password).body(), "dev.ludus.rooms"));
            assertTrue(d.output(), d.output().contains("rooms-twin.jar left alone: bundle dev.ludus.rooms"));
            assertFalse(d.output(), d.output().contains("Updating this bundle instead"));

            Files.delete(twin);
            Wait.until("the framework check no longer names it", 20_000,
                    () -> !d.healthWithDetails().contains("rooms-twin.jar"));
            Thread.sleep(3_000); // three of FileInstall's polls: it uninstalled the rooms runtime within one
            assertEquals("Active", consoleState(Http.get(bundlesJson, "admin", password).body(), "dev.ludus.rooms"));
            try (ProtocolClient c = ProtocolClient.hello(java.net.URI.create("ws://127.0.0.1:" + d.port + "/ws"), "Ann")) {
                LiapTuiPlayer.startAgainstBots(c, "twin", Map.of("maxRounds", 1));
            }
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
        }
    }

    @Test
    public void whatBundlesReportToTheOsgiLogServiceAtWarnAndAboveIsInTheNodesLog() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.start().awaitHealthy();
            // A drop-in whose component names a class it does not hold: Declarative Services reports the
            // failure to the OSGi Log Service only, which the node's log did not show.
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            mf.getMainAttributes().putValue("Bundle-SymbolicName", "itest.broken.component");
            mf.getMainAttributes().putValue("Bundle-Version", "1.0.0");
            mf.getMainAttributes().putValue("Service-Component", "OSGI-INF/broken.xml");
            Path part = d.home.resolve("deploy/broken.jar.part");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(part), mf)) {
                out.putNextEntry(new java.util.jar.JarEntry("OSGI-INF/broken.xml"));
                out.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"itest.Broken\" immediate=\"true\">\n"
                        + "  <implementation class=\"itest.no.such.Component\"/>\n"
                        + "</scr:component>\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            Files.move(part, d.home.resolve("deploy/broken.jar"), StandardCopyOption.ATOMIC_MOVE);
            Wait.until("Declarative Services' error in the node's log (output so far:\n" + d.output() + ")", 20_000,
                    () -> Pattern.compile("ERROR +\\[component\\] .*itest\\.Broken.*").matcher(d.output()).find()
                            && d.output().contains("itest.no.such.Component"));
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
        }
    }

    /**
     * A careless operator uninstalls the event store from the Web Console's bundle list. Before,
     * {@code /health/ready} kept answering 200 (READY) and {@code /health} only DEGRADED, so load
     * balancers went on sending players to a node that could record no move. Now the launcher names
     * the bundle and its feature in the log (and that the next start brings it back), the rooms are
     * DOWN once the store has been away longer than a swap takes, and the node is not ready.
     */
    @Test
    public void aCoreBundleUninstalledFromTheConsoleIsNamedAndTheNodeIsNotReadyWithoutAnEventStore() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.start().awaitHealthy();
            Wait.until("the ready line", 30_000, () -> d.output().contains("Ludus ready at "));
            String bundles = Http.get(d.base() + "/system/console/bundles.json", "admin", d.password()).body();
            String id = null;
            for (JsonNode b : new ObjectMapper().readTree(bundles).get("data")) {
                if ("dev.ludus.eventstore".equals(b.get("symbolicName").asText())) {
                    id = b.get("id").asText();
                }
            }
            assertNotNull(bundles, id);
            Http.Response r = Http.postForm(d.base() + "/system/console/bundles/" + id, "admin", d.password(),
                    "Origin", d.base(), Map.of("action", "uninstall"));
            assertEquals(r.body(), 200, r.status());
            Wait.until("the launcher's warning", 15_000, () -> d.output().contains("bundle dev.ludus.eventstore 0.1.0.SNAPSHOT"
                    + " (feature ludus-core) was uninstalled while the node runs"));
            assertTrue(d.output(), d.output().contains("the next start installs it again with its feature (to run without"
                    + " it, leave the feature out of ludus.features or LUDUS_FEATURES)"));
            Wait.until("/health/ready 503", 30_000, () -> Http.get(d.base() + "/health/ready").status() == 503);
            String why = Http.get(d.base() + "/health/ready", "admin", d.password()).body();
            assertTrue(why, why.contains("no event store for "));
            String health = Http.get(d.base() + "/health", "admin", d.password()).body();
            assertTrue(health, health.contains("\"rooms\":{\"status\":\"DOWN\",\"reason\":\"no event store for "));
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
        }
    }

    /** The console's state word for a bundle in bundles.json, or null if it is not installed. */
    static String consoleState(String bundlesJson, String symbolicName) {
        for (String entry : bundlesJson.split("\\},\\{")) {
            if (entry.contains("\"symbolicName\":\"" + symbolicName + "\"")) {
                int i = entry.indexOf("\"state\":\"");
                return entry.substring(i + 9, entry.indexOf('"', i + 9));
            }
        }
        return null;
    }
}
