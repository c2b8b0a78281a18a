package dev.ludus.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/**
 * Whether the node may take players, and if not, why. Ready means all of:
 * <ol>
 * <li>the framework is ACTIVE (not starting, not stopping) at its target start level
 * ({@code org.osgi.framework.startlevel.beginning});</li>
 * <li>every bundle the framework was told to start (persistently started, at or below that level)
 * is ACTIVE;</li>
 * <li>every required check (by name) is registered and not DOWN;</li>
 * <li>every registered check answers {@link HealthCheck#ready()} {@code true}.</li>
 * </ol>
 *
 * @param ready     whether all conditions hold
 * @param reasons   one sentence per condition that does not hold, empty when ready
 * @param notActive the bundles that hold readiness up, as {@code name (STATE)}
 */
record Readiness(boolean ready, List<String> reasons, List<String> notActive) {

    static Readiness of(BundleContext context, Iterable<HealthCheck> checks, List<String> required) {
        List<String> reasons = new ArrayList<>();
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        int state = system.getState();
        if (state == Bundle.STOPPING) {
            reasons.add("the framework is stopping");
        } else if (state != Bundle.ACTIVE) {
            reasons.add("the framework is starting");
        }
        int level = system.adapt(FrameworkStartLevel.class).getStartLevel();
        int target = beginningStartLevel(context);
        if (state != Bundle.STOPPING && level < target) {
            reasons.add("start level " + level + " of " + target);
        }

        List<String> notActive = new ArrayList<>();
        int upTo = Math.max(level, target);
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == Constants.SYSTEM_BUNDLE_ID || b.getState() == Bundle.UNINSTALLED
                    || b.getState() == Bundle.ACTIVE || b.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            BundleStartLevel bsl = b.adapt(BundleStartLevel.class);
            if (bsl == null || !bsl.isPersistentlyStarted() || bsl.getStartLevel() > upTo) {
                continue; // stopped on purpose, or not meant to run at this level
            }
            if (b.getState() == Bundle.STARTING && bsl.isActivationPolicyUsed()) {
                continue; // lazy activation: it starts on first use
            }
            notActive.add(b.getSymbolicName() + " (" + FrameworkHealthCheck.stateName(b.getState()) + ")");
        }
        if (!notActive.isEmpty()) {
            reasons.add(notActive.size() + " bundle(s) not active");
        }

        Map<String, HealthCheck> byName = new LinkedHashMap<>();
        for (HealthCheck check : checks) {
            String name = name(check);
            byName.putIfAbsent(name, check);
            boolean ready;
            try {
                ready = check.ready();
            } catch (RuntimeException | LinkageError e) {
                ready = false;
            }
            if (!ready) {
                reasons.add(name + " is not ready" + why(check));
            }
        }
        for (String name : required) {
            HealthCheck check = byName.get(name);
            if (check == null) {
                reasons.add(name + " is not running");
                continue;
            }
            HealthResult result;
            try {
                result = check.check();
            } catch (RuntimeException | LinkageError e) {
                result = null;
            }
            if (result == null || result.status() == HealthStatus.DOWN) {
                reasons.add(name + " is DOWN");
            }
        }
        return new Readiness(reasons.isEmpty(), List.copyOf(reasons), List.copyOf(notActive));
    }

    /** What a check that is not ready says of itself when it is not UP (" (DOWN: appends refused: …)"), else nothing. */
    private static String why(HealthCheck check) {
        try {
            HealthResult r = check.check();
            if (r != null && r.status() != HealthStatus.UP && r.reason() != null && !r.reason().isEmpty()) {
                return " (" + r.status() + ": " + r.reason() + ")";
            }
        } catch (RuntimeException | LinkageError e) {
            // the reason is only a help; "not ready" stands
        }
        return "";
    }

    /** 200 when ready, else 503, so load balancers need read nothing but the status. */
    int httpStatus() {
        return ready ? 200 : 503;
    }

    /** The answer's body; the reasons and bundle names only when details are allowed. */
    String toJson(boolean includeDetails) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("status", ready ? "READY" : "NOT_READY");
        if (includeDetails && !ready) {
            reasons.forEach(root.putArray("reasons")::add);
            if (!notActive.isEmpty()) {
                notActive.forEach(root.putArray("notActive")::add);
            }
        }
        try {
            return HealthJson.WRITER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            // a tree of plain nodes always writes; anything else is a broken Jackson
            throw new IllegalStateException("cannot write the readiness answer", e);
        }
    }

    private static int beginningStartLevel(BundleContext context) {
        String v = context.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL);
        try {
            return v == null ? 1 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String name(HealthCheck check) {
        try {
            String n = check.name();
            return n == null || n.isBlank() ? check.getClass().getName() : n;
        } catch (RuntimeException e) {
            return check.getClass().getName();
        }
    }
}
