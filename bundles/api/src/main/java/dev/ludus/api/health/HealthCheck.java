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
}
