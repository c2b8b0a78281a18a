package dev.ludus.gateway;

import java.util.Map;

import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomState;

/**
 * What a client may ask, one record per request {@code type} of the protocol ({@code docs/protocol.md}).
 * Every request carries the client's {@code id}, echoed in its one reply or error.
 */
sealed interface Request {

    /** The client's request id: a string or a number, echoed as given. */
    Object id();

    /**
     * Opens a session, or resumes one with a token; the first request on a connection.
     * {@code batch}: the client takes what one action gives it as one {@code batch} message.
     */
    record Hello(Object id, String name, String token, long lastSeq, boolean batch) implements Request {
        Hello(Object id, String name, String token, long lastSeq) {
            this(id, name, token, lastSeq, false);
        }
    }

    /**
     * A page of the lobby. Filters are optional: {@code game}, {@code state}, {@code joinable},
     * {@code text} (part of the name); {@code cursor} is the previous page's {@code next}.
     */
    record ListRooms(Object id, String game, RoomState state, Boolean joinable, String text, int limit, String cursor)
            implements Request {

        /** As the rooms service asks it. */
        RoomQuery query() {
            return new RoomQuery(game, state, joinable, text, limit, cursor);
        }
    }

    record CreateRoom(Object id, String game, String name, Map<String, String> options) implements Request {
    }

    /** Takes a seat; {@code name}, if given, becomes the player's display name. */
    record JoinRoom(Object id, String room, String name) implements Request {
    }

    record LeaveRoom(Object id) implements Request {
    }

    record AddBot(Object id) implements Request {
    }

    record RemoveBot(Object id, int seat) implements Request {
    }

    record StartGame(Object id) implements Request {
    }

    /**
     * A game action, for example {@code declare} with {@code {"piles": 2}}; {@code traceparent} is
     * the client's W3C trace context for it, or null (sent none, or not a string).
     */
    record Act(Object id, String action, Map<String, Object> args, String traceparent) implements Request {
        Act(Object id, String action, Map<String, Object> args) {
            this(id, action, args, null);
        }
    }

    /** Asks for a full snapshot of the player's room and game. */
    record Sync(Object id) implements Request {
    }

    /** A player's statistics; {@code player} null: the asker's own. */
    record Profile(Object id, String player) implements Request {
    }

    /** The best players of a game type. */
    record Leaderboard(Object id, String game, int limit) implements Request {
    }

    /** A player's recent finished games; {@code player} null: the asker's own. */
    record History(Object id, String player, int limit) implements Request {
    }

    /** A finished game from the archive, every event of it, and move by move as {@code seat} saw it. */
    record Replay(Object id, String game, int seat) implements Request {
    }

    record Ping(Object id) implements Request {
    }
}
