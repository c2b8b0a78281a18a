/**
 * The players' side as operators see it: {@link dev.ludus.api.gateway.PlayerDirectory}, the
 * players the WebSocket gateway holds a session for, with their connection's figures, and
 * {@link dev.ludus.api.gateway.PlayerControl}, which disconnects one.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.gateway;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
