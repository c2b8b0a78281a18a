package dev.ludus.api.stats;

/**
 * One line of a leaderboard.
 *
 * @param rank        1 for the best; players equal on every criterion share a rank
 * @param playerId    the player
 * @param name        the name they last played under
 * @param gamesPlayed finished games of this type
 * @param gamesWon    of those, won
 * @param points      final scores of this type, summed
 */
public record Standing(int rank, String playerId, String name, int gamesPlayed, int gamesWon, long points) {
}
