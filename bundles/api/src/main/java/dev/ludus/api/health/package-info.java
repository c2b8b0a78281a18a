/**
 * Health reporting: any bundle registers a {@link dev.ludus.api.health.HealthCheck} service and
 * it appears under {@code components} in {@code GET /health}.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
