package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWiring;

public class LaunchConfigTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void defaultsNeedNoConfiguration() throws Exception {
        Path home = tmp.getRoot().toPath();
        LaunchConfig c = LaunchConfig.load(home, Map.of(), new Properties());
        assertEquals(8080, c.httpPort());
        assertEquals("127.0.0.1", c.httpHost());
        assertEquals(home.resolve("data"), c.data());
        assertEquals(FeaturePlan.DEFAULT_FEATURES, c.featureNames());
        Map<String, String> fw = c.frameworkProperties(List.of());
        assertEquals(home.resolve("data/cache").toString(), fw.get("org.osgi.framework.storage"));
        assertEquals(home.resolve("deploy") + "," + home.resolve("conf"), fw.get("felix.fileinstall.dir"));
        assertEquals("FileInstall never writes into conf/", "false", fw.get("felix.fileinstall.enableConfigSave"));
        assertNull(c.confWriteBackWarning());
        assertEquals("true", fw.get("org.apache.felix.jetty.websocket.enable"));
        assertEquals("a burst of connections is queued, not dropped", "1024", fw.get("org.apache.felix.http.jetty.acceptQueueSize"));
        assertEquals("the service-loader weaver leaves Felix's Jetty, SLF4J and Logback alone",
                java.util.Set.of("org.apache.felix.http.jetty12", "slf4j.api", "ch.qos.logback.classic"),
                WeavingScope.parse(fw.get(WeavingScope.SKIP)));
        assertEquals("Jetty's threads follow the processors",
                Integer.toString(LaunchConfig.httpThreads(Runtime.getRuntime().availableProcessors())),
                fw.get(LaunchConfig.HTTP_THREADS));
    }

    @Test
    public void misspeltSettingsAreNamedWithTheNearestKnownOneAndOthersPass() throws Exception {
        Path home = tmp.getRoot().toPath();
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/ludus.properties"), String.join("\n",
                "ludus.featurs = framework, http",        // a Ludus setting, misspelt
                "org.osgi.service.http.prot = 9000",      // the HTTP port, misspelt
                "ludus.no.such.thing = 1",                // a ludus.* name nothing reads
                "org.apache.felix.http.jetty.gzip.enable = false", // another bundle's own property: passes
                "felix.fileinstall.poll = 500",           // known
                "org.osgi.service.http.port = 9001",      // known
                ""));
        Properties sys = new Properties();
        sys.setProperty("ludus.ready.timeout.second", "5");
        sys.setProperty("java.io.tmpdir", "/tmp"); // not Ludus's
        LaunchConfig c = LaunchConfig.load(home, Map.of(), sys);
        String line = c.misspeltSettings(java.util.Set.of("org.apache.felix.jetty.websocket.enable"));
        assertEquals("conf/ludus.properties or -D: ludus.featurs (did you mean ludus.features?), ludus.no.such.thing,"
                + " ludus.ready.timeout.second (did you mean ludus.ready.timeout.seconds?),"
                + " org.osgi.service.http.prot (did you mean org.osgi.service.http.port?) are not settings that Ludus reads,"
                + " ignored (config_unknown_setting)", line);
        assertEquals("the misspelt port is not taken", 9001, c.httpPort());

        Files.writeString(home.resolve("conf/ludus.properties"), "ludus.features = framework\nludus.cds = off\n");
        assertNull(LaunchConfig.load(home, Map.of(), new Properties()).misspeltSettings(java.util.Set.of()));
        Files.writeString(home.resolve("conf/ludus.properties"), "org.apache.felix.jetty.websocket.enabl = false\n");
        assertEquals("the features' properties are known too",
                "conf/ludus.properties or -D: org.apache.felix.jetty.websocket.enabl (did you mean org.apache.felix.jetty.websocket.enable?)"
                        + " is not a setting that Ludus reads, ignored (config_unknown_setting)",
                LaunchConfig.load(home, Map.of(), new Properties()).misspeltSettings(java.util.Set.of("org.apache.felix.jetty.websocket.enable")));
    }

    @Test
    public void theHttpThreadsFollowTheProcessorsWithinBounds() throws Exception {
        assertEquals(32, LaunchConfig.httpThreads(1));
        assertEquals(32, LaunchConfig.httpThreads(2));
        assertEquals(64, LaunchConfig.httpThreads(4));
        assertEquals(128, LaunchConfig.httpThreads(8));
        assertEquals("never above Jetty's own default", 200, LaunchConfig.httpThreads(64));
        Path home = tmp.getRoot().toPath();
        Properties sys = new Properties();
        sys.setProperty(LaunchConfig.HTTP_THREADS, "-1");
        assertEquals("-1 leaves it to Jetty", "-1",
                LaunchConfig.load(home, Map.of(), sys).frameworkProperties(List.of()).get(LaunchConfig.HTTP_THREADS));
        sys.setProperty(LaunchConfig.HTTP_THREADS, "500");
        assertEquals("500", LaunchConfig.load(home, Map.of(), sys).frameworkProperties(List.of()).get(LaunchConfig.HTTP_THREADS));
        for (String bad : List.of("8", "0", "-2", "many", "")) {
            sys.setProperty(LaunchConfig.HTTP_THREADS, bad);
            String message = assertThrows(IllegalArgumentException.class, () -> LaunchConfig.load(home, Map.of(), sys)).getMessage();
            assertTrue(message, message.contains(LaunchConfig.HTTP_THREADS) && message.contains("16")
                    && message.contains("'" + bad + "'"));
        }
    }

    @Test
    public void turningFileInstallWriteBackOnIsWarnedAbout() throws Exception {
        Path home = tmp.getRoot().toPath();
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/ludus.properties"), "felix.fileinstall.enableConfigSave = true\n");
        LaunchConfig c = LaunchConfig.load(home, Map.of(), new Properties());
        assertEquals("true", c.frameworkProperties(List.of()).get("felix.fileinstall.enableConfigSave"));
        String warning = c.confWriteBackWarning();
        assertNotNull(warning);
        assertTrue(warning, warning.startsWith("felix.fileinstall.enableConfigSave = true (conf_write_back): "));

        Properties sys = new Properties();
        sys.setProperty("felix.fileinstall.enableConfigSave", "false");
        assertNull("-D wins over the file", LaunchConfig.load(home, Map.of(), sys).confWriteBackWarning());
    }

    @Test
    public void layersApplyInOrderFeaturesFileEnvironmentSystemProperties() throws Exception {
        Path home = tmp.getRoot().toPath();
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/ludus.properties"),
                "org.osgi.service.http.port = 9000\nfrom.file = ${ludus.data}/x\nshared = file\n");
        Feature f = Feature.parse("{ \"id\": \"g:f:1\", \"framework-properties\": { \"shared\": \"feature\", \"only.feature\": \"yes\" } }",
                Path.of("f.json"));
        Properties sys = new Properties();
        sys.setProperty("ludus.features", "framework");
        sys.setProperty("java.version", "ignored: not a Ludus or OSGi property");
        LaunchConfig c = LaunchConfig.load(home, Map.of("LUDUS_HTTP_PORT", "9100", "LUDUS_DATA", "/srv/ludus"), sys);
        assertEquals(9100, c.httpPort());
        assertEquals(List.of("framework"), c.featureNames());
        Map<String, String> fw = c.frameworkProperties(List.of(f));
        assertEquals("9100", fw.get("org.osgi.service.http.port"));
        assertEquals("/srv/ludus/x", fw.get("from.file"));
        assertEquals("file", fw.get("shared"));
        assertEquals("yes", fw.get("only.feature"));
        assertEquals(null, fw.get("java.version"));
    }

    @Test
    public void badValuesAreRejectedNamingTheSetting() {
        Path home = tmp.getRoot().toPath();
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.load(home, Map.of("LUDUS_HTTP_PORT", "70000"), new Properties()))
                .getMessage().contains("LUDUS_HTTP_PORT"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.load(home, Map.of("LUDUS_HTTP_HOST", "a b"), new Properties()))
                .getMessage().contains("LUDUS_HTTP_HOST"));
        Properties sys = new Properties();
        sys.setProperty("ludus.features", " , ");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchConfig.load(home, Map.of(), sys))
                .getMessage().contains("names no feature"));
    }

    @Test
    public void jacksonOnTheLauncherClassPathIsNotExportedToBundles() throws Exception {
        // The launcher reads feature files with Jackson from lib/; bundles must wire to the Jackson
        // bundles the features install (their version, their lifecycle), never to the class path.
        assertNotNull("Jackson is on this class path, as in lib/",
                getClass().getClassLoader().getResource("com/fasterxml/jackson/databind/ObjectMapper.class"));
        Path home = tmp.getRoot().toPath();
        Map<String, String> fw = new HashMap<>(LaunchConfig.load(home, Map.of(), new Properties())
                .frameworkProperties(List.of()));
        Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(fw);
        framework.init();
        try {
            List<String> exported = framework.adapt(BundleWiring.class).getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)
                    .stream().map(c -> (String) c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)).toList();
            assertTrue("the framework exports its own packages", exported.contains("org.osgi.framework"));
            assertTrue(exported.toString(), exported.stream().noneMatch(p -> p.startsWith("com.fasterxml")));
            String bootDelegation = framework.getBundleContext().getProperty("org.osgi.framework.bootdelegation");
            assertTrue(String.valueOf(bootDelegation), bootDelegation == null || !bootDelegation.contains("com.fasterxml"));
        } finally {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }
}
