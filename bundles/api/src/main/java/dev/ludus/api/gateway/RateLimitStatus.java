package dev.ludus.api.gateway;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The players' rate limits as the gateway applies them.
 *
 * @param mode               {@code enforce}, {@code shadow} or {@code off}
 * @param limiter            the bound rate limiter service, by its {@code ludus.limiter} property (or
 *                           class name), or null when none is bound
 * @param policies           every policy in force, in the order of the settings
 * @param topRefusedPlayers  the players refused most in the last minutes, most first
 * @param topRefusedAddresses the addresses whose sessions were refused most in the last minutes
 * @param banned             players banned now, with the milliseconds left
 * @param settingsRefused    policy settings that could not be read (the previous value stays), by name
 * @since 1.1
 */
public record RateLimitStatus(String mode, String limiter, List<Policy> policies, List<Count> topRefusedPlayers,
                              List<Count> topRefusedAddresses, Map<String, Long> banned,
                              Map<String, String> settingsRefused) {

    public RateLimitStatus {
        Objects.requireNonNull(mode, "mode");
        policies = List.copyOf(policies);
        topRefusedPlayers = List.copyOf(topRefusedPlayers);
        topRefusedAddresses = List.copyOf(topRefusedAddresses);
        banned = Map.copyOf(banned);
        settingsRefused = Map.copyOf(settingsRefused);
    }

    /**
     * A policy in force.
     *
     * @param name        e.g. {@code create_room}, {@code act.play}
     * @param spec        as written in the settings, e.g. {@code 5/1m block 5m}
     * @param refused     requests it refused since the gateway started
     * @param wouldRefuse requests it would have refused, let through by shadow mode
     */
    public record Policy(String name, String spec, long refused, long wouldRefuse) {
    }

    /** A key (player id, address) and how often it was refused. */
    public record Count(String key, long count) {
    }
}
