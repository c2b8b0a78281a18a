package dev.ludus.gateway;

import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * The messages a room's events become, one per player, as Jackson writes them: members in
 * component order, so the text is the one docs/protocol.md shows. The part every player shares
 * (the event's data, the changed room) is written once and goes in as JSON text; only the
 * envelope, which differs in {@code seq}, is written per player.
 */
sealed interface ServerEvent {

    /** A lobby change: {@code room} is the room's JSON. */
    record Room(String type, long seq, @JsonRawValue String room) implements ServerEvent {
        Room(long seq, String room) {
            this("room", seq, room);
        }
    }

    /** A player's own view of a game: written per player, as each sees a different view. */
    record State(String type, long seq, String roomId, long v, Object game, Object allowedActions)
            implements ServerEvent {
        State(long seq, String roomId, long v, Object game, Object allowedActions) {
            this("state", seq, roomId, v, game, allowedActions);
        }
    }

    /** A game event: {@code data} is the event's JSON. */
    record Event(String type, long seq, String roomId, long v, String name, @JsonRawValue String data)
            implements ServerEvent {
        Event(long seq, String roomId, long v, String name, String data) {
            this("event", seq, roomId, v, name, data);
        }
    }
}
