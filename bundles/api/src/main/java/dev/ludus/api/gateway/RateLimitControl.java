package dev.ludus.api.gateway;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The players' rate limits as an operator sees and acts on them. Provided by the gateway bundle
 * while it runs, beside {@link PlayerDirectory}.
 *
 * @since 1.1
 */
@ProviderType
public interface RateLimitControl {

    /** The limits in force now, their refusals and the players banned. Thread safe, cheap. */
    RateLimitStatus status();

    /**
     * Lifts the ban of {@code playerId} and forgets their recent refusals, so the escalation starts
     * over. Their buckets stay as they are (a player over a limit is still refused by it).
     *
     * @return true if the player was banned
     */
    boolean unban(String playerId);
}
