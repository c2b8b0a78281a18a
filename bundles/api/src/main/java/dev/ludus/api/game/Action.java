package dev.ludus.api.game;

import java.util.Map;
import java.util.Objects;

/**
 * Something a seat asks the game to do, for example {@code declare} with {@code {"piles": 2}}.
 * Timer expiries are actions too, so that replaying the action log reproduces them.
 *
 * @param seat the acting seat, {@code 0..seats-1}, or {@link #SYSTEM} for timer-driven actions
 * @param type the action type, defined by the game
 * @param args JSON-compatible arguments (strings, numbers, booleans, lists and maps of them); copied
 */
public record Action(int seat, String type, Map<String, Object> args) {

    /** The seat value of actions not taken by any player (timer expiries). */
    public static final int SYSTEM = -1;

    public Action {
        Objects.requireNonNull(type, "type");
        args = args == null ? Map.of() : Map.copyOf(args);
    }
}
