package dev.ludus.api.gateway;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What an operator may do to a player's connection. Provided by the gateway bundle while it runs,
 * beside {@link PlayerDirectory}.
 */
@ProviderType
public interface PlayerControl {

    /**
     * The WebSocket close code of a connection an operator closed. A client should not reconnect by
     * itself after it; it shows the close reason to the player.
     */
    int CLOSE_DISCONNECTED = 4004;

    /** The longest close reason, in characters. */
    int MAX_REASON = 100;

    /**
     * Closes the player's current connection with {@link #CLOSE_DISCONNECTED} and {@code reason}.
     * This is not a ban: the session then stands as after any dropped connection (a bot plays the
     * player's seat; the player may resume within the grace period). Thread safe; does not wait for
     * the close handshake.
     *
     * @return {@code true} if the player had a connection, now closing; {@code false} if the gateway
     *         holds no connected session for {@code playerId} (nothing changed)
     * @throws IllegalArgumentException if {@code reason} is blank, longer than {@link #MAX_REASON}
     *                                  characters or holds control characters (nothing changed)
     */
    boolean disconnect(String playerId, String reason);
}
