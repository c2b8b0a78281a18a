package dev.ludus.gateway;

import java.util.Map;

/**
 * What a client may ask, one record per request {@code type} of the protocol ({@code docs/protocol.md}).
 * Every request carries the client's {@code id}, echoed in its one reply or error.
 */
sealed interface Request {

    /** The client's request id: a string or a number, echoed as given. */
    Object id();

    /** Opens a session, or resumes one with a token; the first request on a connection. */
    record Hello(Object id, String name, String token, long lastSeq) implements Request {
    }

    record ListRooms(Object id, String game, int limit) implements Request {
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

    /** A game action, for example {@code declare} with {@code {"piles": 2}}. */
    record Act(Object id, String action, Map<String, Object> args) implements Request {
    }

    /** Asks for a full snapshot of the player's room and game. */
    record Sync(Object id) implements Request {
    }

    record Ping(Object id) implements Request {
    }
}
