package dev.ludus.game.liaptui;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.Test;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameSetup;

/**
 * Thousands of bot-only games to the end, with a random (mostly illegal) action thrown in before
 * every move. At every step: the independent {@link RulesOracle} agrees on which actions are legal
 * and checks every event (turn winners, scores, starters, the 32 pieces); rejected actions leave
 * the snapshot bytes unchanged; only the seat to move may act; bots only make legal moves; and
 * every game ends. Every third step, each seat's view must show exactly its own hand (as the
 * oracle tracks it), the scores and whose move it is.
 */
public class BotSimulationTest {

    private static final int GAMES = 2000;
    private static final int MAX_STEPS = 10_000;

    private static final List<String> TYPES = List.of("redeal_request", "redeal_decline", "redeal_timeout",
            "declare", "play", "pass", "");

    private final LiapTuiDefinition definition = new LiapTuiDefinition();

    /** What one game counted. */
    private record Counts(long actions, long fuzzAccepted, long fuzzRejected, long timeouts, int roundsScored,
                          int roundsHit, int rounds) {
        Counts plus(Counts o) {
            return new Counts(actions + o.actions, fuzzAccepted + o.fuzzAccepted, fuzzRejected + o.fuzzRejected,
                    timeouts + o.timeouts, roundsScored + o.roundsScored, roundsHit + o.roundsHit,
                    Math.max(rounds, o.rounds));
        }
    }

    @Test
    public void botOnlyGamesReachGameOverObeyingEveryRule() {
        // Each game has its own seeds, so they run on every core at once; the counts add up the same.
        Counts c = java.util.stream.IntStream.range(0, GAMES).parallel().mapToObj(this::play)
                .reduce(new Counts(0, 0, 0, 0, 0, 0, 0), Counts::plus);
        System.out.printf("%d games, %d bot moves, %d timeouts, fuzz %d rejected / %d accepted, "
                        + "declarations hit %.1f%%, longest game %d rounds%n", GAMES, c.actions(), c.timeouts(),
                c.fuzzRejected(), c.fuzzAccepted(), 100.0 * c.roundsHit() / (4.0 * c.roundsScored()), c.rounds());
        assertTrue("fuzzing exercised rejections", c.fuzzRejected() > c.actions() / 2);
        assertTrue("fuzzing also found legal moves", c.fuzzAccepted() > 100);
        // Random declarations hit far less often; bots aim for theirs.
        assertTrue("bots hit their declaration often", c.roundsHit() > 0.4 * 4 * c.roundsScored());
    }

    /** Plays game number {@code game} to its end, checking every rule on the way. */
    private Counts play(int game) {
        long actions = 0;
        long fuzzAccepted = 0;
        long fuzzRejected = 0;
        long timeouts = 0;
        // Vary the options a little so that both end conditions occur.
        Map<String, String> options = game % 10 == 0 ? Map.of("maxRounds", "3") : Map.of();
        GameSetup setup = Fixtures.setup(1000L + game * 7919L, options);
        GameEngine e = definition.create(setup);
        LiapTuiOptions o = LiapTuiOptions.parse(options);
        RulesOracle oracle = new RulesOracle(o.winScore(), o.maxRounds());
        oracle.start(e);
        SplittableRandom rng = new SplittableRandom(game);
        int steps = 0;
        while (!e.completed()) {
            assertTrue("game " + game + " ends", ++steps < MAX_STEPS);
            if (steps % 3 == 0) {
                checkViews(e, oracle);
            } else {
                for (int s = 0; s < 4; s++) {
                    assertEquals(s == oracle.toMove(), !e.allowedActions(s).isEmpty());
                }
            }

            Action fuzz = fuzz(rng, oracle);
            boolean legal = oracle.legal(fuzz);
            byte[] before = e.snapshot();
            long version = e.version();
            ActionResult r = e.apply(fuzz);
            if (r instanceof ActionResult.Rejected) {
                assertFalse("legal action rejected: " + fuzz + " -> " + r, legal);
                assertArrayEquals("a rejected action changes nothing: " + fuzz, before, e.snapshot());
                assertEquals(version, e.version());
                fuzzRejected++;
            } else {
                assertTrue("illegal action accepted: " + fuzz, legal);
                assertEquals(version + 1, e.version());
                oracle.accept(Fixtures.accepted(r));
                fuzzAccepted++;
                continue;
            }

            int seat = oracle.toMove();
            Action move;
            if (oracle.phase == RulesOracle.Phase.PREPARATION && rng.nextInt(3) == 0) {
                move = e.pendingTimer().orElseThrow().onExpiry();
                timeouts++;
            } else {
                move = e.botAction(seat).orElseThrow();
            }
            assertTrue("bot move is legal: " + move, oracle.legal(move));
            oracle.accept(Fixtures.accepted(e.apply(move)));
            actions++;

            if (steps % 97 == 0) {
                // Continue from a restored copy: it must be indistinguishable.
                byte[] snap = e.snapshot();
                GameEngine restored = definition.restore(setup, snap);
                assertArrayEquals(snap, restored.snapshot());
                for (int s = -1; s < 4; s++) {
                    assertEquals(e.view(s), restored.view(s));
                }
                e = restored;
            }
        }
        assertEquals(RulesOracle.Phase.OVER, oracle.phase);
        assertTrue(e.pendingTimer().isEmpty());
        for (int s = 0; s < 4; s++) {
            assertTrue(e.allowedActions(s).isEmpty());
            assertTrue(e.botAction(s).isEmpty());
        }
        Map<String, Object> result = e.result();
        assertEquals(true, result.get("completed"));
        assertEquals(RulesOracle.toList(oracle.scores), result.get("scores"));
        List<Integer> scores = RulesOracle.toList(oracle.scores);
        assertTrue(Collections.max(scores) >= o.winScore() || oracle.round == o.maxRounds());
        return new Counts(actions, fuzzAccepted, fuzzRejected, timeouts, oracle.roundsScored, oracle.roundsHit,
                oracle.round);
    }

