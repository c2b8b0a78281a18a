/**
 * One configured Redis for the bundles that use it (the shared rate limiter, the shared cache):
 * {@link dev.ludus.redis.client.RedisConnector} opens Lettuce connections with the node's
 * settings (address, TLS, password, timeouts), and its health check says whether Redis answers.
 * Compile against {@code dev.ludus:ludus-lettuce} for the Lettuce types.
 */
@Export
@Version("1.1.0")
package dev.ludus.redis.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
