/**
 * One configured NATS for the bundles that use it (the NATS message bus, the cluster's node
 * announcements): {@link dev.ludus.nats.client.NatsConnector} opens jnats connections with the
 * node's settings (servers, credentials, TLS, timeouts), and its health check says whether NATS
 * answers. Compile against {@code dev.ludus:ludus-jnats} for the jnats types.
 */
@Export
@Version("1.0.0")
package dev.ludus.nats.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
