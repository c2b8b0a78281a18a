package dev.ludus.gateway;

import dev.ludus.api.rooms.RoomException;

/**
 * Stable error codes and close codes of the protocol. Room refusals pass through with the codes of
 * {@link RoomException} ({@code room_full}...), game rejections with the game's ({@code not_your_turn}...).
 */
final class Codes {

    /** The frame is not valid JSON. */
    static final String BAD_JSON = "bad_json";
    /** Valid JSON, but not a request: not an object, no usable id or type, a field of the wrong kind. */
    static final String BAD_REQUEST = "bad_request";
    /** A binary frame; the protocol uses text frames only. */
    static final String BAD_FRAME = "bad_frame";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String TOO_LARGE = "too_large";
    static final String RATE_LIMITED = "rate_limited";
    /** A hello resuming a player banned for repeated rate-limit refusals; {@code retryAfterMillis} says for how long. */
    static final String BANNED = "banned";
    /** A request other than hello before the session is open. */
    static final String NO_SESSION = "no_session";
    static final String BAD_TOKEN = "bad_token";
    static final String TOKEN_EXPIRED = "token_expired";
    /** Join while seated in another room that is not over. */
    static final String ALREADY_IN_ROOM = "already_in_room";
    /** A room request without a room; the rooms service answers the same code for a player with no seat. */
    static final String NOT_IN_ROOM = RoomException.NOT_IN_ROOM;
    /** The rooms service is not available (being replaced or stopped); the same code as the event store being away. */
    static final String UNAVAILABLE = RoomException.UNAVAILABLE;
    static final String INTERNAL_ERROR = "internal_error";
    /** No statistics bundle runs: profile, leaderboard and history cannot be answered now. */
    static final String STATS_UNAVAILABLE = "stats_unavailable";

    /** {@code replay} of a game the archive does not hold (not finished, not archived yet, or deleted by retention). */
    static final String GAME_NOT_FOUND = "game_not_found";

    /** {@code replay} while no archive runs or its backends cannot be asked. */
    static final String ARCHIVE_UNAVAILABLE = "archive_unavailable";

    /**
     * The node is stopping: a new player, room or action is refused (not applied) while the actions
     * already under way are answered; the connection then closes with {@link #CLOSE_RESTART}.
     * {@code retryAfterMillis} says when to reconnect and resume.
     */
    static final String DRAINING = "draining";

    /**
     * The node is overloaded (docs/protocol.md, "Load shedding"): a new player, {@code create_room}
     * or {@code join_room} is refused (nothing changed) with {@code retryAfterMillis}; running games
     * go on.
     */
    static final String OVERLOADED = "overloaded";

    /**
     * In a cluster: the room asked for runs on another node (docs/protocol.md, "Several nodes").
     * The error carries {@code address} (that node's WebSocket URL) and {@code node}: connect
     * there, resume with the token, and ask again.
     */
    static final String ROOM_ELSEWHERE = "room_elsewhere";
    /**
     * In a cluster: a new room of this game goes to another node (this one does not host the game,
     * or is clearly busier); {@code address} and {@code node} say which: connect there, resume and
     * create it there.
     */
    static final String CREATE_ELSEWHERE = "create_elsewhere";
    /** The room's node is draining; the room is on another node in a moment (with {@code retryAfterMillis}). */
    static final String ROOM_MOVING = "room_moving";

    /** The client reads too slowly: its outbound queue overflowed. */
    static final int CLOSE_SLOW_CONSUMER = 4000;
    /** The session was resumed on a newer connection. */
    static final int CLOSE_REPLACED = 4001;
    /** Nothing arrived from the client for the idle timeout. */
    static final int CLOSE_IDLE = 4002;
    /** The client kept sending far over its message budget. */
    static final int CLOSE_FLOOD = 4003;
    /** An operator closed the connection ({@code PlayerControl.disconnect}); the reason says why. */
    static final int CLOSE_OPERATOR = dev.ludus.api.gateway.PlayerControl.CLOSE_DISCONNECTED;
    /** The server is restarting the gateway (bundle stop, update, shutdown): reconnect and resume. */
    static final int CLOSE_RESTART = 1012;

    private Codes() {
    }
}
