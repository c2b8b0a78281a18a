package dev.ludus.api.game;

import java.util.List;
import java.util.Objects;

/** The outcome of {@link GameEngine#apply(Action)}. */
public sealed interface ActionResult {

    /** The action was legal and has changed the state; {@code events} describe the change. */
    record Accepted(List<GameEvent> events) implements ActionResult {
        public Accepted {
            events = List.copyOf(events);
        }
    }

    /**
     * The action was refused and the state is unchanged.
     *
     * @param code    stable machine-readable reason, for example {@code not_your_turn} or
     *                {@code illegal_action}
     * @param message human-readable explanation
     */
    record Rejected(String code, String message) implements ActionResult {
        public Rejected {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }
}
