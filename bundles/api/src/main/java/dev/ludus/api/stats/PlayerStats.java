package dev.ludus.api.stats;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** Statistics of the players who finished games. Thread-safe; answers from memory, never blocks. */
@ProviderType
public interface PlayerStats {

    /** The most entries {@link #leaderboard} and {@link #history} return. */
    int MAX_LIMIT = 100;

    /** The player's profile, or empty if they have not finished a game. */
    Optional<PlayerProfile> profile(String playerId);

    /**
     * The best players of a game type: most games won, then most points, then fewer games played,
     * then earliest to reach that; at most {@code limit} (1 to {@link #MAX_LIMIT}).
     */
    List<Standing> leaderboard(String gameType, int limit);

    /** The player's finished games, newest first, at most {@code limit} (1 to {@link #MAX_LIMIT}). */
    List<GameRecord> history(String playerId, int limit);
}
