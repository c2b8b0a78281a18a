package dev.ludus.api.game;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One running game. Created by {@link GameDefinition#create(GameSetup)}; driven only by the
 * rooms runtime, which serialises calls per game.
 *
 * <p><b>Determinism.</b> The state is a pure function of the {@link GameSetup} and the sequence of
 * accepted actions: no clocks, no shared randomness, no I/O. Rejected actions change nothing.
 *
 * <p><b>Threading.</b> Not thread safe; the caller confines each engine to one thread at a time.
 */
@ConsumerType
public interface GameEngine {

    /** The setup this game was created from. */
    GameSetup setup();

    /** Number of actions accepted so far; the game's version. */
    long version();

    /**
     * Applies an action. Never throws for bad input: an illegal, malformed or out-of-turn action is
     * answered with {@link ActionResult.Rejected} and leaves the state unchanged.
     */
    ActionResult apply(Action action);

    /** Action types {@code seat} may take now; empty when it is not this seat's move. */
    List<String> allowedActions(int seat);

    /**
     * What {@code seat} may see of the state, as JSON-compatible data: its own hand, never another
     * seat's. Enough for a client to render the game without knowing the rules.
     */
    Map<String, Object> view(int seat);

    /**
     * A legal action for {@code seat} chosen by the game's bot, or empty when the seat has nothing
     * to do. Deterministic for a given state.
     */
    Optional<Action> botAction(int seat);

    /** The timer the engine wants running now, if any; re-read after every accepted action. */
    Optional<TimerRequest> pendingTimer();

    /** Whether the game has reached its terminal state; no action is accepted after that. */
    boolean completed();

    /** Final or current scores and outcome, as JSON-compatible data. */
    Map<String, Object> result();

    /**
     * The state as bytes, so the runtime can store snapshots and skip replaying old actions. The
     * format belongs to the game; {@link GameDefinition#restore(GameSetup, byte[])} must accept it
     * across versions of the game bundle with the same major version.
     */
    byte[] snapshot();
}
