package dev.ludus.runtime;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

/**
 * How long each bundle took to start (from STARTING to STARTED: its activator and, for Declarative
 * Services bundles, the components activated while it starts), so the start-up line can name the
 * slowest. Thread safe.
 */
final class BundleStartTimes implements SynchronousBundleListener {

    private final Map<String, Long> starting = new ConcurrentHashMap<>();
    private final Map<String, Long> took = new ConcurrentHashMap<>();

    @Override
    public void bundleChanged(BundleEvent event) {
        String name = event.getBundle().getSymbolicName();
        if (name == null) {
            return;
        }
        if (event.getType() == BundleEvent.STARTING) {
            starting.put(name, System.nanoTime());
        } else if (event.getType() == BundleEvent.STARTED) {
            Long since = starting.remove(name);
            if (since != null) {
                took.put(name, (System.nanoTime() - since) / 1_000_000);
            }
        }
    }

    /** The {@code n} bundles that took longest, as "name ms, ...", longest first. */
    String slowest(int n) {
        return took.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(n)
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
