/**
 * Health reporting: any bundle registers a {@link dev.ludus.api.health.HealthCheck} service and
 * it appears under {@code components} in {@code GET /health}; a check that is not
 * {@link dev.ludus.api.health.HealthCheck#ready() ready} holds {@code GET /health/ready} at 503.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
