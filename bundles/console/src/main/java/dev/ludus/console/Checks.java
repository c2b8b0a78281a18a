package dev.ludus.console;

import java.util.Map;
import java.util.TreeMap;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/** Runs health checks as {@code GET /health} does: a check that throws counts as DOWN. */
final class Checks {

    private Checks() {
    }

    /** Each check's result by name (a repeated name gets {@code #2}, {@code #3}...), sorted by name. */
    static Map<String, HealthResult> run(Iterable<HealthCheck> checks) {
        Map<String, HealthResult> results = new TreeMap<>();
        for (HealthCheck check : checks) {
            String name;
            HealthResult result;
            try {
                name = check.name();
                result = check.check();
                if (result == null) {
                    result = HealthResult.down("check returned no result", Map.of());
                }
            } catch (RuntimeException | LinkageError e) {
                name = check.getClass().getName();
                result = HealthResult.down("check failed: " + e, Map.of());
            }
            String key = name;
            for (int n = 2; results.containsKey(key); n++) {
                key = name + "#" + n;
            }
            results.put(key, result);
        }
        return results;
    }
}
