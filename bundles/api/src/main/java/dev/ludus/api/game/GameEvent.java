package dev.ludus.api.game;

import java.util.Map;
import java.util.Objects;

/**
 * Something that happened in a game, to be shown to players.
 *
 * @param type     event type, defined by the game (for example {@code turn_won})
 * @param audience the only seat allowed to see it (a player's own hand), or {@link #EVERYONE}
 * @param data     JSON-compatible payload; copied
 */
public record GameEvent(String type, int audience, Map<String, Object> data) {

    /** The audience value of events every seat may see. */
    public static final int EVERYONE = -1;

    public GameEvent {
        Objects.requireNonNull(type, "type");
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    /** Whether {@code seat} may see this event. */
    public boolean visibleTo(int seat) {
        return audience == EVERYONE || audience == seat;
    }
}
