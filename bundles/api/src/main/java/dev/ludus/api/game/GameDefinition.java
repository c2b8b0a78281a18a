package dev.ludus.api.game;

import java.util.List;

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

    /**
     * The actions seats may send and the arguments each takes. When the list is not empty, the
     * rooms runtime refuses a player's action whose type is not listed ({@code unknown_action}), or
     * whose arguments hold a key not declared for it or a value of another kind
     * ({@code bad_arguments}), before the engine sees it and before anything is stored. Actions of
     * {@link Action#SYSTEM} (timers) and of the game's own bot are not checked.
     *
     * <p>The default, an empty list, declares nothing: only the runtime's generic size and depth
     * limits apply. Called often: return a constant. Must not block.
     */
    default List<ActionSpec> actions() {
        return List.of();
    }
}
