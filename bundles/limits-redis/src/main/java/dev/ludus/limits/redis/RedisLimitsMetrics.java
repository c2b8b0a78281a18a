package dev.ludus.limits.redis;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.SummingTimer;

/**
 * The Redis limiter's counts, in the node's registry while one is bound (labelled with this bundle's
 * name and version):
 * <ul>
 * <li>{@code ludus_limits_redis_decision_seconds} (timer, exact sum): decisions Redis answered;</li>
 * <li>{@code ludus_limits_redis_fallback_decisions} (counter): decisions made by the failure policy;</li>
 * <li>{@code ludus_limits_redis_errors} (counter): Redis failures and timeouts.</li>
 * </ul>
 */
final class RedisLimitsMetrics {

    static final String PREFIX = "ludus_limits_redis_";

    final Timer decisions = new SummingTimer();
    final Counter fallbacks = new Counter();
    final Counter errors = new Counter();
    private Map<String, String> labels = Map.of();
    private MetricRegistry bound; // guarded by this

    synchronized void bundle(String name, String version) {
        labels = Map.of(MetricLabels.BUNDLE, name, MetricLabels.BUNDLE_VERSION, version);
    }

    void decided(long nanos) {
        decisions.update(nanos, TimeUnit.NANOSECONDS);
    }

    synchronized void bind(MetricRegistry registry) {
        unbind();
        registry.removeMatching((name, metric) -> name.startsWith(PREFIX));
        registry.register(MetricName.of(PREFIX + "decision_seconds", labels).toString(), decisions);
        registry.register(MetricName.of(PREFIX + "fallback_decisions", labels).toString(), fallbacks);
        registry.register(MetricName.of(PREFIX + "errors", labels).toString(), errors);
        bound = registry;
    }

    synchronized void unbind() {
        if (bound != null) {
            bound.removeMatching((name, metric) -> name.startsWith(PREFIX));
            bound = null;
        }
    }
}
