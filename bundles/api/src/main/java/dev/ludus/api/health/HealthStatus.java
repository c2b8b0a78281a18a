package dev.ludus.api.health;

/**
 * The state of one component, or of the whole node. Ordered from best to worst, so the
 * status of a node is the worst status of its components.
 */
public enum HealthStatus {
    /** Working normally. */
    UP,
    /** Working, but with reduced capacity or a fallback in use (for example a queue is filling
     * because a backend is away). Nothing is lost; an operator should look. */
    DEGRADED,
    /** Not working. {@code GET /health} answers 503 when any component is DOWN. */
    DOWN;

    /** Returns the worse of this status and {@code other}. */
    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
