package dev.ludus.archive.jdbc;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * The health check {@code archive-jdbc}: DEGRADED with the reason while the database does not
 * answer (checked every two seconds while failing), otherwise the pool's figures. Comes and goes
 * with the backend.
 */
@Component
public class PostgresArchiveHealth implements HealthCheck {

    @Reference
    private PostgresArchiveBackend backend;

    @Override
    public String name() {
        return "archive-jdbc";
    }

    @Override
    public HealthResult check() {
        return backend.health();
    }
}
