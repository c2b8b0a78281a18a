package dev.ludus.health;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
            results.put(key(name, results.keySet()), result);
            worst = worst.worst(result.status());
        }
        return new HealthReport(worst, results);
    }

    /**
     * The names the checks are reported under, as {@link #run} gives them, without running them
     * (so without calling into the bundles that registered them).
     */
    static Set<String> names(Iterable<HealthCheck> checks) {
        Set<String> names = new HashSet<>();
        for (HealthCheck check : checks) {
            names.add(key(safeName(check), names));
        }
        return names;
    }

    /** {@code name}, or with a {@code #2}, {@code #3}... suffix if it is taken already. */
    private static String key(String name, Set<String> taken) {
        String key = name;
        for (int n = 2; taken.contains(key); n++) {
            key = name + "#" + n;
        }
        return key;
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
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("status", status.name());
        ObjectNode comps = root.putObject("components");
        components.forEach((name, r) -> {
            ObjectNode c = comps.putObject(name);
            c.put("status", r.status().name());
            if (includeDetails && !r.reason().isEmpty()) {
                c.put("reason", r.reason());
            }
            if (includeDetails && !r.details().isEmpty()) {
                c.set("details", figure(new TreeMap<>(r.details())));
            }
        });
        try {
            return HealthJson.WRITER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            // a tree of plain nodes always writes; anything else is a broken Jackson
            throw new IllegalStateException("cannot write the health report", e);
        }
    }

    /**
     * One detail as JSON. Checks put numbers, strings, booleans, lists and maps in their details;
     * anything else shows as its text rather than as a bean, so no getter of a check's internals
     * runs or leaks. A number that is not finite has no JSON form and shows as null.
     */
    private static JsonNode figure(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        } else if (value instanceof Boolean b) {
            return f.booleanNode(b);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return f.numberNode(((Number) value).intValue());
        } else if (value instanceof Long l) {
            return f.numberNode(l);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                return f.nullNode();
            }
            return value instanceof Float x ? f.numberNode(x) : f.numberNode(d);
        } else if (value instanceof BigDecimal d) {
            return f.numberNode(d);
        } else if (value instanceof BigInteger i) {
            return f.numberNode(i);
        } else if (value instanceof Number n) {
            // counters such as AtomicLong or LongAdder: their text is the number
            try {
                return f.numberNode(new BigDecimal(n.toString()));
            } catch (NumberFormatException e) {
                return f.nullNode();
            }
        } else if (value instanceof Map<?, ?> map) {
            ObjectNode o = f.objectNode();
            map.forEach((k, v) -> o.set(String.valueOf(k), figure(v)));
            return o;
        } else if (value instanceof Collection<?> list) {
            ArrayNode a = f.arrayNode();
            list.forEach(v -> a.add(figure(v)));
            return a;
        }
        return f.textNode(value.toString());
    }
}
