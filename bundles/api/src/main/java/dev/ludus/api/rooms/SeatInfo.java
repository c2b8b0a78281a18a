package dev.ludus.api.rooms;

/**
 * One seat of a room.
 *
 * @param seat      seat number, from 0
 * @param playerId  the human who owns the seat, or {@code null} for an empty or bot seat
 * @param name      display name (the player's, or the bot's)
 * @param bot       whether a bot owns the seat
 * @param connected for a human seat: whether the player is connected; while not, a bot plays
 *                  the seat and the seat and score stay the player's
 */
public record SeatInfo(int seat, String playerId, String name, boolean bot, boolean connected) {

    /** Whether nobody, human or bot, holds the seat. */
    public boolean empty() {
        return playerId == null && !bot;
    }
}
