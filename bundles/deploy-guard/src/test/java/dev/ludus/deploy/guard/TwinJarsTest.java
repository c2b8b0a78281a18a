package dev.ludus.deploy.guard;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** Which jars the guard claims, on a real Felix framework with manifest-only bundles. */
public class TwinJarsTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Framework framework;
    private TwinJars guard;
    private Path system;
    private Path deploy;

    @Before
    public void startFramework() throws Exception {
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(Map.of(
                "org.osgi.framework.storage", tmp.newFolder("cache").toString(),
                "org.osgi.framework.storage.clean", "onFirstInit"));
        framework.init();
        framework.start();
        guard = new TwinJars(framework.getBundleContext());
        system = tmp.newFolder("system").toPath();
        deploy = tmp.newFolder("deploy").toPath();
    }

    @After
    public void stopFramework() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    @Test
    public void aJarWithTheNameAndVersionOfABundleInstalledFromElsewhereIsClaimed() throws Exception {
        Bundle core = install(bundleJar(system.resolve("rooms.jar"), "test.rooms", "1.2.0"));
        File copy = bundleJar(deploy.resolve("rooms-copy.jar"), "test.rooms", "1.2.0");
        assertEquals(core, guard.twinOf(copy).installed());
        assertTrue(guard.canHandle(copy));

        // Claimed jars change nothing: the installed bundle keeps its revision and state.
        long modified = core.getLastModified();
        guard.install(copy);
        guard.update(copy);
        guard.uninstall(copy);
        assertEquals(modified, core.getLastModified());
        assertEquals(Bundle.INSTALLED, core.getState());
        assertEquals(core, framework.getBundleContext().getBundle(core.getBundleId()));
    }

    @Test
    public void theJarABundleWasInstalledFromIsNotClaimedSoFileInstallKeepsUpdatingItsOwnBundles() throws Exception {
        File own = bundleJar(deploy.resolve("hello.jar"), "test.hello", "1.0.0");
        install(own);
        assertNull(guard.twinOf(own));
        assertFalse(guard.canHandle(own));
    }

    @Test
    public void anotherVersionOfALibraryOrAnotherNameIsNotClaimed() throws Exception {
        install(bundleJar(system.resolve("lib.jar"), "test.lib", "1.2.0"));
        assertFalse("a library may run in two versions", guard.canHandle(bundleJar(deploy.resolve("newer.jar"), "test.lib", "1.2.1")));
        assertFalse(guard.canHandle(bundleJar(deploy.resolve("other.jar"), "test.other", "1.2.0")));
    }

    @Test
    public void anotherVersionOfALudusBundleOrOfASingletonIsClaimedForOneVersionRunsAtATime() throws Exception {
        Bundle rooms = install(bundleJar(system.resolve("rooms.jar"), "dev.ludus.rooms", "0.1.0.SNAPSHOT"));
        TwinJars.Twin newer = guard.twinOf(bundleJar(deploy.resolve("rooms-0.1.1.jar"), "dev.ludus.rooms", "0.1.1"));
        assertEquals(rooms, newer.installed());
        assertEquals("0.1.1", newer.version().toString());
        Bundle single = install(bundleJar(system.resolve("single.jar"), "test.single; singleton:=true", "1.0.0"));
        assertEquals(single, guard.twinOf(bundleJar(deploy.resolve("single-2.jar"), "test.single;singleton:=\"true\"", "2.0.0")).installed());
        assertTrue(TwinJars.oneVersionRuns("dev.ludus.example.hello"));
        assertFalse(TwinJars.oneVersionRuns("test.lib;singleton:=false"));
        assertFalse(TwinJars.oneVersionRuns("dev.ludusx.other"));
    }

    @Test
    public void aBundleWhoseJarIsGoneIsNoTwinSoAJarReplacedUnderANewNameInOnePollInstalls() throws Exception {
        File old = bundleJar(deploy.resolve("hello-1.0.jar"), "dev.ludus.example.hello", "1.0.0");
        install(old);
        File next = bundleJar(deploy.resolve("hello-1.1.jar"), "dev.ludus.example.hello", "1.1.0");
        assertTrue("while the old jar is there, only one version runs", guard.canHandle(next));
        Files.delete(old.toPath());
        assertFalse("once it is gone FileInstall uninstalls its bundle and installs this one", guard.canHandle(next));
    }

    @Test
    public void versionsCompareAsVersionsAndDirectivesAfterTheNameAreIgnored() throws Exception {
        Bundle core = install(bundleJar(system.resolve("rooms.jar"), "test.rooms", "1.2"));
        assertEquals(core, guard.twinOf(bundleJar(deploy.resolve("a.jar"), "test.rooms;singleton:=true", "1.2.0")).installed());
        Bundle unversioned = install(bundleJar(system.resolve("plain.jar"), "test.plain", null));
        assertEquals(unversioned, guard.twinOf(bundleJar(deploy.resolve("b.jar"), "test.plain", "0.0.0")).installed());
    }

    @Test
    public void whatIsNoReadableBundleJarIsLeftToFileInstall() throws Exception {
        install(bundleJar(system.resolve("rooms.jar"), "test.rooms", "1.2.0"));
        Path empty = Files.createFile(deploy.resolve("empty.jar"));
        assertFalse("an empty (half-written) file", guard.canHandle(empty.toFile()));
        assertFalse("a plain jar", guard.canHandle(bundleJar(deploy.resolve("plain.jar"), null, "1.2.0")));
        assertFalse("a bad version", guard.canHandle(bundleJar(deploy.resolve("bad.jar"), "test.rooms", "1.x")));
        File cfg = Files.writeString(deploy.resolve("test.rooms.cfg"), "a = 1\n").toFile();
        assertFalse("not a jar", guard.canHandle(cfg));
        assertFalse("a folder", guard.canHandle(deploy.toFile()));
        File renamed = bundleJar(deploy.resolve("twin.zip"), "test.rooms", "1.2.0");
        assertFalse("FileInstall's filter takes .jar only; nothing else is claimed", guard.canHandle(renamed));
    }

    @Test
    public void locationsThatAreNoFilesAreElsewhere() {
        assertNull(TwinJars.fileOf("mvn:dev.ludus/ludus-rooms/1.0"));
        assertNull(TwinJars.fileOf(null));
        assertEquals(Path.of("/a/b.jar"), TwinJars.fileOf("file:/a/./b.jar"));
        assertEquals(Path.of("/a/b.jar"), TwinJars.fileOf("file:///a/b.jar"));
    }

    private Bundle install(File jar) throws Exception {
        return framework.getBundleContext().installBundle(jar.toPath().toUri().toString());
    }

    private static File bundleJar(Path path, String name, String version) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (name != null) {
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", name);
        }
        if (version != null) {
            a.putValue("Bundle-Version", version);
        }
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, mf)) {
            jar.flush();
        }
        return path.toFile();
    }
}
