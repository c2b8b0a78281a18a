package dev.ludus.game.liaptui;

import static dev.ludus.game.liaptui.Fixtures.accepted;
import static dev.ludus.game.liaptui.Fixtures.declareAll;
import static dev.ludus.game.liaptui.Fixtures.ids;
import static dev.ludus.game.liaptui.Fixtures.play;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.Test;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEngine;

/** The bot plays sensibly: see {@link LiapTuiBot}. Hands: {@link EngineRulesTest#TURN_DEAL}. */
public class LiapTuiBotTest {

    @SuppressWarnings("unchecked")
    private static List<String> pieces(Action a) {
        assertEquals("play", a.type());
        return (List<String>) a.args().get("pieces");
    }

    private static Action bot(LiapTuiEngine e, int seat) {
        Action a = e.botAction(seat).orElseThrow();
        assertEquals(a, e.botAction(seat).orElseThrow()); // same state, same move
        return a;
    }

    @Test
    public void declaresFromHandStrength() {
        // Seat 1 has a weak hand of odd pieces; seats 2 and 3 hold pairs and soldiers.
        LiapTuiEngine e = Fixtures.engine("RG BG RA RA BA BA RE RE", "BE BC RH BH RN BS RS RS");
        assertTrue(e.weak(1));
        // A weak hand with nothing to win asks for a redeal.
        assertEquals("redeal_request", bot(e, 1).type());
        EngineRulesTest.declineOffers(e);
        int strong = (Integer) bot(e, 0).args().get("piles");
        assertTrue("eight strongest pieces: " + strong, strong >= 6);
        accepted(e.apply(bot(e, 0)));
        int weak = (Integer) bot(e, 1).args().get("piles");
        assertEquals("odd low pieces declare nothing", 0, weak);

        double best = LiapTuiBot.estimatePiles(Fixtures.counts("RG BG RA RA BA BA RE RE"));
        double good = LiapTuiBot.estimatePiles(Fixtures.counts("RG RA RE BS BS BS RC BH"));
        double poor = LiapTuiBot.estimatePiles(Fixtures.counts("BE BC RH BH RN BS RS RS"));
        assertTrue(best + " > " + good + " > " + poor, best > good && good > poor);
        // A weak hand holding five soldiers has a play nobody can beat: no redeal.
        assertFalse(LiapTuiBot.wantsRedeal(Fixtures.counts("BS BS BS BS BS BN BH BC")));
        assertTrue(LiapTuiBot.wantsRedeal(Fixtures.counts("BE BC RH BH RN BS RS RS")));
    }

