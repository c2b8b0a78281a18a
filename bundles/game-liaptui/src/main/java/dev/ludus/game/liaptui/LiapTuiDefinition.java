package dev.ludus.game.liaptui;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.ArgumentType;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameSetup;

/**
 * Liap Tui, the four-player trick-taking game with Chinese-chess pieces, as a
 * {@link GameDefinition}. Stateless and thread safe; each game lives in its own engine.
 *
 * <p>Options (all optional, decimal integers): {@code maxRounds} (1–1000, default 20),
 * {@code winScore} (1–100000, default 50), {@code redealTimeoutMillis} (0–3600000, default 15000).
 * Defaults are fixed rather than configurable: an engine must replay identically from its setup,
 * so nothing outside the setup may change what a game's options mean.
 */
@Component(service = GameDefinition.class, property = {"ludus.game.type=" + LiapTuiEngine.TYPE,
        // The rate limits of its actions per player (the gateway applies them; an operator's own
        // limitActions setting wins): a round has one declaration and eight plays per seat.
        "ludus.game.limits=declare=5/1m, play=20/1m, redeal_request=3/1m, redeal_decline=3/1m"})
public class LiapTuiDefinition implements GameDefinition {

    /** What seats may send; {@code redeal_timeout} is the runtime's timer, never a seat's. */
    private static final List<ActionSpec> ACTIONS = List.of(
            ActionSpec.of(LiapTuiEngine.REDEAL_REQUEST),
            ActionSpec.of(LiapTuiEngine.REDEAL_DECLINE),
            ActionSpec.of(LiapTuiEngine.DECLARE, "piles", ArgumentType.INTEGER),
            ActionSpec.of(LiapTuiEngine.PLAY, "pieces", ArgumentType.LIST));

    /** {@code liap-tui}. */
    @Override
    public String type() {
        return LiapTuiEngine.TYPE;
    }

    /** {@code Liap Tui}. */
    @Override
    public String displayName() {
        return "Liap Tui";
    }

    /** Always 4. */
    @Override
    public int minSeats() {
        return LiapTuiEngine.SEATS;
    }

    /** Always 4. */
    @Override
    public int maxSeats() {
        return LiapTuiEngine.SEATS;
    }

    /**
     * Starts a game: deals round 1 from {@code setup.seed()}. Does not block.
     *
     * @throws IllegalArgumentException if the setup does not have 4 seats or an option is unknown or
     *                                  out of range; the message names it
     */
    @Override
    public GameEngine create(GameSetup setup) {
        LiapTuiOptions options = validate(setup);
        return LiapTuiEngine.start(setup, options, new SeededDealer(setup.seed()));
    }

    /**
     * Rebuilds a game from {@link GameEngine#snapshot()}. Does not block.
     *
     * @throws IllegalArgumentException if the setup is invalid, or the bytes are not a snapshot
     *                                  (wrong format, corrupt, truncated, or of a game with another
     *                                  seed or other options)
     */
    @Override
    public GameEngine restore(GameSetup setup, byte[] snapshot) {
        LiapTuiOptions options = validate(setup);
        return SnapshotCodec.read(setup, options, new SeededDealer(setup.seed()), snapshot);
    }

    /**
     * {@code redeal_request}, {@code redeal_decline} (no arguments), {@code declare}
     * ({@code piles}: integer), {@code play} ({@code pieces}: list of piece ids). The runtime answers
     * anything else {@code unknown_action}, and other keys {@code bad_arguments}, before it is stored.
     */
    @Override
    public List<ActionSpec> actions() {
        return ACTIONS;
    }

    private static LiapTuiOptions validate(GameSetup setup) {
        if (setup == null) {
            throw new IllegalArgumentException("no setup");
        }
        if (setup.seats() != LiapTuiEngine.SEATS) {
            throw new IllegalArgumentException("Liap Tui needs exactly " + LiapTuiEngine.SEATS + " seats, got "
                    + setup.seats());
        }
        return LiapTuiOptions.parse(setup.options());
    }
}
