package dev.ludus.api.game;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Implemented by a {@link GameEngine} whose fresh state already holds something players must be
 * told about, such as the first deal. A new engine from {@link GameDefinition#create(GameSetup)}
 * has taken no action, so it has returned no events; without this interface a client learns the
 * opening state only from its view.
 *
 * <p>The rooms runtime reads {@link #openingEvents()} once, right after creating the engine for a
 * game that starts, and delivers each event to the seats it is visible to, exactly as it delivers
 * the events of an accepted action. Engines restored from a snapshot are never asked.
 *
 * @since 1.2
 */
@ConsumerType
public interface OpeningEvents {

    /**
     * The events that brought the game to its first state (for example one {@code hand_dealt} per
     * seat), in order. Deterministic like every other output of the engine; never null.
     */
    List<GameEvent> openingEvents();
}
