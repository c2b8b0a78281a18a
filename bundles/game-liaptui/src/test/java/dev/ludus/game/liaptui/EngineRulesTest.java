package dev.ludus.game.liaptui;

import static dev.ludus.game.liaptui.Fixtures.accepted;
import static dev.ludus.game.liaptui.Fixtures.deal;
import static dev.ludus.game.liaptui.Fixtures.declare;
import static dev.ludus.game.liaptui.Fixtures.declareAll;
import static dev.ludus.game.liaptui.Fixtures.ids;
import static dev.ludus.game.liaptui.Fixtures.only;
import static dev.ludus.game.liaptui.Fixtures.play;
import static dev.ludus.game.liaptui.Fixtures.rejected;
import static dev.ludus.game.liaptui.Fixtures.types;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.TimerRequest;
import dev.ludus.game.liaptui.Fixtures.ScriptedDealer;
import dev.ludus.game.liaptui.LiapTuiEngine.Phase;

/** The rules of GAME.md, one at a time, on hand-picked deals. */
public class EngineRulesTest {

    /** No weak hand; seat 0 holds the RED GENERAL; see the hands in {@link #turnDealHands()}. */
    static final String[] TURN_DEAL = {
        "RG RC RH RN RS RS RS BS",
        "RA BC BH BN BS BS RS RS",
        "BG BA BA RE RE BE RC RH",
        "RA BE BC BH BN RN BS BS",
    };

    /** Seat 0 holds all eight pieces worth more than 9: seats 1, 2 and 3 are weak. */
    static final String[] STRONG_SEAT_0 = {"RG BG RA RA BA BA RE RE", null, null, null};

