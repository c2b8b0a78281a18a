package dev.ludus.api.rooms;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What an operator does to a room: pause, resume or end its game, remove a player from it. Offered by the same
 * runtime as {@link RoomService}. Thread safe. Each call blocks until its change is durable in the
 * room's event stream (at most about 30 s), where it is recorded with its reason and who asked; it
 * then goes to the room's players and spectators as events, like any change of the room. A refused
 * call throws {@link RoomException} with a stable code and changes nothing.
 *
 * <p>Arguments: {@code reason} has 1 to 200 characters and {@code by} (the operator's name, for the
 * record) 1 to 100, neither with control characters; otherwise {@link RoomException#BAD_OPTIONS}.
 * Every call also throws {@link RoomException#NO_SUCH_ROOM} for a room the runtime does not hold,
 * {@link RoomException#UNAVAILABLE} when the event store is away or the runtime is stopping, and
 * {@link RoomException#GAME_PAUSED} while the room is being rebuilt.
 *
 * @since 2.1
 */
@ProviderType
public interface RoomOperations {

    /**
     * Pauses a running game until an operator resumes it: players' actions are refused with
     * {@link RoomException#ROOM_PAUSED}, bots do not move and the game's timers do not fire. The
     * room shows {@link RoomState#PAUSED} with {@code reason} as its {@link RoomInfo#pauseReason()}
     * and {@code by} as {@link RoomInfo#pausedBy()}. The pause is durable: it survives snapshots, a
     * restart or crash of the process, and an update of the rooms bundle. It is separate from the
     * runtime's own pauses (game bundle or event store away), which end by themselves.
     *
     * @return the room after the change
     * @throws RoomException {@link RoomException#NOT_STARTED} before the game starts,
     *                       {@link RoomException#GAME_OVER} after it ended,
     *                       {@link RoomException#ROOM_PAUSED} if an operator already paused it
     */
    RoomInfo pause(String roomId, String reason, String by);

    /**
     * Ends an operator's pause. Every deadline (a bot's move, the idle time, the game's timer)
     * counts again from the resume, so nobody's move is taken at once for the time the game stood
     * still. A game the runtime itself holds paused stays so until its cause goes.
     *
     * @return the room after the change
     * @throws RoomException {@link RoomException#NOT_PAUSED} if no operator paused the room,
     *                       {@link RoomException#GAME_OVER} after the game ended
     */
    RoomInfo resume(String roomId, String by);

    /**
     * Ends a game before its end, paused or not: the room becomes {@link RoomState#FINISHED}, its
     * players get {@code game_over} with the game's result so far and {@code reason} and
     * {@code by}, and the game is archived as a finished game is.
     *
     * @return the room after the change
     * @throws RoomException {@link RoomException#NOT_STARTED} before the game starts,
     *                       {@link RoomException#GAME_OVER} after it ended
     */
    RoomInfo end(String roomId, String reason, String by);

    /**
     * Removes a player from the room: before the game starts their seat is emptied, during it a
     * bot takes the seat and plays on. The room's stream records the seat's change with
     * {@code reason} and {@code by}; the player keeps their connection and may join other rooms.
     *
     * @return the room after the change
     * @throws RoomException {@link RoomException#NOT_IN_ROOM} if the player has no seat in the room,
     *                       {@link RoomException#GAME_OVER} after the game ended
     */
    RoomInfo removePlayer(String roomId, String playerId, String reason, String by);
}
