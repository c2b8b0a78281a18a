package dev.ludus.archive.fs;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * The health check {@code archive-fs}: games, packs, bytes before and after compression, damaged
 * packs, and whether the last write failed. Comes and goes with the backend.
 */
@Component
public class FileArchiveHealth implements HealthCheck {

    @Reference
    private FileArchiveBackend backend;

    @Override
    public String name() {
        return "archive-fs";
    }

    @Override
    public HealthResult check() {
        return backend.health();
    }
}
