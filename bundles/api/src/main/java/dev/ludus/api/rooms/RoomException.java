package dev.ludus.api.rooms;

/**
 * A room operation was refused; nothing changed. {@link #code()} is stable and is one of the
 * constants of this class; clients see it unchanged as the {@code code} of an error reply. Match
 * codes with these constants, never with string literals.
 */
public class RoomException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The room does not exist, or is no longer held (a finished room is kept only for a while). */
    public static final String NO_SUCH_ROOM = "no_such_room";
    /** No game bundle provides the requested game type. */
    public static final String UNKNOWN_GAME = "unknown_game";
    /**
     * The room's name, the game's options, a player id, or an operator's reason or name are not
     * acceptable (the message says which).
     */
    public static final String BAD_OPTIONS = "bad_options";
    /** Every seat is taken: no empty seat to join or to give to a bot. */
    public static final String ROOM_FULL = "room_full";
    /** A change only a waiting room allows (join a free seat, add or remove a bot, start) after the start. */
    public static final String ALREADY_STARTED = "already_started";
    /** An action in a room whose game has not started. */
    public static final String NOT_STARTED = "not_started";
    /** The player owns no seat in the room. */
    public static final String NOT_IN_ROOM = "not_in_room";
    /** The seat does not exist, or is not a bot seat that can be emptied. */
    public static final String BAD_SEAT = "bad_seat";
    /** The game cannot run right now (its game bundle or the event store is away); it resumes by itself. */
    public static final String GAME_PAUSED = "game_paused";
    /** The room's game is over; nothing more can change in it. */
    public static final String GAME_OVER = "game_over";
    /** The event store is away or the runtime is stopping, so nothing could be made durable; try again. */
    public static final String UNAVAILABLE = "unavailable";
    /** The creator already has as many open (not finished) rooms as the runtime allows. */
    public static final String TOO_MANY_ROOMS = "too_many_rooms";
    /** A lobby cursor that this service did not make. */
    public static final String BAD_CURSOR = "bad_cursor";
    /**
     * An operator paused the room ({@link RoomOperations#pause}): actions are refused until an
     * operator resumes it; it does not resume by itself. Also the answer to pausing it again.
     *
     * @since 2.1
     */
    public static final String ROOM_PAUSED = "room_paused";
    /**
     * {@link RoomOperations#resume} of a room that no operator paused (a pause of the runtime's own,
     * {@link #GAME_PAUSED}, ends by itself).
     *
     * @since 2.1
     */
    public static final String NOT_PAUSED = "not_paused";
    /**
     * An archived record that is not in the rooms' format or does not replay by its game's rules
     * ({@link RoomService#replay}).
     *
     * @since 2.3
     */
    public static final String BAD_RECORD = "bad_record";

    private final String code;

    public RoomException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** The stable code: one of this class's constants. */
    public String code() {
        return code;
    }
}
