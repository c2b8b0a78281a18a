package dev.ludus.logging;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/**
 * Finds the bundle a logger belongs to: loggers are named after classes, so it is the bundle whose
 * content holds that class file. Answers are remembered (up to {@link #MAX} names; past that, new
 * names are looked up each time but not kept).
 */
final class BundleOfLogger implements Function<String, String> {

    static final int MAX = 4096;

    /** The bundle this code runs in (logback-classic, the fragment's host); its context is read when first needed. */
    private final Bundle host;
    private final Map<String, Optional<String>> known = new ConcurrentHashMap<>();

    private BundleOfLogger(Bundle host) {
        this.host = host;
    }

    /** The lookup inside an OSGi framework; outside one it finds nothing. */
    static Function<String, String> fromFramework() {
        try {
            Bundle host = FrameworkUtil.getBundle(JsonLineEncoder.class);
            return host == null ? name -> null : new BundleOfLogger(host);
        } catch (NoClassDefFoundError notInOsgi) {
            return name -> null;
        }
    }

    @Override
    public String apply(String logger) {
        Optional<String> hit = known.get(logger);
        if (hit != null) {
            return hit.orElse(null);
        }
        BundleContext context = host.getBundleContext();
        if (context == null) {
            return null; // the host is not started yet (or any more): ask again next time
        }
        Optional<String> found = Optional.ofNullable(find(context, logger));
        if (known.size() < MAX) {
            known.put(logger, found);
        }
        return found.orElse(null);
    }

    private static String find(BundleContext context, String logger) {
        if (logger.isEmpty() || logger.indexOf('/') >= 0) {
            return null;
        }
        String path = logger.replace('.', '/') + ".class";
        try {
            for (Bundle b : context.getBundles()) {
                if (b.getBundleId() != 0 && b.getState() != Bundle.UNINSTALLED && b.getEntry(path) != null) {
                    return b.getSymbolicName();
                }
            }
        } catch (IllegalStateException | SecurityException stale) {
            return null; // the context went away while looking
        }
        return null;
    }
}
