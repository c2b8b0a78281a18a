package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import dev.ludus.runtime.FeaturePlan;

/**
 * Boots the distribution's default feature set (the same features, bundles and start levels the
 * launcher uses) in a real Felix and checks what an operator and an integrator rely on.
 */
// FeaturePlan is used only in config(), which runs outside the framework; the test methods run
// inside it, where the launcher's classes are not available.
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
        Path dist = Path.of(System.getProperty("ludus.dist"));
        Path work = Path.of(System.getProperty("ludus.itest.work")).resolve("exam-" + UUID.randomUUID());
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        Path conf = Files.createDirectories(work.resolve("conf"));
        String password = UUID.randomUUID().toString();
        List<Option> options = new ArrayList<>();
        for (FeaturePlan.PlannedBundle b : FeaturePlan.of(dist, FeaturePlan.DEFAULT_FEATURES)) {
            options.add(bundle(b.jar().toUri().toString()).startLevel(b.startLevel()).start(b.start()));
        }
        options.add(junitBundles());
        options.add(frameworkStartLevel(100));
        options.add(systemTimeout(60_000));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(workingDirectory(work.resolve("paxexam").toString()));
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(Ports.free())));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("org.apache.felix.jetty.websocket.enable").value("true"));
        options.add(frameworkProperty("felix.fileinstall.dir").value(deploy + "," + conf));
        options.add(frameworkProperty("felix.fileinstall.filter").value(".*\\.(jar|cfg|config)"));
        options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(frameworkProperty("felix.cm.dir").value(work.resolve("config").toString()));
        options.add(frameworkProperty("felix.webconsole.username").value("admin"));
        options.add(frameworkProperty("felix.webconsole.password").value(sha256(password)));
        options.add(frameworkProperty("ludus.itest.password").value(password));
        options.add(frameworkProperty("ludus.itest.deploy").value(deploy.toString()));
        options.add(frameworkProperty("ludus.itest.conf").value(conf.toString()));
        options.add(frameworkProperty("ludus.itest.example").value(System.getProperty("ludus.example.jar")));
        return options.toArray(new Option[0]);
    }

    private static String sha256(String password) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        return "{sha-256}" + Base64.getEncoder().encodeToString(d);
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
