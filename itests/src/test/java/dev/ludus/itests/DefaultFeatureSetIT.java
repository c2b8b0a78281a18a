package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration.ConfigurationAttribute;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * Boots the distribution's default feature set (the same features, bundles and start levels the
 * launcher uses) in a real Felix and checks what an operator and an integrator rely on.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DefaultFeatureSetIT {

    static final String HELLO_BSN = "dev.ludus.example.hello";
    static final String HELLO_PID = "dev.ludus.example.hello";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("default", List.of());
    }

    private String base() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    @Test
    public void everyBundleOfTheDefaultFeaturesIsActive() throws Exception {
        Wait.until("all bundles active", 10_000, () -> notActive().isEmpty());
        List<String> names = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            names.add(b.getSymbolicName());
        }
        for (String expected : List.of("org.apache.felix.scr", "org.apache.felix.configadmin",
                "org.apache.felix.fileinstall", "org.apache.felix.http.jetty12", "org.apache.felix.webconsole",
                "org.apache.aries.spifly.dynamic.bundle", "dev.ludus.api", "dev.ludus.health",
                "org.eclipse.jetty.ee10.websocket.server")) {
            assertTrue(expected + " is installed: " + names, names.contains(expected));
        }
        assertTrue("fault injection is never in the default set: " + names, !names.contains("dev.ludus.chaos"));
    }

    private List<String> notActive() {
        List<String> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            if (b.getState() != Bundle.ACTIVE && !(fragment && b.getState() == Bundle.RESOLVED)) {
                out.add(b.getSymbolicName() + "=" + b.getState());
            }
        }
        return out;
    }

    @Test
    public void healthAnswers200WithJson() throws Exception {
        Wait.until("/health answers 200", 10_000, () -> Http.tryGet(base() + "/health", null, null).status() == 200);
        Http.Response r = Http.get(base() + "/health");
        assertEquals(200, r.status());
        assertTrue(r.body(), r.body().startsWith("{\"status\":\"UP\",\"components\":{"));
        assertTrue(r.body(), r.body().contains("\"framework\":{\"status\":\"UP\""));
    }

    @Test
    public void healthDetailsFollowTheConsolePasswordAlsoWhenChangedInTheConsoleSettings() throws Exception {
        String url = base() + "/health";
        String password = context.getProperty("ludus.itest.password");
        Wait.until("/health/ready answers 200", 20_000, () -> Http.tryGet(base() + "/health/ready", null, null).status() == 200);
        assertEquals("{\"status\":\"READY\"}", Http.get(base() + "/health/ready").body());
        assertEquals("{\"status\":\"UP\"}", Http.get(base() + "/health/live").body());
        assertTrue(!Http.get(url).body().contains("details"));
        assertTrue(!Http.get(url, "admin", "wrong").body().contains("details"));
        assertTrue(Http.get(url, "admin", password).body().contains("\"framework\":{\"status\":\"UP\",\"details\":{"));

        // The console's own settings (what its configuration page saves) win over the framework property.
        org.osgi.service.cm.Configuration console =
                configAdmin.getConfiguration("org.apache.felix.webconsole.internal.servlet.OsgiManager", null);
        try {
            java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
            props.put("password", "changed in the console");
            console.update(props);
            // The console rewrites a plain password salted and hashed (a moment later); check against that form.
            Wait.until("the console stores the password hashed", 10_000, () -> String.valueOf(configAdmin.getConfiguration(
                    "org.apache.felix.webconsole.internal.servlet.OsgiManager", null).getProperties().get("password"))
                    .startsWith("{"));
            // Polled slowly and at most 8 times: every miss counts as a wrong password for this address,
            // and 10 within a minute (the "wrong" one above included) would lock it out.
            String last = "";
            for (int attempt = 0; attempt < 8; attempt++) {
                last = Http.get(url, "admin", "changed in the console").body();
                if (last.contains("\"details\"")) {
                    break;
                }
                Thread.sleep(2000);
            }
            assertTrue("the new password opens details; last answer: " + last, last.contains("\"details\""));
            assertTrue("the old one no longer does", !Http.get(url, "admin", password).body().contains("details"));
        } finally {
            console.delete();
            // Polled slowly too: each 401 counts as a wrong password for this address, and five lock it
            // out of the console for a while (web-security).
            int status = -1;
            for (long end = System.currentTimeMillis() + 15_000; System.currentTimeMillis() < end; Thread.sleep(1000)) {
                status = Http.get(base() + "/system/console/bundles.json", "admin", password).status();
                if (status == 200) {
                    break;
                }
            }
            assertEquals("the console accepts the configured password again", 200, status);
        }
        assertTrue(Http.get(url, "admin", password).body().contains("\"details\""));
    }

    @Test
    public void consoleRefusesAnonymousAndAcceptsTheConfiguredPassword() throws Exception {
        String url = base() + "/system/console/bundles.json";
        Wait.until("console answers", 10_000, () -> Http.tryGet(url, null, null).status() == 401);
        assertEquals(401, Http.get(url, "admin", "admin").status());
        assertEquals(401, Http.get(url, "admin", "wrong").status());
        Http.Response ok = Http.get(url, "admin", context.getProperty("ludus.itest.password"));
        assertEquals(200, ok.status());
        assertTrue(ok.body().contains("\"symbolicName\":\"dev.ludus.health\""));
    }

    @Test
    public void bundleDroppedIntoDeployStartsAndRemovingItUninstalls() throws Exception {
        Path deploy = Path.of(context.getProperty("ludus.itest.deploy"));
        Path jar = deploy.resolve("hello.jar");
        Path tmp = deploy.resolve("hello.jar.part"); // not matched by the FileInstall filter
        Files.copy(Path.of(context.getProperty("ludus.itest.example")), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE);

        Wait.until("deployed bundle ACTIVE", 10_000, () -> installedBundle(HELLO_BSN) != null && installedBundle(HELLO_BSN).getState() == Bundle.ACTIVE);
        Wait.until("its HealthCheck service registered", 10_000, () -> helloCheck() != null);
        Wait.until("/health lists it", 10_000,
                () -> Http.get(base() + "/health").body().contains("\"hello\":{\"status\":\"UP\""));

        Files.delete(jar);
        Wait.until("bundle uninstalled", 10_000, () -> installedBundle(HELLO_BSN) == null);
        assertEquals(null, helloCheck());
        assertTrue(!Http.get(base() + "/health").body().contains("\"hello\""));
    }

    @Test
    public void aJarDroppedIntoDeployThatIsNoBundleIsNamedInHealthUntilItIsTakenAway() throws Exception {
        Path deploy = Path.of(context.getProperty("ludus.itest.deploy"));
        Path plain = deploy.resolve("itest-plain.jar");
        Path part = deploy.resolve("itest-plain.jar.part");
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(part), mf)) {
            out.flush();
        }
        Files.move(part, plain, StandardCopyOption.ATOMIC_MOVE);
        try {
            Wait.until("the framework check names the jar and why", 20_000, () -> String.valueOf(
                    HealthChecks.require(context, "framework").details().get("notInstalled")).contains("itest-plain.jar: no Bundle-SymbolicName"));
            assertEquals("DEGRADED", HealthChecks.require(context, "framework").status().name());
        } finally {
            Files.deleteIfExists(plain);
        }
        Wait.until("no longer named once it is gone", 20_000,
                () -> !HealthChecks.require(context, "framework").details().containsKey("notInstalled"));
    }

    @Test
    public void aJarDroppedIntoDeployWithTheNameAndVersionOfAnInstalledBundleChangesNothing() throws Exception {
        Bundle stats = installedBundle("dev.ludus.stats");
        assertNotNull("the statistics bundle is in the default features", stats);
        long modified = stats.getLastModified();
        String version = stats.getVersion().toString();
        // An empty bundle with its name and version: FileInstall alone would put it in the place of
        // the installed bundle, and uninstall that bundle when the jar is taken away.
        Path deploy = Path.of(context.getProperty("ludus.itest.deploy"));
        Path twin = deploy.resolve("itest-twin.jar");
        Path part = deploy.resolve("itest-twin.jar.part");
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        mf.getMainAttributes().putValue(Constants.BUNDLE_SYMBOLICNAME, "dev.ludus.stats");
        mf.getMainAttributes().putValue(Constants.BUNDLE_VERSION, version);
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(part), mf)) {
            out.flush();
        }
        Files.move(part, twin, StandardCopyOption.ATOMIC_MOVE);
        try {
            Wait.until("the framework check names the jar and why", 20_000, () -> String.valueOf(
                    HealthChecks.require(context, "framework").details().get("notInstalled"))
                    .contains("itest-twin.jar: bundle dev.ludus.stats " + version + " is already installed"));
            assertEquals("the installed bundle was not updated", modified, stats.getLastModified());
            assertEquals(Bundle.ACTIVE, stats.getState());
        } finally {
            Files.deleteIfExists(twin);
        }
        Wait.until("no longer named once it is gone", 20_000, () -> !String.valueOf(
                HealthChecks.require(context, "framework").details().get("notInstalled")).contains("itest-twin.jar"));
        Thread.sleep(1_000); // five of FileInstall's polls (200 ms here): it uninstalled the bundle within one
        assertEquals("the installed bundle stays", stats, context.getBundle(stats.getBundleId()));
        assertEquals(Bundle.ACTIVE, stats.getState());
        assertEquals(modified, stats.getLastModified());

        // Another version of a Ludus bundle is not installed beside it either: one version runs.
        mf.getMainAttributes().putValue(Constants.BUNDLE_VERSION, "99.0.0");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(part), mf)) {
            out.flush();
        }
        Path next = deploy.resolve("itest-stats-99.jar");
        Files.move(part, next, StandardCopyOption.ATOMIC_MOVE);
        try {
            Wait.until("the framework check names it", 20_000, () -> String.valueOf(
                    HealthChecks.require(context, "framework").details().get("notInstalled"))
                    .contains("itest-stats-99.jar: bundle dev.ludus.stats 99.0.0 is another version of dev.ludus.stats " + version));
            long installed = java.util.Arrays.stream(context.getBundles()).filter(b -> "dev.ludus.stats".equals(b.getSymbolicName())).count();
            assertEquals("one dev.ludus.stats installed", 1, installed);
        } finally {
            Files.deleteIfExists(next);
        }
        Wait.until("no longer named once it is gone", 20_000, () -> !String.valueOf(
                HealthChecks.require(context, "framework").details().get("notInstalled")).contains("itest-stats-99.jar"));
        assertEquals(Bundle.ACTIVE, stats.getState());
    }

    @Test
    public void aCfgFileSavedWithAByteOrderMarkIsNamedInHealthInsteadOfItsFirstSettingVanishing() throws Exception {
        Path conf = Path.of(context.getProperty("ludus.itest.conf"));
        Path cfg = conf.resolve("dev.ludus.health.cfg");
        Path part = conf.resolve("dev.ludus.health.cfg.part");
        // What an editor's "UTF-8 with BOM" writes: the mark, then the first line.
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] text = "detailsForEveryone = true\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] bytes = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, bytes, 0, bom.length);
        System.arraycopy(text, 0, bytes, bom.length, text.length);
        Files.write(part, bytes);
        Files.move(part, cfg, StandardCopyOption.ATOMIC_MOVE);
        try {
            Wait.until("the configuration check names the mark and the setting it hides", 20_000, () -> String.valueOf(
                    HealthChecks.require(context, "configuration").details().get("unknownSettings"))
                    .contains("byte-order mark, read as part of this name: save it without the mark to apply detailsForEveryone"));
            assertEquals("DEGRADED", HealthChecks.require(context, "configuration").status().name());
            assertTrue("not applied: details stay hidden", !Http.get(base() + "/health").body().contains("\"details\""));
        } finally {
            Files.deleteIfExists(cfg);
        }
        Wait.until("no longer named once the file is gone", 20_000,
                () -> HealthChecks.require(context, "configuration").details().get("unknownSettings") == null);
    }

    @Test
    public void cfgFileInConfReachesConfigAdminAndTheRunningComponent() throws Exception {
        Bundle hello;
        try (InputStream in = Files.newInputStream(Path.of(context.getProperty("ludus.itest.example")))) {
            hello = context.installBundle("itest:hello", in);
        }
        try {
            hello.start();
            Wait.until("hello check registered", 10_000, () -> helloCheck() != null);
            ServiceReference<HealthCheck> before = context.getServiceReference(HealthCheck.class);
            Object serviceId = helloRef().getProperty(Constants.SERVICE_ID);
            assertEquals("hello", greeting());
            assertNotNull(before);

            Path cfg = Path.of(context.getProperty("ludus.itest.conf")).resolve(HELLO_PID + ".cfg");
            Files.writeString(cfg, "greeting = bonjour\n");
            Wait.until("ConfigAdmin has the file's configuration", 10_000, () -> {
                org.osgi.service.cm.Configuration c = configAdmin.getConfiguration(HELLO_PID, "?");
                return c.getProperties() != null && "bonjour".equals(c.getProperties().get("greeting"));
            });
            Wait.until("component sees greeting=bonjour", 10_000, () -> "bonjour".equals(greeting()));
            assertEquals("same service, not restarted", serviceId, helloRef().getProperty(Constants.SERVICE_ID));
            assertTrue(modifications() >= 1);

            Files.writeString(cfg, "greeting = hola\n");
            Wait.until("component sees greeting=hola", 10_000, () -> "hola".equals(greeting()));
            assertEquals("same service, not restarted", serviceId, helloRef().getProperty(Constants.SERVICE_ID));
            assertTrue(!configAdmin.getConfiguration(HELLO_PID, "?").getAttributes().contains(ConfigurationAttribute.READ_ONLY));

            Files.delete(cfg);
            Wait.until("configuration deleted, default greeting back", 10_000, () -> "hello".equals(greeting()));
        } finally {
            hello.uninstall();
        }
    }

    private Bundle installedBundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private ServiceReference<HealthCheck> helloRef() throws Exception {
        for (ServiceReference<HealthCheck> ref : context.getServiceReferences(HealthCheck.class, null)) {
            HealthCheck c = context.getService(ref);
            try {
                if (c != null && "hello".equals(c.name())) {
                    return ref;
                }
            } finally {
                context.ungetService(ref);
            }
        }
        return null;
    }

    private HealthResult helloCheck() throws Exception {
        ServiceReference<HealthCheck> ref = helloRef();
        if (ref == null) {
            return null;
        }
        HealthCheck c = context.getService(ref);
        try {
            return c == null ? null : c.check();
        } finally {
            context.ungetService(ref);
        }
    }

    private String greeting() throws Exception {
        HealthResult r = helloCheck();
        return r == null ? null : (String) r.details().get("greeting");
    }

    private int modifications() throws Exception {
        Map<String, Object> d = helloCheck().details();
        return ((Number) d.get("modifications")).intValue();
    }
}