    @Test
    public void turnDealHands() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        for (int s = 0; s < 4; s++) {
            List<String> hand = new ArrayList<>(ids(TURN_DEAL[s]));
            List<String> seen = new ArrayList<>(e.handIds(s));
            hand.sort(null);
            seen.sort(null);
            assertEquals(hand, seen);
        }
    }

    // ------------------------------------------------------------------ starter

    @Test
    public void roundOneStartsWithTheRedGeneralHolder() {
        LiapTuiEngine e = Fixtures.engine("BG", "RA", "RG", "BA");
        assertEquals(Phase.DECLARATION, e.phase);
        assertEquals(2, e.starter);
        assertEquals(List.of("declare"), e.allowedActions(2));
        rejected("not_your_turn", declare(e, 0, 1));
        accepted(declare(e, 2, 1));
        accepted(declare(e, 3, 1));
        accepted(declare(e, 0, 1));
        rejected("not_your_turn", declare(e, 2, 1));
        List<GameEvent> events = accepted(declare(e, 1, 1));
        assertEquals(List.of("declared", "turn_started"), types(events));
        assertEquals("the starter leads the first turn", 2, only(events, "turn_started").data().get("leader"));
        assertEquals(2, e.toMove());
    }

    @Test
    public void laterRoundsStartWithTheWinnerOfTheLastTurn() {
        ScriptedDealer dealer = new ScriptedDealer(3).with(1, 0, deal(TURN_DEAL)).with(2, 0, deal("BG", "RA", "RG", "BA"));
        LiapTuiEngine e = Fixtures.engine(dealer);
        List<GameEvent> last = finishRoundWithBots(e);
        int lastWinner = -1;
        for (GameEvent ev : last) {
            if (ev.type().equals("turn_won")) {
                lastWinner = (Integer) ev.data().get("seat");
            }
        }
        assertEquals(2, e.round);
        assertNotEquals("the RED GENERAL does not decide round 2 here", 2, lastWinner);
        assertEquals(lastWinner, e.starter);
        assertEquals(lastWinner, only(last, "declaration_started").data().get("starter"));
    }

    // ------------------------------------------------------------------ redeal

    @Test
    public void weakHandsAreOfferedARedealInSeatOrderFromTheStarter() {
        LiapTuiEngine e = Fixtures.engine(STRONG_SEAT_0);
        assertEquals(Phase.PREPARATION, e.phase);
        assertEquals(0, e.starter);
        assertEquals(1, e.toMove());
        assertEquals(List.of("redeal_request", "redeal_decline"), e.allowedActions(1));
        assertTrue(e.allowedActions(0).isEmpty());
        rejected("not_your_turn", e.apply(new Action(2, "redeal_request", Map.of())));
        rejected("illegal_action", declare(e, 0, 3));

        List<GameEvent> ev = accepted(e.apply(new Action(1, "redeal_decline", Map.of())));
        assertEquals(List.of("redeal_declined", "redeal_offered"), types(ev));
        assertEquals(false, ev.get(0).data().get("timedOut"));
        assertEquals(2, e.toMove());
        accepted(e.apply(new Action(2, "redeal_decline", Map.of())));
        ev = accepted(e.apply(new Action(3, "redeal_decline", Map.of())));
        assertEquals(List.of("redeal_declined", "declaration_started"), types(ev));
        assertEquals(Phase.DECLARATION, e.phase);
        assertEquals(1, e.multiplier);
        assertEquals(0, e.starter);
        assertTrue(e.pendingTimer().isEmpty());
    }

    @Test
    public void aRedealRaisesTheMultiplierAndTheRequesterStarts() {
        ScriptedDealer dealer = new ScriptedDealer(1)
                .with(1, 0, deal(STRONG_SEAT_0))
                .with(1, 1, deal("BG", "RA", "BA", "RG"))   // no weak hand; RED GENERAL at seat 3
                .with(2, 0, deal("RG", "BG", "RA", "BA"));
        LiapTuiEngine e = Fixtures.engine(dealer);
        accepted(e.apply(new Action(1, "redeal_decline", Map.of())));
        List<GameEvent> ev = accepted(e.apply(new Action(2, "redeal_request", Map.of())));
        assertEquals(List.of("redeal_requested", "hand_dealt", "hand_dealt", "hand_dealt", "hand_dealt",
                "declaration_started"), types(ev));
        assertEquals(2, only(ev, "redeal_requested").data().get("multiplier"));
        assertEquals(2, e.multiplier);
        assertEquals(1, e.deal);
        assertEquals("the requester starts, not the RED GENERAL", 2, only(ev, "declaration_started").data().get("starter"));
        assertEquals(2, e.nextDeclarer());
        assertEquals(1, e.hand(3)[Piece.RED_GENERAL.ordinal()]);
        // The round is scored with x2, and the next round starts again at x1.
        List<GameEvent> round = finishRoundWithBots(e);
        GameEvent scored = only(round, "round_scored");
        assertEquals(2, scored.data().get("multiplier"));
        @SuppressWarnings("unchecked")
        List<Integer> delta = (List<Integer>) scored.data().get("delta");
        for (int s = 0; s < 4; s++) {
            int expected = LiapTuiEngine.roundScore(e.lastRound.declared()[s], e.lastRound.won()[s]) * 2;
            assertEquals(expected, (int) delta.get(s));
        }
        assertEquals(1, e.multiplier);
        assertEquals(2, e.round);
    }

    @Test
    public void redealsStackTheMultiplier() {
        ScriptedDealer dealer = new ScriptedDealer(1)
                .with(1, 0, deal(STRONG_SEAT_0))
                .with(1, 1, deal(STRONG_SEAT_0))
                .with(1, 2, deal("RG", "BG", "RA", "BA"));
        LiapTuiEngine e = Fixtures.engine(dealer);
        accepted(e.apply(new Action(1, "redeal_request", Map.of())));
        assertEquals(2, e.multiplier);
        assertEquals("offers start from the new starter's next weak seat", 1, e.toMove());
        accepted(e.apply(new Action(1, "redeal_decline", Map.of())));
        accepted(e.apply(new Action(2, "redeal_request", Map.of())));
        assertEquals(3, e.multiplier);
        assertEquals(2, e.starter);
        assertEquals(Phase.DECLARATION, e.phase);
        assertEquals(3, e.view(0).get("multiplier"));
    }

    @Test
    public void anUnansweredOfferIsDeclinedByTheTimer() {
        LiapTuiEngine e = Fixtures.engine(new ScriptedDealer(1).with(1, 0, deal(STRONG_SEAT_0)),
                Map.of("redealTimeoutMillis", "5000"));
        TimerRequest timer = e.pendingTimer().orElseThrow();
        assertEquals("redeal_answer", timer.name());
        assertEquals(5000, timer.delayMillis());
        assertEquals(Action.SYSTEM, timer.onExpiry().seat());
        assertEquals("redeal_timeout", timer.onExpiry().type());

        Action forSeat1 = timer.onExpiry();
        rejected("illegal_action", e.apply(new Action(1, "redeal_timeout", forSeat1.args())));
        rejected("bad_arguments", e.apply(new Action(Action.SYSTEM, "redeal_timeout", Map.of())));
        List<GameEvent> ev = accepted(e.apply(forSeat1));
        assertEquals(true, only(ev, "redeal_declined").data().get("timedOut"));
        assertEquals(1, only(ev, "redeal_declined").data().get("seat"));
        assertEquals(2, e.toMove());
        byte[] before = e.snapshot();
        rejected("illegal_action", e.apply(forSeat1)); // stale: that offer is closed
        assertArrayEquals(before, e.snapshot());
        // The new offer has a timer of its own; when the last one expires, declaration starts.
        accepted(e.apply(e.pendingTimer().orElseThrow().onExpiry()));
        ev = accepted(e.apply(e.pendingTimer().orElseThrow().onExpiry()));
        assertEquals("declaration_started", ev.get(ev.size() - 1).type());
        assertTrue(e.pendingTimer().isEmpty());
        rejected("illegal_action", e.apply(forSeat1));
    }

    // ------------------------------------------------------------------ declaration

    @Test
    public void theLastDeclarerMayNotMakeTheTotalEight() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        declareAll(e, 2, 2, 2);
        assertEquals(List.of(0, 1, 3, 4, 5, 6, 7, 8), e.view(3).get("declareOptions"));
        rejected("illegal_action", declare(e, 3, 2));
        assertEquals(Phase.DECLARATION, e.phase);
        accepted(declare(e, 3, 3));
        assertEquals(Phase.TURN, e.phase);
    }

    @Test
    public void aTotalAboveEightIsFine() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        declareAll(e, 8, 1, 0);
        assertEquals(9, e.declareOptions(3).size());
        accepted(declare(e, 3, 0));
    }

    @Test
    public void declarationsAreZeroToEightIntegers() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        rejected("illegal_action", declare(e, 0, 9));
        rejected("illegal_action", declare(e, 0, -1));
        rejected("bad_arguments", e.apply(new Action(0, "declare", Map.of("piles", "3"))));
        rejected("bad_arguments", e.apply(new Action(0, "declare", Map.of("piles", 2.5))));
        rejected("bad_arguments", e.apply(new Action(0, "declare", Map.of())));
        rejected("bad_arguments", e.apply(new Action(0, "declare", Map.of("piles", Double.NaN))));
        // JSON parsers may hand numbers over as doubles or longs.
        accepted(e.apply(new Action(0, "declare", Map.of("piles", 2.0))));
        accepted(e.apply(new Action(1, "declare", Map.of("piles", 1L))));
        assertEquals(List.of(2, 1, -1, -1), e.view(0).get("declarations"));
    }

    @Test
    public void afterTwoZeroRoundsAPlayerMustDeclareAtLeastOne() {
        LiapTuiEngine e = Fixtures.engine(new ScriptedDealer(11));
        int seat = 1;
        for (int round = 1; round <= 2; round++) {
            declineOffers(e);
            assertEquals(List.of(false, false, false, false), e.view(0).get("mustDeclareAtLeastOne"));
            declareUntil(e, seat);
            assertTrue(e.declareOptions(seat).contains(0));
            accepted(declare(e, seat, 0));
            declareUntil(e, -1);
            finishRoundWithBots(e);
        }
        declineOffers(e);
        assertEquals(List.of(false, true, false, false), e.view(0).get("mustDeclareAtLeastOne"));
        declareUntil(e, seat);
        assertFalse(e.declareOptions(seat).contains(0));
        rejected("illegal_action", declare(e, seat, 0));
        accepted(declare(e, seat, e.declareOptions(seat).get(0)));
        declareUntil(e, -1);
        finishRoundWithBots(e);
        declineOffers(e);
        declareUntil(e, seat);
        assertTrue("a non-zero declaration resets the streak", e.declareOptions(seat).contains(0));
    }

    // ------------------------------------------------------------------ turns

    @Test
    public void theLeaderMustPlayOneToSixPiecesFormingAValidPlay() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        declareAll(e, 2, 2, 2, 1);
        byte[] before = e.snapshot();
        rejected("illegal_action", play(e, 0, "RG RS"));                 // no valid play
        rejected("illegal_action", play(e, 0, "RC RH RS"));
        rejected("illegal_action", play(e, 0, "RG RC RH RN RS RS RS"));  // seven pieces
        rejected("illegal_action", play(e, 0, "BG"));                    // not in hand
        rejected("illegal_action", play(e, 0, "RS RS RS RS"));           // holds only three
        rejected("bad_arguments", e.apply(new Action(0, "play", Map.of("pieces", List.of()))));
        rejected("bad_arguments", e.apply(new Action(0, "play", Map.of("pieces", "RED_GENERAL"))));
        rejected("bad_arguments", e.apply(new Action(0, "play", Map.of("pieces", List.of("RED_KING")))));
        rejected("bad_arguments", e.apply(new Action(0, "play", Map.of("pieces", List.of(0)))));
        rejected("bad_arguments", e.apply(new Action(0, "play", Map.of())));
        rejected("not_your_turn", play(e, 1, "RA"));
        rejected("illegal_action", declare(e, 0, 1));
        assertArrayEquals("rejections change nothing", before, e.snapshot());
        accepted(play(e, 0, "RS RS RS"));
    }

    @Test
    public void followersPlayExactlyAsManyPiecesInSeatOrder() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        declareAll(e, 2, 2, 2, 1);
        accepted(play(e, 0, "RC RH RN"));
        rejected("not_your_turn", play(e, 2, "BG BA BE"));
        rejected("illegal_action", play(e, 1, "BC BH"));
        rejected("illegal_action", play(e, 1, "BC BH BN BS"));
        accepted(play(e, 1, "BC BH BN"));
        assertEquals(2, e.toMove());
        @SuppressWarnings("unchecked")
        Map<String, Object> turn = (Map<String, Object>) e.view(2).get("turn");
        assertEquals(3, turn.get("pieceCount"));
        assertEquals("STRAIGHT", turn.get("type"));
        assertEquals(0, turn.get("winning"));
    }

    @Test
    public void aStrongerPlayOfTheSameTypeWinsThePilesAndLeadsNext() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        declareAll(e, 2, 2, 2, 1);
        accepted(play(e, 0, "RC RH RN"));    // STRAIGHT 18
        accepted(play(e, 1, "BC BH BN"));    // STRAIGHT 15
        accepted(play(e, 2, "BG BA BE"));    // STRAIGHT 33
        List<GameEvent> ev = accepted(play(e, 3, "RA BE BS"));  // discard
        assertEquals(List.of("played", "turn_won", "turn_started"), types(ev));
        assertEquals(false, ev.get(0).data().get("competes"));
        assertEquals("NONE", ev.get(0).data().get("type"));
        GameEvent won = only(ev, "turn_won");
        assertEquals(2, won.data().get("seat"));
        assertEquals(3, won.data().get("piles"));
        assertEquals(33, won.data().get("value"));
        assertEquals(List.of(0, 0, 3, 0), e.view(0).get("pilesWon"));
        assertEquals(2, only(ev, "turn_started").data().get("leader"));
        assertEquals(2, e.toMove());
        assertEquals(List.of(5, 5, 5, 5), e.view(0).get("handSizes"));
        @SuppressWarnings("unchecked")
        Map<String, Object> last = (Map<String, Object>) e.view(1).get("lastTurn");
        assertEquals(2, last.get("winner"));
        assertEquals(4, ((List<?>) last.get("plays")).size());
    }

    @Test
    public void discardsAndOtherTypesNeverCompeteWhateverTheirSum() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        declareAll(e, 2, 2, 2, 1);
        accepted(play(e, 0, "RS RS RS"));                 // THREE_OF_A_KIND, 6
        List<GameEvent> ev = accepted(play(e, 1, "BC BH BN"));          // a STRAIGHT: another type
        assertEquals("STRAIGHT", ev.get(0).data().get("type"));
        assertEquals(false, ev.get(0).data().get("competes"));
        accepted(play(e, 2, "BG BA BA"));                 // 37 points, but no valid play
        ev = accepted(play(e, 3, "BS BS BN"));
        assertEquals(0, only(ev, "turn_won").data().get("seat"));
        assertEquals(3, only(ev, "turn_won").data().get("piles"));
    }

    @Test
    public void onATieTheEarlierPlayWins() {
        // seat 0: RG RS + fill; seat 1 and seat 3 each hold a BLACK ELEPHANT.
        LiapTuiEngine e = Fixtures.engine("RG RS", "BG BE", "RA", "RA BE");
        assertTrue(e.handIds(2).contains("BLACK_CANNON"));
        declareAll(e, 1, 1, 1, 1);
        accepted(play(e, 0, "RS"));
        accepted(play(e, 1, "BE"));
        accepted(play(e, 2, "BN"));
        List<GameEvent> ev = accepted(play(e, 3, "BE"));
        assertEquals("seat 1 played the 9 first", 1, only(ev, "turn_won").data().get("seat"));
    }

    // ------------------------------------------------------------------ scoring and the end

    @Test
    public void roundScoreFollowsTheFormula() {
        assertEquals(3, LiapTuiEngine.roundScore(0, 0));
        assertEquals(-1, LiapTuiEngine.roundScore(0, 1));
        assertEquals(-5, LiapTuiEngine.roundScore(0, 5));
        assertEquals(6, LiapTuiEngine.roundScore(1, 1));
        assertEquals(8, LiapTuiEngine.roundScore(3, 3));
        assertEquals(13, LiapTuiEngine.roundScore(8, 8));
        assertEquals(-2, LiapTuiEngine.roundScore(2, 4));
        assertEquals(-3, LiapTuiEngine.roundScore(4, 1));
        assertEquals(-1, LiapTuiEngine.roundScore(1, 0));
    }

    /**
     * Seat 0 holds the eight strongest pieces and wins every turn. Seat 1 asks for a redeal (x2)
     * and gets the same weak hand again, so it leads first.
     */
    @Test
    public void aFullRoundIsScoredWithTheMultiplierAndTheGameEnds() {
        ScriptedDealer dealer = new ScriptedDealer(5).with(1, 0, deal(STRONG_SEAT_0)).with(1, 1, deal(STRONG_SEAT_0));
        LiapTuiEngine e = Fixtures.engine(dealer, Map.of("maxRounds", "1"));
        accepted(e.apply(new Action(1, "redeal_request", Map.of())));
        for (int s = 1; s <= 3; s++) {
            accepted(e.apply(new Action(s, "redeal_decline", Map.of())));
        }
        assertEquals(1, e.starter);
        declareAll(e, 0, 0, 1, 8);     // seats 1, 2, 3, 0
        // Turn 1: seat 1 leads its weakest piece, seat 0 takes it.
        String[] mine = {"RG", "BG", "RA", "RA", "BA", "BA", "RE", "RE"};
        accepted(play(e, 1, codeOf(e.handIds(1).get(e.handIds(1).size() - 1))));
        accepted(play(e, 2, codeOf(e.handIds(2).get(e.handIds(2).size() - 1))));
        accepted(play(e, 3, codeOf(e.handIds(3).get(e.handIds(3).size() - 1))));
        accepted(play(e, 0, mine[0]));
        List<GameEvent> ev = null;
        for (int t = 1; t < 8; t++) {
            assertEquals(0, e.toMove());
            accepted(play(e, 0, mine[t]));
            for (int s = 1; s <= 3; s++) {
                List<String> hand = e.handIds(s);
                ev = accepted(play(e, s, codeOf(hand.get(hand.size() - 1))));
            }
        }
        GameEvent scored = only(ev, "round_scored");
        assertEquals(List.of(8, 0, 0, 0), scored.data().get("won"));
        assertEquals(List.of(8, 0, 0, 1), scored.data().get("declared"));
        assertEquals("(8+5)x2, 3x2, 3x2, -1x2", List.of(26, 6, 6, -2), scored.data().get("delta"));
        GameEvent over = only(ev, "game_over");
        assertEquals("max_rounds", over.data().get("reason"));
        assertEquals(List.of(0), over.data().get("winners"));
        assertTrue(e.completed());
        assertEquals(Phase.GAME_OVER, e.phase);
        assertEquals(List.of(0), e.result().get("winners"));
        assertEquals(List.of(26, 6, 6, -2), e.result().get("scores"));
        assertEquals(List.of(0), e.view(2).get("winners"));
        rejected("game_over", play(e, 0, "RG"));
        rejected("game_over", e.apply(new Action(Action.SYSTEM, "redeal_timeout", Map.of())));
        for (int s = 0; s < 4; s++) {
            assertTrue(e.allowedActions(s).isEmpty());
            assertTrue(e.botAction(s).isEmpty());
        }
    }

    @Test
    public void tiedTopScoresShareTheWin() {
        LiapTuiEngine e = Fixtures.engine(new ScriptedDealer(5).with(1, 0, deal(STRONG_SEAT_0)), Map.of("maxRounds", "1"));
        declineOffers(e);
        declareAll(e, 0, 0, 0, 0);
        List<GameEvent> ev = finishRoundWithBots(e);
        // Seat 0 cannot lose a turn with the eight strongest pieces: -8; the others +3 each.
        assertEquals(List.of(-8, 3, 3, 3), only(ev, "round_scored").data().get("scores"));
        assertEquals(List.of(1, 2, 3), only(ev, "game_over").data().get("winners"));
    }

    @Test
    public void theGameEndsAfterTheRoundInWhichSomeoneReachesTheWinScore() {
        LiapTuiEngine e = Fixtures.engine(new ScriptedDealer(5).with(1, 0, deal(STRONG_SEAT_0)), Map.of("winScore", "3"));
        declineOffers(e);
        declareAll(e, 0, 0, 0, 0);
        List<GameEvent> ev = finishRoundWithBots(e);
        assertEquals("win_score", only(ev, "game_over").data().get("reason"));
        assertTrue(e.completed());
        assertEquals(1, e.round);
    }

    @Test
    public void belowTheWinScoreTheNextRoundIsDealt() {
        LiapTuiEngine e = Fixtures.engine(new ScriptedDealer(5).with(1, 0, deal(STRONG_SEAT_0)), Map.of("winScore", "4"));
        declineOffers(e);
        declareAll(e, 0, 0, 0, 0);
        List<GameEvent> ev = finishRoundWithBots(e);
        assertTrue(types(ev).contains("round_started"));
        assertFalse(types(ev).contains("game_over"));
        assertEquals(2, e.round);
        assertEquals(List.of(8, 8, 8, 8), e.view(0).get("handSizes"));
        assertEquals("the winner of the last turn starts", 0, e.starter);
    }

    // ------------------------------------------------------------------ vocabulary and view

    @Test
    public void malformedActionsAreRejectedWithStableCodes() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        byte[] before = e.snapshot();
        rejected("unknown_action", e.apply(new Action(0, "resign", Map.of())));
        rejected("bad_arguments", e.apply(new Action(4, "declare", Map.of("piles", 1))));
        rejected("bad_arguments", e.apply(new Action(-7, "declare", Map.of("piles", 1))));
        rejected("bad_arguments", e.apply(null));
        rejected("not_your_turn", e.apply(new Action(Action.SYSTEM, "declare", Map.of("piles", 1))));
        rejected("illegal_action", e.apply(new Action(0, "redeal_request", Map.of())));
        rejected("illegal_action", play(e, 0, "RG"));
        assertArrayEquals(before, e.snapshot());
        assertEquals(0, e.version());
        accepted(declare(e, 0, 1));
        assertEquals(1, e.version());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void eachSeatSeesOnlyItsOwnHand() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        for (int s = 0; s < 4; s++) {
            Map<String, Object> view = e.view(s);
            List<String> hand = new ArrayList<>((List<String>) view.get("hand"));
            List<String> expected = new ArrayList<>(ids(TURN_DEAL[s]));
            hand.sort(null);
            expected.sort(null);
            assertEquals(expected, hand);
            String text = view.toString();
            for (int other = 0; other < 4; other++) {
                if (other != s) {
                    assertFalse(text.contains(e.handIds(other).toString()));
                }
            }
            assertEquals(List.of(8, 8, 8, 8), view.get("handSizes"));
            assertEquals(s, view.get("seat"));
        }
        Map<String, Object> spectator = e.view(-1);
        assertFalse(spectator.containsKey("hand"));
        assertEquals(List.of(), spectator.get("allowedActions"));
        assertEquals(14, ((Map<String, Object>) spectator.get("pieceValues")).get("RED_GENERAL"));
    }

    @Test
    public void dealtHandsGoOnlyToTheirOwner() {
        ScriptedDealer dealer = new ScriptedDealer(1).with(1, 0, deal(STRONG_SEAT_0));
        LiapTuiEngine e = Fixtures.engine(dealer);
        List<GameEvent> ev = accepted(e.apply(new Action(1, "redeal_request", Map.of())));
        int dealt = 0;
        for (GameEvent g : ev) {
            if (g.type().equals("hand_dealt")) {
                assertEquals(g.data().get("seat"), g.audience());
                assertEquals(e.handIds(g.audience()), g.data().get("hand"));
                dealt++;
            } else {
                assertEquals(GameEvent.EVERYONE, g.audience());
            }
        }
        assertEquals(4, dealt);
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theViewListsWhatTheSeatMayPlay() {
        LiapTuiEngine e = Fixtures.engine(TURN_DEAL);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), e.view(0).get("declareOptions"));
        assertFalse(e.view(1).containsKey("declareOptions"));
        declareAll(e, 2, 2, 2, 1);
        List<Map<String, Object>> options = (List<Map<String, Object>>) e.view(0).get("playOptions");
        List<String> types = new ArrayList<>();
        for (Map<String, Object> o : options) {
            types.add((String) o.get("type"));
        }
        assertTrue(types.containsAll(List.of("SINGLE", "PAIR", "THREE_OF_A_KIND", "STRAIGHT")));
        accepted(play(e, 0, "RC RH RN"));
        options = (List<Map<String, Object>>) e.view(1).get("playOptions");
        assertEquals(1, options.size());
        assertEquals(ids("BC BH BN"), options.get(0).get("pieces"));
        assertEquals(false, options.get(0).get("beatsCurrent"));
    }

    // ------------------------------------------------------------------ shorthands

    private static String codeOf(String id) {
        Piece p = Piece.parse(id).orElseThrow();
        return (p.colour() == Piece.RED ? "R" : "B") + "GAECHNS".charAt(p.nameIndex());
    }

    static void declineOffers(LiapTuiEngine e) {
        while (e.phase == Phase.PREPARATION) {
            accepted(e.apply(new Action(e.toMove(), "redeal_decline", Map.of())));
        }
    }

    /** Declares 1 (or the largest allowed value) for each seat until it is {@code seat}'s turn. */
    static void declareUntil(LiapTuiEngine e, int seat) {
        while (e.phase == Phase.DECLARATION && e.nextDeclarer() != seat) {
            int next = e.nextDeclarer();
            List<Integer> allowed = e.declareOptions(next);
            accepted(declare(e, next, allowed.contains(1) ? 1 : allowed.get(allowed.size() - 1)));
        }
    }

    /** Plays with bots until the round changes or the game ends; returns the events. */
    static List<GameEvent> finishRoundWithBots(LiapTuiEngine e) {
        int round = e.round;
        List<GameEvent> all = new ArrayList<>();
        while (e.round == round && !e.completed()) {
            all.addAll(accepted(e.apply(e.botAction(e.toMove()).orElseThrow())));
        }
        return all;
    }
}
