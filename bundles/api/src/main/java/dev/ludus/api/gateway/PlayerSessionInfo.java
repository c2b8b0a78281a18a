package dev.ludus.api.gateway;

import java.time.Instant;
import java.util.Objects;

/**
 * One player's session in the gateway, as an operator sees it. Immutable.
 *
 * @param playerId        the player's id
 * @param name            the display name the player chose (hostile input: escape it when shown)
 * @param roomId          the room the player is in, or {@code null}
 * @param connected       whether a connection carries the session now
 * @param connectedAt     when the current connection opened, or {@code null} while away
 * @param awaySince       when the last connection dropped, or {@code null} while connected
 * @param resumableUntil  while away: until when the player may still resume (the grace period);
 *                        {@code null} while connected
 * @param remoteAddress   the current connection's remote address, or {@code null} while away
 * @param messagesIn      messages received on the current connection
 * @param bytesIn         their bytes (UTF-8)
 * @param messagesOut     messages sent on the current connection
 * @param bytesOut        their bytes (UTF-8)
 * @param outboundQueued  messages queued to the client and not yet written
 * @param outboundBytes   their bytes
 * @param lastSeq         the {@code seq} of the newest event of the player's stream: a client
 *                        that resumes with it misses nothing
 */
public record PlayerSessionInfo(String playerId, String name, String roomId, boolean connected, Instant connectedAt,
                                Instant awaySince, Instant resumableUntil, String remoteAddress, long messagesIn,
                                long bytesIn, long messagesOut, long bytesOut, int outboundQueued, long outboundBytes,
                                long lastSeq) {
    public PlayerSessionInfo {
        Objects.requireNonNull(playerId, "playerId");
    }
}
