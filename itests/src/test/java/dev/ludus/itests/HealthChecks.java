package dev.ludus.itests;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/** Asks a registered health check, inside the framework, for its result. */
final class HealthChecks {

    private HealthChecks() {
    }

    /** The result of the check named {@code name}, or null while no such check is registered. */
    static HealthResult find(BundleContext context, String name) throws Exception {
        for (ServiceReference<HealthCheck> r : context.getServiceReferences(HealthCheck.class, null)) {
            HealthCheck c = context.getService(r);
            try {
                if (c != null && name.equals(c.name())) {
                    return c.check();
                }
            } finally {
                context.ungetService(r);
            }
        }
        return null;
    }

    /** The result of the check named {@code name}; fails when no such check is registered. */
    static HealthResult require(BundleContext context, String name) throws Exception {
        HealthResult h = find(context, name);
        if (h == null) {
            throw new AssertionError("no health check " + name);
        }
        return h;
    }
}
