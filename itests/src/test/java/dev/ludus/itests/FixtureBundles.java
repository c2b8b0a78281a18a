package dev.ludus.itests;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Bundles made in a test from classes of the test itself (a consumer, a caching bundle), to install and update. */
final class FixtureBundles {

    private FixtureBundles() {
    }

    /**
     * A bundle {@code bsn} at {@code version} holding {@code classes} (their class files as the test
     * has them), started by {@code activator} (the first class), importing {@code imports}.
     */
    static byte[] jar(String bsn, String version, String imports, List<Class<?>> classes) throws Exception {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        a.putValue("Bundle-Activator", classes.get(0).getName());
        a.putValue("Import-Package", imports);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, m)) {
            for (Class<?> c : classes) {
                String entry = c.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(entry));
                try (InputStream in = c.getClassLoader().getResourceAsStream(entry)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
