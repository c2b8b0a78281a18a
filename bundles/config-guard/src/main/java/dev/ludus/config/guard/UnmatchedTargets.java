package dev.ludus.config.guard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference target that matches no service: {@code bus.target = (ludus.bus=nats)} for the rooms
 * on a node without the NATS bus, or {@code cache.target = (ludus.cache=reddis)}. Declarative
 * Services takes such a filter without a word: a mandatory reference leaves its component
 * unsatisfied (not running), an optional one leaves it running without the service. Each is named
 * once it has stood for {@link #GRACE_MILLIS} (a live switch installs a feature and moves a filter
 * in either order, so a moment without a match is normal), with the values the filter's property
 * has among the services of that interface, so the typo or the missing feature shows.
 *
 * <p>A filter that is not a valid filter at all is named at once. Thread safe.
 */
final class UnmatchedTargets {

    /** Stable code of the log line and the health reason. */
    static final String CODE = "config_target_unmatched";
    /** How long a target must match nothing before it is named. */
    static final long GRACE_MILLIS = 10_000;

    private static final Pattern FIRST_ATTRIBUTE = Pattern.compile("\\(\\s*([^=<>~()\\s]+)\\s*[<>~]?=");

    /**
     * One reference with a target, as Declarative Services runs it: the configuration PID it is
     * set in, the reference's name (its property is {@code <reference>.target}), the service
     * interface, the filter, and whether the component needs the service to run.
     */
    record Target(String pid, String reference, String service, String filter, boolean mandatory) {
    }

    /** What the service registry holds. */
    interface Registry {
        /**
         * Whether a service of {@code service} matches {@code filter}; throws
         * {@link IllegalArgumentException} with the reason when the filter is not valid.
         */
        boolean matches(String service, String filter);

        /** The values {@code property} has among the services of {@code service} (none: empty). */
        List<String> values(String service, String property);
    }

    /** When each target was first seen matching nothing (a monotonic clock, ms); gone once it matches. */
    private final Map<Target, Long> since = new HashMap<>();

    /** One line for each target that has matched nothing for the grace period, or is not a filter, sorted. */
    synchronized List<String> find(Collection<Target> targets, Registry registry, long nowMillis) {
        List<String> out = new ArrayList<>();
        Map<Target, Long> still = new HashMap<>();
        for (Target t : targets) {
            boolean matched;
            try {
                matched = registry.matches(t.service(), t.filter());
            } catch (IllegalArgumentException e) {
                out.add(t.pid() + ": " + t.reference() + ".target " + t.filter() + " is not a valid filter ("
                        + e.getMessage() + ")" + consequence(t));
                continue;
            }
            if (matched) {
                continue;
            }
            long first = since.getOrDefault(t, nowMillis);
            still.put(t, first);
            if (nowMillis - first >= GRACE_MILLIS) {
                out.add(line(t, registry));
            }
        }
        since.clear();
        since.putAll(still);
        out.sort(null);
        return out.stream().distinct().toList();
    }

    private static String line(Target t, Registry registry) {
        String simple = t.service().substring(t.service().lastIndexOf('.') + 1);
        Matcher m = FIRST_ATTRIBUTE.matcher(t.filter());
        String there;
        if (m.find()) {
            String property = m.group(1);
            List<String> values = registry.values(t.service(), property);
            there = values.isEmpty() ? "none with " + property + " is registered: is its feature installed?"
                    : "there: " + String.join(", ", values.stream().map(v -> property + "=" + v).toList());
        } else {
            there = "is its feature installed?";
        }
        return t.pid() + ": " + t.reference() + ".target " + t.filter() + " matches no " + simple + " service ("
                + there + ")" + consequence(t);
    }

    private static String consequence(Target t) {
        return t.mandatory() ? "; the component that needs it does not run" : "; it runs without one";
    }
}
