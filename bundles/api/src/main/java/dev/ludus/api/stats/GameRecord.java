package dev.ludus.api.stats;

import java.time.Instant;
import java.util.List;

/**
 * One finished game, as one of its players saw it.
 *
 * @param roomId     the room (its archived game has the same id)
 * @param gameType   the game
 * @param finishedAt when it ended
 * @param seat       the player's seat
 * @param score      their final score
 * @param won        whether they won (a shared win counts)
 * @param players    everyone at the table by seat: their names (bots included)
 * @param scores     everyone's final scores by seat
 */
public record GameRecord(String roomId, String gameType, Instant finishedAt, int seat, int score, boolean won,
                         List<String> players, List<Integer> scores) {

    public GameRecord {
        players = List.copyOf(players);
        scores = List.copyOf(scores);
    }
}
