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

    /**
     * A name for what {@link #profile} and {@link #history} answer for this player now: it changes
     * whenever a game they sat in is counted (or the statistics are rebuilt), and two services that
     * counted the same games in the same order give the same name. Readers cache answers under it
     * (an answer filed under the current revision is never stale). Never blocks.
     *
     * @return the revision, or null when this service cannot name one (then do not cache)
     * @since 1.1
     */
    default String playerRevision(String playerId) {
        return null;
    }

    /**
     * A name for what {@link #leaderboard} answers for this game type now, on the same terms as
     * {@link #playerRevision}: it changes whenever a game of this type is counted.
     *
     * @return the revision, or null when this service cannot name one (then do not cache)
     * @since 1.1
     */
    default String leaderboardRevision(String gameType) {
        return null;
    }
}
