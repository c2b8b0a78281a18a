/**
 * The players' side as operators see it: {@link dev.ludus.api.gateway.PlayerDirectory}, the
 * players the WebSocket gateway holds a session for, with their connection's figures, and
 * {@link dev.ludus.api.gateway.PlayerControl}, which disconnects one.
 *
 * <p>1.1: {@link dev.ludus.api.gateway.RateLimitControl}, the players' rate limits as an operator
 * sees them (policies, refusals, bans) and lifts a ban. Nothing of 1.0 changed.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.gateway;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
