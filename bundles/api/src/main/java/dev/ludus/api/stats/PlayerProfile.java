package dev.ludus.api.stats;

import java.time.Instant;
import java.util.Map;

/**
 * What a player has done, over every game type.
 *
 * @param playerId     the player
 * @param name         the name they last played under
 * @param gamesPlayed  finished games they sat in
 * @param gamesWon     of those, games they won (a shared win counts)
 * @param points       their final scores, summed
 * @param roundsPlayed rounds of games that count declarations (Liap Tui)
 * @param roundsExact  of those, rounds in which they won exactly the piles they declared
 * @param lastPlayedAt when their latest game finished
 * @param byGameType   the same totals per game type
 */
public record PlayerProfile(String playerId, String name, int gamesPlayed, int gamesWon, long points,
                            int roundsPlayed, int roundsExact, Instant lastPlayedAt, Map<String, Totals> byGameType) {

    public PlayerProfile {
        byGameType = Map.copyOf(byGameType);
    }

    /** Rounds declared exactly, as a share of rounds that count (0 when none did). */
    public double declarationAccuracy() {
        return roundsPlayed == 0 ? 0 : (double) roundsExact / roundsPlayed;
    }

    /** Totals of one game type. */
    public record Totals(int gamesPlayed, int gamesWon, long points, int roundsPlayed, int roundsExact) {
    }
}
