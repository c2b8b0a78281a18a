package dev.ludus.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/** The aggregated result of running a set of health checks once. */
final class HealthReport {

    private final HealthStatus status;
    private final Map<String, HealthResult> components;

    private HealthReport(HealthStatus status, Map<String, HealthResult> components) {
        this.status = status;
        this.components = components;
    }

    /**
     * Runs every check. A check that throws or returns null counts as DOWN; duplicate names get a
     * {@code #2}, {@code #3}... suffix so no report hides another.
     */
    static HealthReport run(Iterable<HealthCheck> checks) {
        Map<String, HealthResult> results = new TreeMap<>();
        HealthStatus worst = HealthStatus.UP;
        for (HealthCheck check : checks) {
            String name = safeName(check);
            HealthResult result;
            try {
                result = check.check();
                if (result == null) {
                    result = HealthResult.down("check returned no result", Map.of());
                }
            } catch (RuntimeException | LinkageError e) {
                result = HealthResult.down("check failed: " + e, Map.of());
            }
            String key = name;
            for (int n = 2; results.containsKey(key); n++) {
                key = name + "#" + n;
            }
            results.put(key, result);
            worst = worst.worst(result.status());
        }
        return new HealthReport(worst, results);
    }

    private static String safeName(HealthCheck check) {
        try {
            String name = check.name();
            return name == null || name.isBlank() ? check.getClass().getName() : name;
        } catch (RuntimeException e) {
            return check.getClass().getName();
        }
    }

    HealthStatus status() {
        return status;
    }

    Map<String, HealthResult> components() {
        return components;
    }

    /** HTTP status for this report: 503 only when DOWN, so DEGRADED nodes keep serving. */
    int httpStatus() {
        return status == HealthStatus.DOWN ? 503 : 200;
    }

    /**
     * The answer's body. Without details, only the node's and each component's status: reasons
     * and figures can name paths, backends and counters an outsider has no business reading.
     */
    String toJson(boolean includeDetails) {
        Map<String, Object> comps = new LinkedHashMap<>();
        components.forEach((name, r) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", r.status().name());
            if (includeDetails && !r.reason().isEmpty()) {
                c.put("reason", r.reason());
            }
            if (includeDetails && !r.details().isEmpty()) {
                c.put("details", new TreeMap<>(r.details()));
            }
            comps.put(name, c);
        });
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("status", status.name());
        root.put("components", comps);
        return Json.write(root);
    }
}
