package dev.ludus.api.game;

import java.util.Map;
import java.util.Objects;

/**
 * One action type a seat may send, and the arguments it accepts: the game's declaration, so that
 * the runtime refuses junk (unknown keys, values of the wrong kind) before it reaches the event
 * log. Every argument is optional as far as the runtime is concerned; the engine still decides
 * whether a missing or out-of-range argument is legal.
 *
 * @param type the action type, as in {@link Action#type()}
 * @param args argument name to the kind of value it holds; copied. Empty for an action without
 *             arguments.
 */
public record ActionSpec(String type, Map<String, ArgumentType> args) {
    public ActionSpec {
        Objects.requireNonNull(type, "type");
        args = args == null ? Map.of() : Map.copyOf(args);
    }

    /** An action that takes no arguments. */
    public static ActionSpec of(String type) {
        return new ActionSpec(type, Map.of());
    }

    /** An action with one argument. */
    public static ActionSpec of(String type, String arg, ArgumentType kind) {
        return new ActionSpec(type, Map.of(arg, kind));
    }
}
