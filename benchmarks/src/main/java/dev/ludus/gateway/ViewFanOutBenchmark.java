package dev.ludus.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameSetup;
import dev.ludus.benchmarks.game.LiapTuiBenchmark;
import dev.ludus.game.liaptui.LiapTuiDefinition;

/**
 * What one game action costs in views and their messages, the part of a node's fan-out that
 * grows with the seats: after each action the rooms runtime asks the engine for each seat's view
 * ({@code GameEngine.view}) and the gateway writes each player's {@code state} message from it
 * ({@link Protocol#state}). Games of Liap Tui are replayed from recorded bot games, one action per
 * operation, so every operation sees a new state, as a node does.
 *
 * <ul>
 * <li>{@code action}: the baseline, the action alone (the rules);</li>
 * <li>{@code actionAndViews}: the action and the four seats' views;</li>
 * <li>{@code actionViewsAndMessages}: the action, the views and the four players' {@code state}
 *     messages, as the gateway writes them.</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ViewFanOutBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class ViewFanOutBenchmark {

    private static final int GAMES = 32;
    private static final int SEATS = 4;

    private final GameDefinition definition = new LiapTuiDefinition();
    private final Protocol protocol = new Protocol();
    private final List<GameSetup> setups = new ArrayList<>();
    private final List<List<Action>> recorded = new ArrayList<>();
    private GameEngine engine;
    private int game = -1;
    private int step;
    private long seq;

    @Setup
    public void record() {
        for (int g = 0; g < GAMES; g++) {
            List<GameSetup.Player> players = new ArrayList<>();
            for (int s = 0; s < SEATS; s++) {
                players.add(new GameSetup.Player("p" + s, "Player " + s, false));
            }
            GameSetup setup = new GameSetup("view-" + g, 0xF00DL + g, players, Map.of());
            setups.add(setup);
            GameEngine e = definition.create(setup);
            List<Action> actions = new ArrayList<>();
            while (!e.completed()) {
                Action a = LiapTuiBenchmark.move(e);
                actions.add(a);
                e.apply(a);
            }
            recorded.add(actions);
        }
        nextGame();
    }

    private void nextGame() {
        game = (game + 1) % GAMES;
        engine = definition.create(setups.get(game));
        step = 0;
    }

    /** Applies the next recorded action, starting the next game when one ends. */
    private void act() {
        if (step == recorded.get(game).size()) {
            nextGame();
        }
        if (engine.apply(recorded.get(game).get(step++)) instanceof ActionResult.Rejected r) {
            throw new IllegalStateException(r.message());
        }
    }

    @Benchmark
    public long action() {
        act();
        return engine.version();
    }

    @Benchmark
    public int actionAndViews() {
        act();
        int n = 0;
        for (int s = 0; s < SEATS; s++) {
            n += engine.view(s).size() + engine.allowedActions(s).size();
        }
        return n;
    }

    @Benchmark
    public int actionViewsAndMessages() {
        act();
        int n = 0;
        for (int s = 0; s < SEATS; s++) {
            n += protocol.state(++seq, "r-7f3c2a91", engine.version(), engine.view(s), engine.allowedActions(s)).length();
        }
        return n;
    }
}
