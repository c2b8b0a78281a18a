package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Test;

/**
 * The assembled distribution as a user runs it: {@code bin/ludus} in its own process.
 */
public class DistributionIT {

    @Test
    public void startsServesHotDeploysAndStopsWithExitZeroOnSigterm() throws Exception {
        try (Distribution d = Distribution.copy()) {
            long started = System.nanoTime();
            d.start().awaitHealthy();
            long readyMillis = (System.nanoTime() - started) / 1_000_000;

            // /health answers 200 (DEGRADED) while the last start levels are still starting.
            Wait.until("/health UP", 10_000, () -> Http.get(d.base() + "/health").body().contains("\"status\":\"UP\""));
            Http.Response health = Http.get(d.base() + "/health");
            assertEquals(200, health.status());
            assertTrue(health.body(), health.body().contains("\"status\":\"UP\""));
            Wait.until("the ready line", 10_000, () -> d.output().contains("Ludus ready at " + d.base() + "/ in "));

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
        }
    }

    @Test
    public void secondStartReusesTheGeneratedPassword() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.start().awaitHealthy();
            String first = Files.readString(d.data.resolve("console.password")).strip();
            d.process().destroy();
            assertEquals(0, d.awaitExit(10, TimeUnit.SECONDS));
            d.start().awaitHealthy();
            assertEquals(first, Files.readString(d.data.resolve("console.password")).strip());
            assertEquals(200, Http.get(d.base() + "/system/console/bundles.json", "admin", first).status());
            d.process().destroy();
            assertEquals(0, d.awaitExit(10, TimeUnit.SECONDS));
        }
    }

    @Test
    public void consolePasswordFromTheEnvironmentWinsAndNoFileIsWritten() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_CONSOLE_PASSWORD", "correct horse battery staple");
            d.start().awaitHealthy();
            String url = d.base() + "/system/console/bundles.json";
            assertEquals(200, Http.get(url, "admin", "correct horse battery staple").status());
            assertEquals(401, Http.get(url, "admin", "admin").status());
            assertFalse(Files.exists(d.data.resolve("console.password")));
            assertTrue(d.output().contains("password from LUDUS_CONSOLE_PASSWORD"));
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
            assertTrue(d.output(), d.output().contains("available: framework, games, ghost, http, ludus-core, webconsole"));

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
