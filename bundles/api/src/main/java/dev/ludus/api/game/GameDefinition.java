package dev.ludus.api.game;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A game type, provided as an OSGi service by a game bundle. The rooms runtime finds games by
 * {@link #type()}; while no definition of a type is registered, games of that type pause and
 * resume when one returns.
 *
 * <p>Implementations must be thread safe and stateless: all game state lives in
 * {@link GameEngine} instances.
 */
@ConsumerType
public interface GameDefinition {

    /** Stable identifier of the game type, for example {@code liap-tui}. Lower case, no spaces. */
    String type();

    /** Human-readable name. */
    String displayName();

    /** Smallest number of seats a game can start with. */
    int minSeats();

    /** Largest number of seats. */
    int maxSeats();

    /**
     * Starts a new game.
     *
     * @throws IllegalArgumentException if the seat count or an option is not acceptable; the
     *                                  message says which
     */
    GameEngine create(GameSetup setup);

    /**
     * Rebuilds a game from {@link GameEngine#snapshot()}; the result behaves exactly like the engine
     * that produced the snapshot.
     *
     * @throws IllegalArgumentException if the bytes are not a snapshot this definition can read
     */
    GameEngine restore(GameSetup setup, byte[] snapshot);
}
