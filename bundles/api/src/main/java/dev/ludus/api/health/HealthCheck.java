package dev.ludus.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A component's report on itself. Register an implementation as an OSGi service; the health
 * endpoint ({@code GET /health}) calls every registered check on each request and reports each
 * under its {@link #name()}.
 *
 * <p>Implementations must be thread safe, must not block (answer from state the component already
 * holds, in well under a millisecond), and should not throw: a check that throws is reported as
 * {@link HealthStatus#DOWN} with the exception as its reason.
 */
@ConsumerType
public interface HealthCheck {

    /**
     * The component's name in the health report, for example {@code "eventstore"}. Stable for the
     * lifetime of the service; unique among registered checks (a duplicate name is reported with a
     * numeric suffix).
     */
    String name();

    /** Reports the component's current state. Non-blocking; never returns {@code null}. */
    HealthResult check();

    /**
     * Whether this component is ready for players. {@code GET /health/ready} answers 503 while any
     * registered check answers {@code false}, so override it when the component still has work to
     * finish after activation before the node may take traffic (for example replaying the rooms
     * that were running before a restart). The default, {@code true}, never holds readiness up.
     *
     * <p>Thread safe and non-blocking like {@link #check()}. A check that throws counts as not
     * ready. Readiness is not remembered across restarts: it starts {@code false} again.
     *
     * @since 1.1
     */
    default boolean ready() {
        return true;
    }
}
