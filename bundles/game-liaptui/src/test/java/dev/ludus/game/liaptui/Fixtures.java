package dev.ludus.game.liaptui;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;

/** Test fixtures: setups, hand-picked deals, and short ways to act and assert. */
final class Fixtures {

    private Fixtures() {
    }

    static GameSetup setup(long seed) {
        return setup(seed, Map.of());
    }

    static GameSetup setup(long seed, Map<String, String> options) {
        List<GameSetup.Player> players = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            players.add(new GameSetup.Player("p" + s, "Player " + s, false));
        }
        return new GameSetup("game-" + seed, seed, players, options);
    }

    /**
     * Piece by short code: colour R/B then G(eneral), A(dvisor), E(lephant), C(hariot), H(orse),
     * N (cannon), S(oldier). For example {@code RG} is the RED GENERAL.
     */
    static Piece piece(String code) {
        int colour = switch (code.charAt(0)) {
            case 'R' -> Piece.RED;
            case 'B' -> Piece.BLACK;
            default -> throw new IllegalArgumentException(code);
        };
        int name = "GAECHNS".indexOf(code.charAt(1));
        if (name < 0 || code.length() != 2) {
            throw new IllegalArgumentException(code);
        }
        return Piece.of(Piece.kind(name, colour));
    }

    /** Counts per kind of space-separated codes. */
    static int[] counts(String codes) {
        int[] c = new int[Piece.KINDS];
        for (String code : codes.trim().split("\\s+")) {
            if (!code.isEmpty()) {
                c[piece(code).ordinal()]++;
            }
        }
        return c;
    }

    /** Piece ids of space-separated codes, as the {@code play} action takes them. */
    static List<String> ids(String codes) {
        List<String> ids = new ArrayList<>();
        for (String code : codes.trim().split("\\s+")) {
            ids.add(piece(code).name());
        }
        return ids;
    }

    static Play play(String codes) {
        return Play.of(counts(codes));
    }

    /**
     * A full deal: each seat gets the pieces named for it, then the rest of the set fills the
     * seats up to 8, strongest remaining first, in seat order.
     */
    static int[][] deal(String... seats) {
        int[][] hands = new int[4][];
        int[] left = Piece.fullSet();
        for (int s = 0; s < 4; s++) {
            hands[s] = s < seats.length && seats[s] != null ? counts(seats[s]) : new int[Piece.KINDS];
            for (int k = 0; k < Piece.KINDS; k++) {
                left[k] -= hands[s][k];
                if (left[k] < 0) {
                    throw new IllegalArgumentException("too many " + Piece.of(k));
                }
            }
        }
        for (int s = 0; s < 4; s++) {
            int size = Arrays.stream(hands[s]).sum();
            for (int k = 0; k < Piece.KINDS && size < Piece.HAND; k++) {
                while (left[k] > 0 && size < Piece.HAND) {
                    left[k]--;
                    hands[s][k]++;
                    size++;
                }
            }
        }
        return hands;
    }

    /** Deals given deals for chosen (round, deal) pairs and seeded deals otherwise. */
    static final class ScriptedDealer implements Dealer {
        private final Map<String, int[][]> deals = new HashMap<>();
        private final Dealer fallback;

        ScriptedDealer(long seed) {
            fallback = new SeededDealer(seed);
        }

        ScriptedDealer with(int round, int deal, int[][] hands) {
            deals.put(round + "/" + deal, hands);
            return this;
        }

        @Override
        public int[][] deal(int round, int deal) {
            int[][] hands = deals.get(round + "/" + deal);
            if (hands == null) {
                return fallback.deal(round, deal);
            }
            int[][] copy = new int[4][];
            for (int s = 0; s < 4; s++) {
                copy[s] = hands[s].clone();
            }
            return copy;
        }
    }

    static LiapTuiEngine engine(Dealer dealer) {
        return engine(dealer, Map.of());
    }

    static LiapTuiEngine engine(Dealer dealer, Map<String, String> options) {
        return LiapTuiEngine.start(setup(7, options), LiapTuiOptions.parse(options), dealer);
    }

    /** An engine whose round 1 is the given deal. */
    static LiapTuiEngine engine(String... seats) {
        return engine(new ScriptedDealer(7).with(1, 0, deal(seats)));
    }

    static ActionResult declare(LiapTuiEngine e, int seat, int piles) {
        return e.apply(new Action(seat, "declare", Map.of("piles", piles)));
    }

    static ActionResult play(LiapTuiEngine e, int seat, String codes) {
        return e.apply(new Action(seat, "play", Map.of("pieces", ids(codes))));
    }

    static List<GameEvent> accepted(ActionResult r) {
        if (r instanceof ActionResult.Accepted a) {
            return a.events();
        }
        ActionResult.Rejected rej = (ActionResult.Rejected) r;
        fail("expected accepted, got " + rej.code() + ": " + rej.message());
        return null;
    }

    static void rejected(String code, ActionResult r) {
        assertTrue("expected rejection " + code + ", got " + r, r instanceof ActionResult.Rejected);
        assertEquals(((ActionResult.Rejected) r).message(), code, ((ActionResult.Rejected) r).code());
        assertTrue("a rejection explains itself", ((ActionResult.Rejected) r).message().length() > 5);
    }

    /** Declarations in seat order from the engine's next declarer. */
    static void declareAll(LiapTuiEngine e, int... piles) {
        for (int p : piles) {
            accepted(declare(e, e.nextDeclarer(), p));
        }
    }

    static GameEvent only(List<GameEvent> events, String type) {
        GameEvent found = null;
        for (GameEvent ev : events) {
            if (ev.type().equals(type)) {
                assertTrue("one " + type + " event", found == null);
                found = ev;
            }
        }
        assertTrue("a " + type + " event in " + events, found != null);
        return found;
    }

    static List<String> types(List<GameEvent> events) {
        List<String> t = new ArrayList<>();
        for (GameEvent ev : events) {
            t.add(ev.type());
        }
        return t;
    }
}
