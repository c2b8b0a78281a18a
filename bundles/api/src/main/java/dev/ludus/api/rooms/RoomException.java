package dev.ludus.api.rooms;

/**
 * A room operation was refused; nothing changed. {@link #code()} is stable: {@code no_such_room},
 * {@code unknown_game}, {@code bad_options}, {@code room_full}, {@code already_started},
 * {@code not_started}, {@code not_in_room}, {@code bad_seat}, {@code game_paused},
 * {@code game_over}, {@code unavailable} (the event store is away), {@code too_many_rooms} (the
 * creator already has as many open rooms as allowed), {@code bad_cursor} (a lobby cursor that
 * this service did not make).
 */
public class RoomException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public RoomException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
