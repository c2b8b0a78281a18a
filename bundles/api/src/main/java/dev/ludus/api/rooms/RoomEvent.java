package dev.ludus.api.rooms;

import java.util.Map;
import java.util.Objects;

/**
 * Something that happened in a room, as delivered to one subscriber: a game event the
 * subscriber's seat may see, or a room event (seats, state).
 *
 * @param roomId  the room
 * @param version the room's stream version after the change that caused the event; a subscriber
 *                that missed events can compare it with {@link RoomInfo#version()}
 * @param type    event type: a game's event type, or one of {@code room_changed},
 *                {@code game_started}, {@code game_paused}, {@code game_resumed}, {@code game_over},
 *                or {@code view}: the subscriber's {@code GameEngine.view} under {@code game} and its
 *                allowed actions under {@code allowedActions}, sent when the game starts and after
 *                the events of every accepted action
 * @param data    the payload: JSON-compatible values, except for {@code room_changed}, whose
 *                {@code room} is the room's {@link RoomInfo} after the change (since 2.0; before,
 *                a map)
 */
public record RoomEvent(String roomId, long version, String type, Map<String, Object> data) {
    public RoomEvent {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(type, "type");
        data = data == null ? Map.of() : Map.copyOf(data);
    }
}
