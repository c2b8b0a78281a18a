package dev.ludus.console;

import java.util.Map;
import java.util.SortedMap;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

/**
 * Actions per second and the p99 action latency. With the node's {@link MetricRegistry} they come
 * from the rooms runtime's timers {@code ludus_rooms_action_seconds{game=...}} (one-minute rate,
 * summed over games; the slowest game's p99 of the timer's recent window). Without it, the rate is
 * the change of the rooms health check's {@code acceptedActions} count between two looks at least
 * a second apart, and there is no p99. Thread safe.
 */
final class ActionRate {

    static final String ACTION_TIMER = "ludus_rooms_action_seconds";

    private long lastNanos;
    private long lastCount = -1;
    private double lastRate = Double.NaN;

    /** Figures from the registry, or null when it holds no action timer yet. */
    static Map<String, Object> fromRegistry(MetricRegistry registry) {
        SortedMap<String, Timer> timers = registry.getTimers((name, metric) -> name.startsWith(ACTION_TIMER + "{")
                || name.equals(ACTION_TIMER));
        if (timers.isEmpty()) {
            return null;
        }
        double rate = 0;
        double p99 = 0;
        long count = 0;
        for (Timer t : timers.values()) {
            rate += t.getOneMinuteRate();
            count += t.getCount();
            p99 = Math.max(p99, t.getSnapshot().get99thPercentile() / 1_000_000.0);
        }
        return Map.of("perSecond", round(rate), "p99Millis", round(p99), "total", count, "source", "metrics");
    }

    /** The rate from a count that only grows (it starts again when its bundle restarts). */
    synchronized Map<String, Object> fromCount(long count, long nowNanos) {
        if (lastCount < 0 || count < lastCount) {
            lastCount = count;
            lastNanos = nowNanos;
        } else if (nowNanos - lastNanos >= 1_000_000_000L) {
            lastRate = (count - lastCount) / ((nowNanos - lastNanos) / 1e9);
            lastCount = count;
            lastNanos = nowNanos;
        }
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("perSecond", Double.isNaN(lastRate) ? null : round(lastRate));
        m.put("p99Millis", null);
        m.put("total", count);
        m.put("source", "health");
        return m;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
