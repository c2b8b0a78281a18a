package dev.ludus.resilience;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.resilience.PolicyStatus;

/**
 * Each policy's figures as gauges in the node's registry while one is bound, labelled with the
 * policy and this bundle's name and version: {@code ludus_resilience_calls}, {@code _failures},
 * {@code _refused}, {@code _retries}, {@code _timeouts}, {@code _transitions} (the breaker's state
 * changes), {@code _failure_rate} (percent of the window, -1 before its minimum of calls) and
 * {@code _state} (0 closed, 1 open, 2 half open, 3 forced open, 4 forced closed).
 */
final class ResilienceMetrics {

    static final String PREFIX = "ludus_resilience_";
    private static final Map<String, ToDoubleFunction<ResiliencePolicy>> FAMILIES = Map.of(
            "calls", p -> p.status().calls(),
            "failures", p -> p.status().failures(),
            "refused", p -> p.status().refused(),
            "retries", p -> p.status().retries(),
            "timeouts", p -> p.status().timeouts(),
            "transitions", ResiliencePolicy::transitions,
            "failure_rate", p -> p.status().failureRate(),
            "state", p -> code(p.status().state()));

    private Map<String, String> bundle = Map.of();
    private MetricRegistry bound; // guarded by this

    static int code(PolicyStatus.State s) {
        return switch (s) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
            case FORCED_OPEN -> 3;
            case FORCED_CLOSED -> 4;
        };
    }

    synchronized void bundle(String name, String version) {
        bundle = Map.of(MetricLabels.BUNDLE, name, MetricLabels.BUNDLE_VERSION, version);
    }

    synchronized void bind(MetricRegistry registry, Iterable<ResiliencePolicy> policies) {
        unbind();
        bound = registry;
        policies.forEach(this::added);
    }

    synchronized void unbind() {
        if (bound != null) {
            MetricRegistry r = bound;
            bound = null;
            r.removeMatching((name, metric) -> name.startsWith(PREFIX));
        }
    }

    synchronized void added(ResiliencePolicy policy) {
        if (bound == null) {
            return;
        }
        FAMILIES.forEach((family, value) -> {
            String name = name(policy.name(), family);
            bound.remove(name);
            bound.register(name, (Gauge<Double>) () -> value.applyAsDouble(policy));
        });
    }

    private String name(String policy, String family) {
        Map<String, String> l = new TreeMap<>(bundle);
        l.put("policy", policy);
        return MetricName.of(PREFIX + family, l).toString();
    }
}