    @Test
    public void theBotsDeclarationRespectsTheRules() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 3, 3, 2);
        assertFalse(e.declareOptions(3).contains(0));
        int piles = (Integer) bot(e, 3).args().get("piles");
        assertTrue(e.declareOptions(3).contains(piles));
    }

    @Test
    public void aLeaderShortOfItsDeclarationLeadsWhatCannotBeBeaten() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 1, 2, 2, 1);
        assertEquals(ids("RG"), pieces(bot(e, 0)));
    }

    @Test
    public void aLeaderAtItsDeclarationLeadsItsWeakestPiece() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 0, 2, 2, 1);
        assertEquals(ids("BS"), pieces(bot(e, 0)));
    }

    @Test
    public void aFollowerShortOfItsDeclarationTakesTheTurn() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 2, 2, 2, 1);
        accepted(play(e, 0, "RC RH RN"));
        accepted(play(e, 1, "BC BH BN"));
        assertEquals(ids("BG BA BE"), pieces(bot(e, 2)));
    }

    @Test
    public void aFollowerAtItsDeclarationDoesNotWinAndShedsStrongPieces() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 2, 0, 2, 1);
        accepted(play(e, 0, "RS"));
        List<String> single = pieces(bot(e, 1));
        assertTrue(single + " must not beat a RED SOLDIER", RulesOracle.value(single.get(0)) <= 2);

        e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 2, 0, 2, 1);
        accepted(play(e, 0, "RC RH RN"));
        List<String> dump = pieces(bot(e, 1));
        assertEquals(3, dump.size());
        assertTrue("sheds the RED ADVISOR while it cannot win: " + dump, dump.contains("RED_ADVISOR"));
    }

    @Test
    public void aFollowerThatCannotWinDiscardsItsWeakestPiecesWhileShort() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        declareAll(e, 2, 2, 2, 1);
        accepted(play(e, 0, "RG"));
        List<String> single = pieces(bot(e, 1));
        assertEquals(ids("BS"), single);
    }

    @Test
    public void onlyTheSeatToMoveGetsABotAction() {
        LiapTuiEngine e = Fixtures.engine(EngineRulesTest.TURN_DEAL);
        assertTrue(e.botAction(0).isPresent());
        for (int s : new int[] {1, 2, 3, -1, 4}) {
            assertTrue(e.botAction(s).isEmpty());
        }
    }

    /**
     * Against three bots, a seat playing random legal moves ends far behind: the bots are not just
     * legal but play to their declarations.
     */
    @Test
    public void botsOutscoreRandomLegalPlay() {
        LiapTuiDefinition definition = new LiapTuiDefinition();
        long randomTotal = 0;
        long botTotal = 0;
        int games = 150;
        for (int g = 0; g < games; g++) {
            GameEngine e = definition.create(Fixtures.setup(500 + g, Map.of("maxRounds", "5", "winScore", "1000")));
            SplittableRandom rng = new SplittableRandom(g);
            int randomSeat = g % 4;
            while (!e.completed()) {
                int seat = -1;
                for (int s = 0; s < 4; s++) {
                    if (!e.allowedActions(s).isEmpty()) {
                        seat = s;
                    }
                }
                Action a = seat == randomSeat ? randomMove(e, seat, rng) : e.botAction(seat).orElseThrow();
                accepted(e.apply(a));
            }
            @SuppressWarnings("unchecked")
            List<Integer> scores = (List<Integer>) e.result().get("scores");
            for (int s = 0; s < 4; s++) {
                if (s == randomSeat) {
                    randomTotal += scores.get(s);
                } else {
                    botTotal += scores.get(s);
                }
            }
        }
        double randomAverage = randomTotal / (double) games;
        double botAverage = botTotal / (3.0 * games);
        System.out.printf("final score over 5 rounds: bots %.1f, random legal play %.1f%n", botAverage, randomAverage);
        assertTrue("bot " + botAverage + " vs random " + randomAverage, botAverage > randomAverage + 10);
        assertTrue("bots gain points on average over 5 rounds: " + botAverage, botAverage > 10);
    }

    @SuppressWarnings("unchecked")
    private static Action randomMove(GameEngine e, int seat, SplittableRandom rng) {
        Map<String, Object> view = e.view(seat);
        List<String> allowed = e.allowedActions(seat);
        String type = allowed.get(rng.nextInt(allowed.size()));
        switch (type) {
            case "declare": {
                List<Integer> options = (List<Integer>) view.get("declareOptions");
                return new Action(seat, type, Map.of("piles", options.get(rng.nextInt(options.size()))));
            }
            case "play": {
                Map<String, Object> turn = (Map<String, Object>) view.get("turn");
                int n = (Integer) turn.get("pieceCount");
                if (n == 0) {
                    List<Map<String, Object>> options = (List<Map<String, Object>>) view.get("playOptions");
                    return new Action(seat, type, Map.of("pieces", options.get(rng.nextInt(options.size())).get("pieces")));
                }
                List<String> hand = new ArrayList<>((List<String>) view.get("hand"));
                List<String> pick = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    pick.add(hand.remove(rng.nextInt(hand.size())));
                }
                return new Action(seat, type, Map.of("pieces", pick));
            }
            default:
                return new Action(seat, type, Map.of());
        }
    }
}
