package dev.ludus.benchmarks.game;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import dev.ludus.game.liaptui.LiapTuiDefinition;

/**
 * Whole Liap Tui games, bots in all four seats, through the public game SPI.
 *
 * <ul>
 * <li>{@code botGame}: create a game and let the bots play it to GAME_OVER (bot decisions plus the
 *     engine), the figure the README quotes as games per second;</li>
 * <li>{@code replayGame}: the baseline, the same games replayed from their recorded actions (the
 *     engine alone, as in recovery), so the bots' share of the time is the difference;</li>
 * <li>{@code snapshotRestore}: snapshot a mid-game engine and restore it.</li>
 * </ul>
 *
 * Games cycle through 64 fixed seeds so every run measures the same games. Throughput is in games
 * per millisecond (x1000 for games per second); sample times give the median and p99 of one game.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LiapTuiBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class LiapTuiBenchmark {

    private static final int GAMES = 64;

    private final GameDefinition definition = new LiapTuiDefinition();
    private final List<GameSetup> setups = new ArrayList<>();
    private final List<List<Action>> recorded = new ArrayList<>();
    private final List<byte[]> midGame = new ArrayList<>();
    private int next;

    @Setup
    public void record() {
        for (int g = 0; g < GAMES; g++) {
            GameSetup setup = new GameSetup("bench-" + g, 0x5EEDL + g, players(), Map.of());
            setups.add(setup);
            GameEngine engine = definition.create(setup);
            List<Action> actions = new ArrayList<>();
            while (!engine.completed()) {
                Action a = move(engine);
                actions.add(a);
                if (actions.size() == 150) {
                    midGame.add(engine.snapshot());
                }
                engine.apply(a);
            }
            recorded.add(actions);
            if (midGame.size() <= g) {
                midGame.add(engine.snapshot());
            }
        }
    }

    private static List<GameSetup.Player> players() {
        List<GameSetup.Player> players = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            players.add(new GameSetup.Player("bot" + s, "Bot " + s, true));
        }
        return players;
    }

    /** The first seat's bot move, in seat order: what a table of four bots plays next. */
    public static Action move(GameEngine engine) {
        for (int s = 0; s < 4; s++) {
            Optional<Action> a = engine.botAction(s);
            if (a.isPresent()) {
                return a.get();
            }
        }
        throw new IllegalStateException("nobody to move");
    }

    private int nextGame() {
        int g = next;
        next = (next + 1) % GAMES;
        return g;
    }

    @Benchmark
    public Object botGame() {
        GameEngine engine = definition.create(setups.get(nextGame()));
        while (!engine.completed()) {
            ActionResult r = engine.apply(move(engine));
            if (r instanceof ActionResult.Rejected rejected) {
                throw new IllegalStateException(rejected.message());
            }
        }
        return engine.result();
    }

    @Benchmark
    public Object replayGame() {
        int g = nextGame();
        GameEngine engine = definition.create(setups.get(g));
        for (Action a : recorded.get(g)) {
            engine.apply(a);
        }
        return engine.result();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object snapshotRestore() {
        int g = nextGame();
        GameEngine engine = definition.restore(setups.get(g), midGame.get(g));
        return engine.snapshot();
    }
}