    /** Each seat sees its own hand, its own allowed actions, and the same public state. */
    @SuppressWarnings("unchecked")
    private static void checkViews(GameEngine e, RulesOracle oracle) {
        int toMove = oracle.toMove();
        for (int s = 0; s < 4; s++) {
            Map<String, Object> view = e.view(s);
            List<String> hand = new ArrayList<>((List<String>) view.get("hand"));
            List<String> expected = new ArrayList<>(oracle.hands.get(s));
            Collections.sort(hand);
            Collections.sort(expected);
            assertEquals("seat " + s + " sees its own hand", expected, hand);
            assertEquals(toMove, view.get("toMove"));
            assertEquals(s == toMove, !e.allowedActions(s).isEmpty());
            assertEquals(s == toMove, e.botAction(s).isPresent());
            assertEquals(RulesOracle.toList(oracle.scores), view.get("scores"));
        }
        assertEquals(oracle.phase == RulesOracle.Phase.PREPARATION, e.pendingTimer().isPresent());
        assertFalse(e.view(-1).containsKey("hand"));
    }

    private static Action fuzz(SplittableRandom rng, RulesOracle oracle) {
        String type = TYPES.get(rng.nextInt(TYPES.size()));
        int seat = rng.nextInt(10) == 0 ? rng.nextInt(-2, 6) : oracle.toMove() >= 0 && rng.nextBoolean()
                ? oracle.toMove() : rng.nextInt(4);
        Map<String, Object> args;
        switch (type) {
            case "declare" -> args = switch (rng.nextInt(6)) {
                case 0 -> Map.of();
                case 1 -> Map.of("piles", String.valueOf(rng.nextInt(9)));
                case 2 -> Map.of("piles", rng.nextInt(9) + 0.5);
                case 3 -> Map.of("piles", (double) rng.nextInt(9));
                case 4 -> Map.of("piles", (long) rng.nextInt(-2, 11));
                default -> Map.of("piles", rng.nextInt(-1, 10));
            };
            case "play" -> {
                List<String> hand = seat >= 0 && seat < 4 ? oracle.hands.get(seat) : List.of();
                args = switch (rng.nextInt(6)) {
                    case 0 -> Map.of("pieces", "RED_GENERAL");
                    case 1 -> Map.of("pieces", List.of());
                    case 2 -> Map.of("pieces", List.of("RED_KING", 3));
                    case 3 -> Map.of("pieces", randomPieces(rng, List.of(Piece.values()).stream().map(Enum::name).toList()));
                    default -> Map.of("pieces", randomPieces(rng, hand));
                };
            }
            case "redeal_timeout" -> {
                seat = rng.nextInt(4) == 0 ? seat : Action.SYSTEM;
                args = Map.of("seat", oracle.askSeat + (rng.nextInt(4) == 0 ? 1 : 0),
                        "round", oracle.round, "deal", oracle.deal - (rng.nextInt(4) == 0 ? 1 : 0));
            }
            default -> args = rng.nextBoolean() ? Map.of() : Map.of("junk", List.of(1, 2));
        }
        return new Action(seat, type, args);
    }

    private static List<String> randomPieces(SplittableRandom rng, List<String> from) {
        if (from.isEmpty()) {
            return List.of("BLACK_SOLDIER");
        }
        List<String> pool = new ArrayList<>(from);
        int n = 1 + rng.nextInt(Math.min(6, pool.size()));
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            picked.add(pool.remove(rng.nextInt(pool.size())));
        }
        return picked;
    }
}
