package dev.ludus.health;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import dev.ludus.api.health.HealthResult;

/** The framework check against a real Felix framework, with a watched folder holding what an operator might drop. */
public class FrameworkHealthCheckTest {

    private Path storage;
    private Path deploy;
    private Framework framework;

    @Before
    public void startFramework() throws Exception {
        storage = Files.createTempDirectory("framework-check");
        deploy = Files.createDirectory(storage.resolve("deploy"));
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.resolve("cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(FrameworkHealthCheck.WATCHED, deploy + "," + storage.resolve("conf-that-is-not-there"));
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        framework.start();
    }

    @After
    public void stopFramework() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
        try (Stream<Path> s = Files.walk(storage)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A jar of just a manifest with these main attributes (none: a jar with a bare manifest). */
    private static byte[] jar(Map<String, String> headers) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach(a::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, mf)) {
            out.flush();
        }
        return bytes.toByteArray();
    }

    private static Map<String, String> bundle(String name, String... more) {
        Map<String, String> h = new HashMap<>(Map.of(Constants.BUNDLE_MANIFESTVERSION, "2",
                Constants.BUNDLE_SYMBOLICNAME, name, Constants.BUNDLE_VERSION, "1.0.0"));
        for (int i = 0; i < more.length; i += 2) {
            h.put(more[i], more[i + 1]);
        }
        return h;
    }

    private Bundle install(String location, byte[] jar) throws Exception {
        try (InputStream in = new java.io.ByteArrayInputStream(jar)) {
            return framework.getBundleContext().installBundle(location, in);
        }
    }

    /** Writes a file into the watched folder, changed a minute ago (FileInstall has had its time). */
    private Path drop(String name, byte[] content) throws IOException {
        Path p = Files.write(deploy.resolve(name), content);
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        return p;
    }

    @Test
    public void aBundleThatCannotResolveIsNamedWithWhatItLacksAndJarsNotInstalledWithWhy() throws Exception {
        install("test:present", jar(bundle("test.present"))).start();
        Bundle unresolved = install("test:unresolved", jar(bundle("test.unresolved", Constants.IMPORT_PACKAGE,
                "com.nowhere.missing;version=\"[1,2)\",com.also.absent;resolution:=optional,org.osgi.framework")));
        // A bundle installed from the folder (as FileInstall does, by its file: location) is in order.
        Path good = drop("good.jar", jar(bundle("test.good")));
        framework.getBundleContext().installBundle(good.toUri().toString()).start();
        byte[] noise = new byte[3000];
        new Random(7).nextBytes(noise);
        drop("garbage.jar", noise);
        drop("plain.jar", jar(Map.of()));
        drop("twice.jar", jar(bundle("test.present")));
        install("test:ludus", jar(bundle("dev.ludus.test"))).start();
        drop("ludus-next.jar", jar(bundle("dev.ludus.test", Constants.BUNDLE_VERSION, "1.1.0")));
        drop("notes.txt", noise); // not a jar: not FileInstall's
        Files.write(deploy.resolve("copying.jar"), noise); // changed just now: FileInstall may not have seen it yet

        HealthResult r = new FrameworkHealthCheck(framework.getBundleContext()).check();
        assertEquals(r.toString(), "DEGRADED", r.status().name());
        Map<String, Object> d = r.details();
        assertEquals("test.unresolved (INSTALLED)", d.get("notActive"));
        String lacks = String.valueOf(d.get("unresolved"));
        assertTrue(lacks, lacks.startsWith("test.unresolved: missing package (&(osgi.wiring.package=com.nowhere.missing)"));
        assertFalse("an optional import is not a lack: " + lacks, lacks.contains("com.also.absent"));
        assertFalse("an import the framework offers is not a lack: " + lacks, lacks.contains("org.osgi.framework"));
        String jars = String.valueOf(d.get("notInstalled"));
        assertTrue(jars, jars.contains("deploy/garbage.jar: not a readable jar (zip) file"));
        assertTrue(jars, jars.contains("deploy/plain.jar: no Bundle-SymbolicName in its manifest: a plain jar, not an OSGi bundle"));
        assertTrue(jars, jars.contains("deploy/twice.jar: bundle test.present 1.0.0 is already installed from test:present"));
        assertTrue(jars, jars.contains("deploy/ludus-next.jar: bundle dev.ludus.test 1.1.0 is another version of dev.ludus.test 1.0.0,"
                + " installed from test:ludus"));
        assertFalse(jars, jars.contains("good.jar") || jars.contains("notes.txt") || jars.contains("copying.jar"));
        assertTrue(r.toString(), String.valueOf(r.reason()).contains("4 jar(s) in a watched folder not installed"));

        // Put right: the bad files taken away, the unresolvable bundle removed.
        for (String f : new String[] {"garbage.jar", "plain.jar", "twice.jar", "ludus-next.jar", "copying.jar"}) {
            Files.delete(deploy.resolve(f));
        }
        unresolved.uninstall();
        HealthResult after = new FrameworkHealthCheck(framework.getBundleContext()).check();
        assertEquals(after.toString(), "UP", after.status().name());
        assertFalse(after.details().containsKey("notInstalled"));
    }
}
