/**
 * The naming convention of Ludus metrics. Bundles record into the node's Dropwizard
 * {@code com.codahale.metrics.MetricRegistry} service (optional, dynamic: it may come and go) under
 * names built by {@link dev.ludus.api.metrics.MetricName}: a Prometheus family name and sorted
 * labels, for example {@code ludus_gateway_requests{result="ok",type="act"}}. The metrics bundle
 * reads the labels back from the name when it serves {@code GET /metrics}.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
