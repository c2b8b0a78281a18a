package dev.ludus.api.rooms;

/**
 * Which page of the lobby to show. Every filter is optional ({@code null} matches everything).
 *
 * @param gameType only rooms of this game type
 * @param state    only rooms in this state; {@code null} means every state but {@code FINISHED}
 * @param joinable {@code true}: only rooms a player can join now (waiting, with an empty seat);
 *                 {@code false}: only the others; {@code null}: both
 * @param text     only rooms whose name contains this text, ignoring case
 * @param limit    at most this many rooms; clamped to 1..{@link #MAX_LIMIT}
 * @param cursor   where the page starts: the {@link RoomPage#next()} of the previous page, or
 *                 {@code null} for the first page
 */
public record RoomQuery(String gameType, RoomState state, Boolean joinable, String text, int limit, String cursor) {

    /** The largest page. */
    public static final int MAX_LIMIT = 500;

    public RoomQuery {
        limit = Math.max(1, Math.min(MAX_LIMIT, limit));
        text = text == null || text.isBlank() ? null : text.strip();
        cursor = cursor == null || cursor.isEmpty() ? null : cursor;
    }

    /** The first page of every open room, {@code limit} long. */
    public static RoomQuery first(int limit) {
        return new RoomQuery(null, null, null, null, limit, null);
    }
}
