package dev.ludus.deploy.guard;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
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
 * bundle installed from another jar of the folder. For a bundle of which only one version may run
 * ({@link #oneVersionRuns}), another version of it is left alone too: FileInstall would install it
 * beside the running one (two rooms runtimes recovering the same games).
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

    /** The symbolic names of Ludus's own bundles begin with this. */
    static final String LUDUS_PREFIX = "dev.ludus.";

    private final BundleContext context;
    /** The jars claimed, each with what it twins, so each is logged once while it stands. */
    private final Map<Path, String> claimed = new ConcurrentHashMap<>();

    TwinJars(BundleContext context) {
        this.context = context;
    }

    /** A jar claimed: its own version, and the installed bundle it would have replaced or run beside. */
    record Twin(Version version, Bundle installed) {
    }

    @Override
    public boolean canHandle(File artifact) {
        return twinOf(artifact) != null;
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
        Twin twin = twinOf(artifact);
        if (twin == null) {
            return;
        }
        Bundle holder = twin.installed();
        String what = holder.getSymbolicName() + " " + holder.getVersion() + " (bundle " + holder.getBundleId()
                + ", from " + holder.getLocation() + ")";
        if (!what.equals(claimed.put(key(artifact), what))) {
            LOG.info("{} left alone: bundle {} is installed already, and {}; the installed bundle is not replaced"
                    + " by this jar, nor uninstalled when it goes. To replace it, update it from the Web Console",
                    artifact, what, twin.version().equals(holder.getVersion()) ? "a name and version install once"
                            : "one version of it runs at a time");
        }
    }

    /**
     * The installed bundle this jar twins: one with its symbolic name and version (or only its
     * name, where {@link #oneVersionRuns}), not installed from this file; null when there is none,
     * or when the file is no readable bundle jar (FileInstall and the health check say what is
     * wrong with it).
     */
    Twin twinOf(File artifact) {
        if (!artifact.isFile() || !artifact.getName().toLowerCase(Locale.ROOT).endsWith(".jar")) {
            return null;
        }
        String name;
        Version version;
        boolean oneVersionRuns;
        try (JarFile jar = new JarFile(artifact)) {
            Manifest manifest = jar.getManifest();
            String header = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (header == null) {
                return null;
            }
            name = header.split(";", 2)[0].trim();
            oneVersionRuns = oneVersionRuns(header);
            String v = manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
            version = v == null ? Version.emptyVersion : Version.parseVersion(v.trim());
        } catch (IOException | SecurityException | IllegalArgumentException e) {
            return null;
        }
        Path self = key(artifact);
        for (Bundle b : context.getBundles()) {
            if (!name.equals(b.getSymbolicName()) || !version.equals(b.getVersion()) && !oneVersionRuns) {
                continue;
            }
            Path from = fileOf(b.getLocation());
            // Not the bundle installed from this very jar, nor one whose jar is gone (FileInstall is
            // about to uninstall it: a jar replaced by another under a new name in one poll).
            if (!self.equals(from) && (from == null || Files.exists(from))) {
                return new Twin(version, b);
            }
        }
        return null;
    }

    /**
     * Whether only one version of the bundle named in this {@code Bundle-SymbolicName} header may
     * run: Ludus's own bundles (two rooms runtimes, gateways or event stores would serve the same
     * games and streams side by side), and any bundle that says {@code singleton:=true}. Other
     * bundles, libraries above all, may run in several versions, as OSGi allows.
     */
    static boolean oneVersionRuns(String symbolicNameHeader) {
        String[] parts = symbolicNameHeader.split(";");
        if (parts[0].trim().startsWith(LUDUS_PREFIX)) {
            return true;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].replace(" ", "").toLowerCase(Locale.ROOT);
            if (p.equals("singleton:=true") || p.equals("singleton:=\"true\"")) {
                return true;
            }
        }
        return false;
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
