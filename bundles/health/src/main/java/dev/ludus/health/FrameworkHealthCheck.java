package dev.ludus.health;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * Reports the OSGi framework: UP when every bundle is active (fragments resolved), DEGRADED
 * naming the bundles that are not, and for one that cannot resolve, what it lacks (a dropped-in
 * bundle importing a package nothing exports). Also DEGRADED for a jar in a watched folder
 * ({@code felix.fileinstall.dir}: {@code deploy/}) that was not installed, saying why: not a jar
 * at all (or still being written in place), a plain jar that is no bundle, or a bundle whose name
 * and version are taken. Without this an operator's broken drop-in was simply never heard of.
 */
@Component
public class FrameworkHealthCheck implements HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(FrameworkHealthCheck.class);

    /** The framework property naming the folders FileInstall watches, comma-separated. */
    static final String WATCHED = "felix.fileinstall.dir";
    /** How long a jar may sit in a watched folder before it counts as not installed: FileInstall polls each second. */
    static final long SETTLE_MILLIS = 5_000;
    /** At most this many missing requirements are named per bundle. */
    private static final int MAX_MISSING = 5;

    private final BundleContext context;
    /** What was last logged for each jar not installed (its reason and time), so each is logged once. */
    private final Map<Path, String> warned = new ConcurrentHashMap<>();
    /** The last look at the watched folders. */
    private volatile Found found;

    @Activate
    public FrameworkHealthCheck(BundleContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "framework";
    }

    @Override
    public HealthResult check() {
        Bundle[] bundles = context.getBundles();
        List<String> notActive = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        int active = 0;
        for (Bundle b : bundles) {
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            int state = b.getState();
            if (state == Bundle.ACTIVE || (fragment && state == Bundle.RESOLVED)) {
                active++;
            } else if (state != Bundle.UNINSTALLED) {
                notActive.add(b.getSymbolicName() + " (" + stateName(state) + ")");
                if (state == Bundle.INSTALLED) {
                    unresolved.add(b.getSymbolicName() + ": " + missing(b));
                }
            }
        }
        List<String> notInstalled = notInstalledLately(bundles);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bundles", bundles.length);
        details.put("active", active);
        if (notActive.isEmpty() && notInstalled.isEmpty()) {
            return HealthResult.up(details);
        }
        List<String> reasons = new ArrayList<>();
        if (!notActive.isEmpty()) {
            details.put("notActive", String.join(", ", notActive));
            reasons.add(notActive.size() + " bundle(s) not active");
        }
        if (!unresolved.isEmpty()) {
            details.put("unresolved", String.join("; ", unresolved));
        }
        if (!notInstalled.isEmpty()) {
            details.put("notInstalled", String.join("; ", notInstalled));
            reasons.add(notInstalled.size() + " jar(s) in a watched folder not installed");
        }
        return HealthResult.degraded(String.join(", ", reasons), details);
    }

    /**
     * What keeps an installed bundle from resolving: its mandatory requirements that no bundle of
     * the framework offers (a package nothing exports, a Java version this JVM is not). When every
     * requirement has a provider, one of the providers cannot resolve in turn.
     */
    String missing(Bundle b) {
        BundleRevision revision = b.adapt(BundleRevision.class);
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        if (revision == null || wiring == null) {
            return "cannot resolve";
        }
        List<String> lacks = new ArrayList<>();
        int more = 0;
        for (Requirement r : revision.getRequirements(null)) {
            Map<String, String> directives = r.getDirectives();
            String effective = directives.get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
            if (Namespace.RESOLUTION_OPTIONAL.equals(directives.get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))
                    || (effective != null && !Namespace.EFFECTIVE_RESOLVE.equals(effective))
                    || !wiring.findProviders(r).isEmpty()) {
                continue;
            }
            if (lacks.size() < MAX_MISSING) {
                lacks.add(describe(r));
            } else {
                more++;
            }
        }
        if (lacks.isEmpty()) {
            return "cannot resolve: what it needs is there but does not resolve in turn (the Web Console's bundle page says what)";
        }
        return "missing " + String.join(", ", lacks) + (more > 0 ? " and " + more + " more" : "");
    }

    /** A requirement in words: {@code package com.example.x (version>=1.0.0)}, or its namespace and filter. */
    static String describe(Requirement r) {
        String filter = r.getDirectives().getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "");
        String namespace = r.getNamespace();
        String what = switch (namespace) {
            case "osgi.wiring.package" -> "package";
            case "osgi.wiring.bundle" -> "bundle";
            case "osgi.wiring.host" -> "host";
            case "osgi.ee" -> "execution environment";
            default -> namespace;
        };
        return what + " " + filter;
    }

    /** {@link #notInstalled} as found within the last second: a health check may be asked many times a second. */
    private List<String> notInstalledLately(Bundle[] bundles) {
        Found last = found;
        long now = System.nanoTime();
        if (last != null && now - last.at() < 1_000_000_000L) {
            return last.jars();
        }
        List<String> jars = notInstalled(bundles);
        found = new Found(now, jars);
        return jars;
    }

    private record Found(long at, List<String> jars) {
    }

    /**
     * The jars in the watched folders that no bundle was installed from, each with why. A jar
     * changed in the last {@link #SETTLE_MILLIS} is left alone: FileInstall may not have seen it yet.
     */
    List<String> notInstalled(Bundle[] bundles) {
        String watched = context.getProperty(WATCHED);
        if (watched == null || watched.isBlank()) {
            return List.of();
        }
        Map<Path, Bundle> installedFrom = new HashMap<>();
        for (Bundle b : bundles) {
            Path p = fileOf(b.getLocation());
            if (p != null) {
                installedFrom.put(p, b);
            }
        }
        List<String> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (String dir : watched.split(",")) {
            Path folder = Path.of(dir.trim());
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(folder, "*.jar")) {
                for (Path jar : jars) {
                    Path key = jar.toAbsolutePath().normalize();
                    if (!Files.isRegularFile(jar) || installedFrom.containsKey(key)) {
                        continue;
                    }
                    long changed = Files.getLastModifiedTime(jar).toMillis();
                    if (now - changed < SETTLE_MILLIS) {
                        continue;
                    }
                    String name = folder.getFileName() + "/" + jar.getFileName();
                    String why = whyNot(jar, bundles);
                    out.add(name + ": " + why);
                    String seen = why + "@" + changed;
                    if (!seen.equals(warned.put(key, seen))) {
                        LOG.warn("{} is not installed: {}", name, why);
                    }
                }
            } catch (IOException e) {
                out.add(folder + ": cannot be read: " + e.getMessage());
            }
        }
        warned.keySet().removeIf(p -> !Files.exists(p));
        return out;
    }

    /** Why FileInstall did not install this jar. */
    static String whyNot(Path jar, Bundle[] bundles) {
        Manifest manifest;
        try (JarFile j = new JarFile(jar.toFile())) {
            manifest = j.getManifest();
        } catch (IOException | SecurityException e) {
            return "not a readable jar (zip) file: damaged, or still being written in place"
                    + " (copy it under another name, then rename it into the folder)";
        }
        String name = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (name == null) {
            return "no Bundle-SymbolicName in its manifest: a plain jar, not an OSGi bundle";
        }
        String header = name;
        name = name.split(";", 2)[0].trim();
        String version = manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
        version = version == null ? "0.0.0" : version.trim();
        for (Bundle b : bundles) {
            if (name.equals(b.getSymbolicName()) && version.equals(b.getVersion().toString())) {
                return "bundle " + name + " " + version + " is already installed from " + b.getLocation()
                        + " (bundle " + b.getBundleId() + "): a name and version install once; the installed bundle is"
                        + " left as it is (to replace it, update it from the Web Console)";
            }
        }
        // The deploy guard's rule (bundles/deploy-guard): of Ludus's bundles and of singletons, one version runs.
        if (name.startsWith("dev.ludus.") || header.replace(" ", "").toLowerCase(java.util.Locale.ROOT).matches(".*;singleton:=\"?true\"?.*")) {
            for (Bundle b : bundles) {
                if (name.equals(b.getSymbolicName())) {
                    return "bundle " + name + " " + version + " is another version of " + name + " " + b.getVersion()
                            + ", installed from " + b.getLocation() + " (bundle " + b.getBundleId() + "), and one version"
                            + " of it runs at a time; the installed bundle is left as it is (to upgrade it, update it from"
                            + " the Web Console)";
                }
            }
        }
        return "bundle " + name + " " + version + " was not installed: FileInstall refused it (its log line says why)"
                + " or has not reached it yet";
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

    static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }
}
