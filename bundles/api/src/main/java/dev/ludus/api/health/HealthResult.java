package dev.ludus.api.health;

import java.util.Map;
import java.util.Objects;

/**
 * What one {@link HealthCheck} reports.
 *
 * @param status  the component's status, never {@code null}
 * @param reason  a short human explanation; empty when {@code UP} needs none
 * @param details figures an operator may want (queue depth, backend name, ...); values should be
 *                strings, numbers or booleans. The map is copied.
 */
public record HealthResult(HealthStatus status, String reason, Map<String, Object> details) {

    public HealthResult {
        Objects.requireNonNull(status, "status");
        reason = reason == null ? "" : reason;
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** A healthy result with no details. */
    public static HealthResult up() {
        return new HealthResult(HealthStatus.UP, "", Map.of());
    }

    /** A healthy result carrying figures. */
    public static HealthResult up(Map<String, Object> details) {
        return new HealthResult(HealthStatus.UP, "", details);
    }

    /** A degraded result; {@code reason} says what is wrong. */
    public static HealthResult degraded(String reason, Map<String, Object> details) {
        return new HealthResult(HealthStatus.DEGRADED, reason, details);
    }

    /** A failed result; {@code reason} says what is wrong. */
    public static HealthResult down(String reason, Map<String, Object> details) {
        return new HealthResult(HealthStatus.DOWN, reason, details);
    }
}
