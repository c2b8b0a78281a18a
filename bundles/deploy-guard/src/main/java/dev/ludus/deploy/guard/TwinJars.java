package dev.ludus.deploy.guard;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims, and then leaves alone, a jar in a watched folder whose bundle symbolic name and version
 * are those of a bundle installed from somewhere else: a core bundle from {@code system/}, or a
 * bundle installed from another jar of the folder.
 *
 * <p>Without it, FileInstall does not refuse such a jar: it takes the installed bundle for its own
 * and <em>updates</em> it with the jar's bytes ("Updating this bundle instead"), whatever that
 * jar holds, and when the jar is taken away it uninstalls that bundle. A copy of the rooms
 * runtime's jar dropped into {@code deploy/} restarted the rooms runtime (every player closed
 * with 1012), and removing the copy then uninstalled the rooms runtime until the next start.
 *
 * <p>Claimed jars install nothing, update nothing and uninstall nothing. The health bundle's
 * {@code framework} check names each one ({@code notInstalled}: "a name and version install
 * once"). A claimed jar stays claimed while its file is unchanged, even if the installed bundle
 * goes later; taken away and dropped in again, it is looked at anew.
 */
final class TwinJars implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(TwinJars.class);

    private final BundleContext context;
    /** The jars claimed, each with what it twins, so each is logged once while it stands. */
    private final Map<Path, String> claimed = new ConcurrentHashMap<>();

    TwinJars(BundleContext context) {
        this.context = context;
    }

    @Override
    public boolean canHandle(File artifact) {
        return installedElsewhere(artifact) != null;
    }

    @Override
    public void install(File artifact) {
        leftAlone(artifact);
    }

    @Override
    public void update(File artifact) {
        leftAlone(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        claimed.remove(key(artifact));
    }

    private void leftAlone(File artifact) {
        Bundle holder = installedElsewhere(artifact);
        if (holder == null) {
            return;
        }
        String what = holder.getSymbolicName() + " " + holder.getVersion() + " (bundle " + holder.getBundleId()
                + ", from " + holder.getLocation() + ")";
        if (!what.equals(claimed.put(key(artifact), what))) {
            LOG.info("{} left alone: bundle {} is installed already, and a name and version install once;"
                    + " the installed bundle is not replaced by this jar, nor uninstalled when it goes."
                    + " To replace it, update it from the Web Console", artifact, what);
        }
    }

    /**
     * The installed bundle with this jar's symbolic name and version that was not installed from
     * this file; null when there is none, or when the file is no readable bundle jar (FileInstall
     * and the health check say what is wrong with it).
     */
    Bundle installedElsewhere(File artifact) {
        if (!artifact.isFile() || !artifact.getName().toLowerCase(Locale.ROOT).endsWith(".jar")) {
            return null;
        }
        String name;
        Version version;
        try (JarFile jar = new JarFile(artifact)) {
            Manifest manifest = jar.getManifest();
            name = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (name == null) {
                return null;
            }
            name = name.split(";", 2)[0].trim();
            String v = manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
            version = v == null ? Version.emptyVersion : Version.parseVersion(v.trim());
        } catch (IOException | SecurityException | IllegalArgumentException e) {
            return null;
        }
        Path self = key(artifact);
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName()) && version.equals(b.getVersion()) && !self.equals(fileOf(b.getLocation()))) {
                return b;
            }
        }
        return null;
    }

    private static Path key(File artifact) {
        return artifact.toPath().toAbsolutePath().normalize();
    }

    /** The file a bundle was installed from, for a {@code file:} location; null for any other. */
    static Path fileOf(String location) {
        if (location == null || !location.startsWith("file:")) {
            return null;
        }
        try {
            return Path.of(URI.create(location)).toAbsolutePath().normalize();
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }
}
