package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** The weaver's narrowed view, on a real Felix framework with manifest-only bundles. */
public class WeavingScopeTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Framework framework;

    @Before
    public void startFramework() throws Exception {
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(Map.of(
                "org.osgi.framework.storage", tmp.newFolder("cache").toString(),
                "org.osgi.framework.storage.clean", "onFirstInit"));
        framework.init();
        framework.start();
    }

    @After
    public void stopFramework() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    @Test
    public void theSkipListIsCommaSeparatedNamesWithBlanksDropped() {
        assertEquals(Set.of("a.b", "c"), WeavingScope.parse(" a.b , ,c,"));
        assertEquals(Set.of(), WeavingScope.parse(null));
        assertEquals(Set.of(), WeavingScope.parse("  "));
        assertTrue("nothing to skip registers no hook",
                WeavingScope.register(framework.getBundleContext(), " , ").isEmpty());
    }

    @Test
    public void theWeaverDoesNotSeeASkippedBundleNorItsEventsAndOthersSeeEverything() throws Exception {
        assertEquals(2, WeavingScope.register(framework.getBundleContext(), "skipped.bundle, other.skipped").size());
        BundleContext weaver = started(WeavingScope.WEAVER);
        BundleContext bystander = started("bystander");
        List<String> weaverEvents = new CopyOnWriteArrayList<>();
        List<String> bystanderEvents = new CopyOnWriteArrayList<>();
        // Synchronous, as a bundle tracker's (SPI Fly tracks consumers with one)
        weaver.addBundleListener((SynchronousBundleListener) e -> weaverEvents.add(e.getBundle().getSymbolicName() + " " + e.getType()));
        bystander.addBundleListener((SynchronousBundleListener) e -> bystanderEvents.add(e.getBundle().getSymbolicName() + " " + e.getType()));

        Bundle skipped = install("skipped.bundle");
        Bundle seen = install("seen.bundle");
        skipped.start();
        seen.start();

        assertFalse(names(weaver.getBundles()).contains("skipped.bundle"));
        assertTrue(names(weaver.getBundles()).contains("seen.bundle"));
        assertNull("not by id either", weaver.getBundle(skipped.getBundleId()));
        assertNotNull(weaver.getBundle(seen.getBundleId()));
        assertTrue(names(bystander.getBundles()).containsAll(List.of("skipped.bundle", "seen.bundle")));
        assertNotNull(bystander.getBundle(skipped.getBundleId()));

        assertTrue(weaverEvents.toString(), weaverEvents.contains("seen.bundle " + BundleEvent.STARTED));
        assertTrue(weaverEvents.toString(), weaverEvents.stream().noneMatch(e -> e.startsWith("skipped.bundle")));
        assertTrue(bystanderEvents.toString(), bystanderEvents.contains("skipped.bundle " + BundleEvent.STARTED));
        assertEquals("the bundle itself runs as any other", Bundle.ACTIVE, skipped.getState());
    }

    @Test
    public void aLegacyBundleWithoutASymbolicNameIsSeenAndBreaksNothing() throws Exception {
        WeavingScope.register(framework.getBundleContext(), "skipped.bundle");
        BundleContext weaver = started(WeavingScope.WEAVER);
        List<String> events = new CopyOnWriteArrayList<>();
        weaver.addBundleListener((SynchronousBundleListener) e -> events.add(e.getBundle().getLocation()));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0"); // no Bundle-ManifestVersion: legacy
        Path jar = tmp.getRoot().toPath().resolve("legacy.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        List<String> errors = new CopyOnWriteArrayList<>();
        framework.getBundleContext().addFrameworkListener(e -> {
            if (e.getType() == org.osgi.framework.FrameworkEvent.ERROR) {
                errors.add(String.valueOf(e.getThrowable()));
            }
        });
        Bundle legacy = framework.getBundleContext().installBundle(jar.toUri().toString());
        assertNull(legacy.getSymbolicName());
        legacy.start();
        install("skipped.bundle"); // after the legacy one: a hook that failed on it would not get this far

        assertNotNull(weaver.getBundle(legacy.getBundleId()));
        assertTrue(events.toString(), events.contains(jar.toUri().toString()));
        assertFalse("still hidden beside a legacy bundle", names(weaver.getBundles()).contains("skipped.bundle"));
        Thread.sleep(200); // framework events are delivered on their own thread
        assertTrue("no hook failed: " + errors, errors.isEmpty());
        assertNull(WeavingScope.unknown("", List.of(legacy)));
    }

    @Test
    public void aNameNoInstalledBundleHasIsWarnedAbout() throws Exception {
        List<Bundle> installed = List.of(install("present.bundle"), install("other.bundle"));
        assertNull(WeavingScope.unknown("present.bundle, other.bundle", installed));
        assertNull(WeavingScope.unknown("", installed));
        assertEquals("ludus.weaving.skip names absent.one, typo.bundle, which no installed bundle is; check the "
                + "spelling (bundle symbolic names, comma-separated)",
                WeavingScope.unknown("typo.bundle, present.bundle,absent.one", installed));
    }

    @Test
    public void withoutTheHooksTheWeaverSeesEveryBundle() throws Exception {
        BundleContext weaver = started(WeavingScope.WEAVER);
        install("skipped.bundle");
        assertTrue(names(weaver.getBundles()).contains("skipped.bundle"));
    }

    private BundleContext started(String name) throws Exception {
        Bundle b = install(name);
        b.start();
        return b.getBundleContext();
    }

    private Bundle install(String symbolicName) throws IOException, org.osgi.framework.BundleException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        Path jar = tmp.getRoot().toPath().resolve(symbolicName + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return framework.getBundleContext().installBundle(jar.toUri().toString());
    }

    private static List<String> names(Bundle[] bundles) {
        List<String> names = new ArrayList<>();
        Arrays.stream(bundles).forEach(b -> names.add(b.getSymbolicName()));
        return names;
    }
}
