package dev.ludus.game.liaptui;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameSetup;

public class LiapTuiDefinitionTest {

    private final LiapTuiDefinition definition = new LiapTuiDefinition();

    @Test
    public void describesTheGame() {
        assertEquals("liap-tui", definition.type());
        assertEquals("Liap Tui", definition.displayName());
        assertEquals(4, definition.minSeats());
        assertEquals(4, definition.maxSeats());
    }

    @Test
    public void aNewGameToldItsFirstDealAsEventsEachHandToItsOwnSeatAndARestoredOneTellsNothing() {
        GameEngine e = definition.create(Fixtures.setup(7));
        List<dev.ludus.api.game.GameEvent> opening = ((dev.ludus.api.game.OpeningEvents) e).openingEvents();
        assertEquals("round_started", opening.get(0).type());
        for (int seat = 0; seat < 4; seat++) {
            dev.ludus.api.game.GameEvent hand = opening.get(1 + seat);
            assertEquals("hand_dealt", hand.type());
            assertEquals("only its own seat sees a hand", seat, hand.audience());
            assertEquals(e.view(seat).get("hand"), hand.data().get("hand"));
        }
        String next = opening.get(5).type();
        assertTrue(next, next.equals("redeal_offered") || next.equals("declaration_started"));
        GameEngine restored = definition.restore(Fixtures.setup(7), e.snapshot());
        assertEquals(List.of(), ((dev.ludus.api.game.OpeningEvents) restored).openingEvents());
    }

    @Test
    public void declaresEveryActionASeatMakesInAWholeGameWithItsArguments() {
        Map<String, ActionSpec> declared = new java.util.HashMap<>();
        definition.actions().forEach(a -> declared.put(a.type(), a));
        GameEngine e = definition.create(Fixtures.setup(7, Map.of("maxRounds", "2")));
        int moves = 0;
        while (!e.completed() && moves < 10_000) {
            boolean moved = false;
            for (int seat = 0; seat < 4; seat++) {
                for (String allowed : e.allowedActions(seat)) {
                    assertTrue("allowed but not declared: " + allowed, declared.containsKey(allowed));
                }
                java.util.Optional<Action> bot = e.botAction(seat);
                if (bot.isPresent()) {
                    ActionSpec spec = declared.get(bot.get().type());
                    assertTrue("the bot's " + bot.get().type() + " is declared", spec != null);
                    bot.get().args().forEach((k, v) -> assertTrue(k + " of " + spec.type(),
                            spec.args().containsKey(k) && spec.args().get(k).accepts(v)));
                    e.apply(bot.get());
                    moves++;
                    moved = true;
                    break;
                }
            }
            if (!moved) {
                e.pendingTimer().ifPresent(t -> e.apply(t.onExpiry()));
            }
        }
        assertTrue("the game ended", e.completed());
        assertFalse("the timer's action is not a seat's", declared.containsKey("redeal_timeout"));
    }

    @Test
    public void createsAGameWithDefaultOptions() {
        GameEngine e = definition.create(Fixtures.setup(1));
        assertEquals(0, e.version());
        assertFalse(e.completed());
        Map<String, Object> view = e.view(0);
        assertEquals(20, view.get("maxRounds"));
        assertEquals(50, view.get("winScore"));
        assertEquals(1, view.get("round"));
        assertEquals(8, ((List<?>) view.get("hand")).size());
        assertEquals(LiapTuiOptions.DEFAULTS, LiapTuiOptions.parse(Map.of()));
        assertEquals(15_000, LiapTuiOptions.DEFAULTS.redealTimeoutMillis());
    }

    @Test
    public void acceptsOptionsInRange() {
        LiapTuiOptions o = LiapTuiOptions.parse(Map.of("maxRounds", "1", "winScore", " 100 ", "redealTimeoutMillis", "0"));
        assertEquals(new LiapTuiOptions(1, 100, 0), o);
        GameEngine e = definition.create(Fixtures.setup(1, Map.of("maxRounds", "7")));
        assertEquals(7, e.view(0).get("maxRounds"));
    }

    @Test
    public void rejectsBadOptionsNamingThem() {
        bad(Map.of("maxRounds", "0"), "maxRounds");
        bad(Map.of("maxRounds", "1001"), "maxRounds");
        bad(Map.of("maxRounds", "ten"), "maxRounds");
        bad(Map.of("winScore", "-5"), "winScore");
        bad(Map.of("winScore", "2.5"), "winScore");
        bad(Map.of("redealTimeoutMillis", "-1"), "redealTimeoutMillis");
        bad(Map.of("redealTimeoutMillis", "99999999999999999999"), "redealTimeoutMillis");
        bad(Map.of("maxround", "5"), "unknown");
    }

    private void bad(Map<String, String> options, String named) {
        try {
            definition.create(Fixtures.setup(1, options));
            fail("accepted " + options);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(named));
        }
    }

    @Test
    public void needsExactlyFourSeats() {
        for (int seats : new int[] {0, 3, 5}) {
            List<GameSetup.Player> players = new ArrayList<>();
            for (int s = 0; s < seats; s++) {
                players.add(new GameSetup.Player("p" + s, null, true));
            }
            try {
                definition.create(new GameSetup("g", 1, players, Map.of()));
                fail(seats + " seats");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("4 seats"));
            }
        }
    }
}
