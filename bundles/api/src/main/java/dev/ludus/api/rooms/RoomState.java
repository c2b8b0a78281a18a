package dev.ludus.api.rooms;

/** Where a room is in its life. */
public enum RoomState {
    /** Seats are being filled; the game has not started. */
    WAITING,
    /** The game is running. */
    PLAYING,
    /** The game cannot run right now (its game bundle or the event store is away); it resumes by
     * itself. {@link RoomInfo#pauseReason()} says why. */
    PAUSED,
    /** The game is over. */
    FINISHED
}
