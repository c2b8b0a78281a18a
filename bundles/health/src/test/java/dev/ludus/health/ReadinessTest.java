package dev.ludus.health;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/** Readiness against a real Felix framework that climbs its start levels as the launcher's does. */
public class ReadinessTest {

    private Path storage;
    private Framework framework;

    @Before
    public void startFramework() throws Exception {
        storage = Files.createTempDirectory("readiness");
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "20");
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        framework.init();
    }

    @After
    public void stopFramework() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(10_000);
        }
        try (Stream<Path> s = Files.walk(storage)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Bundle install(String name, int startLevel) throws IOException, Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, name);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, mf)) {
            out.flush();
        }
        Bundle b;
        try (InputStream in = new java.io.ByteArrayInputStream(bytes.toByteArray())) {
            b = framework.getBundleContext().installBundle("test:" + name, in);
        }
        b.adapt(BundleStartLevel.class).setStartLevel(startLevel);
        b.start();
        return b;
    }

    private static HealthCheck check(String name, HealthResult result, boolean ready) {
        return new HealthCheck() {
            @Override public String name() { return name; }
            @Override public HealthResult check() { return result; }
            @Override public boolean ready() { return ready; }
        };
    }

    private Readiness readiness(List<HealthCheck> checks, List<String> required) {
        return Readiness.of(framework.getBundleContext(), checks, required);
    }

    @Test
    public void notReadyUntilTheTargetStartLevelIsReachedAndEveryBundleIsActive() throws Exception {
        install("early", 5);
        install("late", 20);
        Readiness starting = readiness(List.of(), List.of());
        assertFalse(starting.ready());
        assertEquals(503, starting.httpStatus());
        assertTrue(starting.reasons().toString(), starting.reasons().contains("the framework is starting"));

        // Part way: the framework climbs its start levels; the bundle at level 20 is not active yet.
        List<Readiness> climbing = new ArrayList<>();
        framework.getBundleContext().addBundleListener((SynchronousBundleListener) e -> {
            if (e.getType() == BundleEvent.STARTED && e.getBundle().getSymbolicName().equals("early")) {
                climbing.add(readiness(List.of(), List.of()));
            }
        });
        framework.start(); // returns once level 20 is reached, as in the launcher
        assertEquals(1, climbing.size());
        Readiness partWay = climbing.get(0);
        assertFalse(partWay.ready());
        assertTrue(partWay.reasons().toString(), partWay.reasons().contains("start level 5 of 20"));
        assertTrue(partWay.reasons().toString(), partWay.reasons().contains("1 bundle(s) not active"));
        assertTrue(partWay.notActive().toString(), partWay.notActive().get(0).startsWith("late ("));
        assertEquals("{\"status\":\"NOT_READY\"}", partWay.toJson(false));
        assertTrue(partWay.toJson(true), partWay.toJson(true).contains("\"notActive\":[\"late ("));

        Readiness ready = readiness(List.of(), List.of());
        assertTrue(ready.reasons().toString(), ready.ready());
        assertEquals(200, ready.httpStatus());
        assertEquals("{\"status\":\"READY\"}", ready.toJson(true));
    }

    @Test
    public void aBundleThatShouldRunButDoesNotHoldsReadinessAndOneStoppedOnPurposeDoesNot() throws Exception {
        Bundle stopped = install("stopped-by-operator", 5);
        framework.start();
        assertTrue(readiness(List.of(), List.of()).reasons().toString(), readiness(List.of(), List.of()).ready());
        stopped.stop(); // clears its persistent start flag, as the console's stop does
        assertTrue(readiness(List.of(), List.of()).ready());

        // Started, but it cannot resolve: marked to run, never ACTIVE.
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        mf.getMainAttributes().putValue(Constants.BUNDLE_SYMBOLICNAME, "broken");
        mf.getMainAttributes().putValue(Constants.IMPORT_PACKAGE, "no.such.pkg");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new JarOutputStream(bytes, mf).close();
        Bundle broken = framework.getBundleContext().installBundle("test:broken", new java.io.ByteArrayInputStream(bytes.toByteArray()));
        try {
            broken.start();
        } catch (org.osgi.framework.BundleException expected) {
            // the start flag is kept: FileInstall does the same with a broken drop-in
        }
        Readiness r = readiness(List.of(), List.of());
        assertFalse(r.ready());
        assertEquals(List.of("broken (INSTALLED)"), r.notActive());
    }

    @Test
    public void checksHoldReadinessWhenNotReadyAndRequiredChecksMustBePresentAndNotDown() throws Exception {
        framework.start();
        HealthCheck gateway = check("gateway", HealthResult.degraded("busy", Map.of()), true);
        HealthCheck recovering = check("rooms", HealthResult.up(), false);
        HealthCheck recovered = check("rooms", HealthResult.up(), true);
        HealthCheck optionalDown = check("archive-jdbc", HealthResult.down("no database", Map.of()), true);

        assertEquals(List.of("rooms is not running"), readiness(List.of(gateway), List.of("gateway", "rooms")).reasons());
        assertEquals(List.of("rooms is not ready"),
                readiness(List.of(gateway, recovering), List.of("gateway", "rooms")).reasons());
        assertTrue("DEGRADED and an optional DOWN check do not hold readiness",
                readiness(List.of(gateway, recovered, optionalDown), List.of("gateway", "rooms")).ready());
        assertEquals(List.of("gateway is DOWN"), readiness(List.of(check("gateway", HealthResult.down("x", Map.of()), true),
                recovered), List.of("gateway", "rooms")).reasons());
        HealthCheck throwing = new HealthCheck() {
            @Override public String name() { return "odd"; }
            @Override public HealthResult check() { return HealthResult.up(); }
            @Override public boolean ready() { throw new IllegalStateException("kaput"); }
        };
        assertEquals(List.of("odd is not ready"), readiness(List.of(throwing), List.of()).reasons());
        assertEquals("a check that is not ready and not UP says why", List.of("eventstore is not ready (DOWN: appends refused: segment gone)"),
                readiness(List.of(check("eventstore", HealthResult.down("appends refused: segment gone", Map.of()), false)), List.of()).reasons());
    }

    @Test
    public void notReadyWhileStopping() throws Exception {
        install("app", 5);
        framework.start();
        List<Readiness> seen = new ArrayList<>();
        framework.getBundleContext().addBundleListener((SynchronousBundleListener) e -> {
            if (e.getType() == BundleEvent.STOPPING && e.getBundle().getSymbolicName().equals("app")) {
                seen.add(readiness(List.of(), List.of()));
            }
        });
        framework.stop();
        framework.waitForStop(10_000);
        framework = null;
        assertEquals(1, seen.size());
        assertFalse(seen.get(0).ready());
        assertTrue(seen.get(0).reasons().toString(), seen.get(0).reasons().contains("the framework is stopping"));
    }
}
