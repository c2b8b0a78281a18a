package dev.ludus.game.liaptui;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEvent;

/**
 * A second, independent reading of GAME.md, written without the engine's code: it follows a game
 * through its events (seeing every hand, like a referee), says which actions are legal, and checks
 * every turn winner, score and phase change the engine reports.
 */
final class RulesOracle {

    private static final Map<String, Integer> VALUES = new HashMap<>();
    private static final List<String> NAMES = List.of("GENERAL", "ADVISOR", "ELEPHANT", "CHARIOT", "HORSE", "CANNON", "SOLDIER");
    private static final Set<String> HIGH_GROUP = Set.of("GENERAL", "ADVISOR", "ELEPHANT");
    private static final Set<String> LOW_GROUP = Set.of("CHARIOT", "HORSE", "CANNON");

    static {
        int v = 14;
        for (String name : NAMES) {
            VALUES.put("RED_" + name, v--);
            VALUES.put("BLACK_" + name, v--);
        }
    }

    private final int winScore;
    private final int maxRounds;

    enum Phase { PREPARATION, DECLARATION, TURN, OVER }

    Phase phase;
    int round;
    int deal;
    int multiplier;
    int askSeat = -1;
    int requester = -1;
    int starter = -1;
    int lastTurnWinner = -1;
    int leader = -1;
    int turn;
    final List<List<String>> hands = new ArrayList<>();
    final List<String> playedThisRound = new ArrayList<>();
    final List<Object[]> turnPlays = new ArrayList<>(); // {seat, pieces}
    final int[] declared = new int[4];
    final int[] won = new int[4];
    final int[] scores = new int[4];
    final int[] zeroRounds = new int[4];
    int turnsWon;
    int roundsScored;
    int roundsHit;
    int declarationsSeen;

    RulesOracle(int winScore, int maxRounds) {
        this.winScore = winScore;
        this.maxRounds = maxRounds;
        for (int s = 0; s < 4; s++) {
            hands.add(new ArrayList<>());
        }
    }

    /**
     * Picks up a new game from the views of its four seats (creating a game emits no events: the
     * first deal is in the views).
     */
    @SuppressWarnings("unchecked")
    void start(dev.ludus.api.game.GameEngine engine) {
        round = 1;
        deal = 0;
        multiplier = 1;
        Arrays.fill(declared, -1);
        for (int s = 0; s < 4; s++) {
            Map<String, Object> view = engine.view(s);
            hands.get(s).addAll((List<String>) view.get("hand"));
        }
        checkFullSet();
        Map<String, Object> view = engine.view(-1);
        assertEquals(1, view.get("round"));
        if (view.get("phase").equals("PREPARATION")) {
            phase = Phase.PREPARATION;
            askSeat = (Integer) ((Map<String, Object>) view.get("redealOffer")).get("seat");
            assertTrue(weak(hands.get(askSeat)));
        } else {
            assertEquals("DECLARATION", view.get("phase"));
            phase = Phase.DECLARATION;
            starter = holderOf("RED_GENERAL");
            assertEquals("round 1 starts with the RED GENERAL", starter, view.get("starter"));
            for (List<String> h : hands) {
                assertFalse("no weak hand, no redeal offer", weak(h));
            }
        }
    }

    static int value(String id) {
        return VALUES.get(id);
    }

    static String nameOf(String id) {
        return id.substring(id.indexOf('_') + 1);
    }

    static String colourOf(String id) {
        return id.substring(0, id.indexOf('_'));
    }

    /** The type name of a set of piece ids under GAME.md, or null if it is no valid play. */
    static String typeOf(List<String> pieces) {
        int n = pieces.size();
        if (n == 1) {
            return "SINGLE";
        }
        Set<String> colours = new HashSet<>();
        Map<String, Integer> names = new TreeMap<>();
        for (String p : pieces) {
            colours.add(colourOf(p));
            names.merge(nameOf(p), 1, Integer::sum);
        }
        if (colours.size() != 1) {
            return null;
        }
        if (names.size() == 1) {
            String name = names.keySet().iterator().next();
            if (n == 2) {
                return "PAIR";
            }
            if (!name.equals("SOLDIER")) {
                return null;
            }
            return n == 3 ? "THREE_OF_A_KIND" : n == 4 ? "FOUR_OF_A_KIND" : n == 5 ? "FIVE_OF_A_KIND" : null;
        }
        boolean group = names.keySet().equals(HIGH_GROUP) || names.keySet().equals(LOW_GROUP);
        if (!group) {
            return null;
        }
        int twice = 0;
        for (int c : names.values()) {
            if (c > 2) {
                return null;
            }
            if (c == 2) {
                twice++;
            }
        }
        if (n == 3) {
            return "STRAIGHT";
        }
        if (n == 4 && twice == 1) {
            return "EXTENDED_STRAIGHT";
        }
        if (n == 5 && twice == 2) {
            return "EXTENDED_STRAIGHT_5";
        }
        if (n == 6 && twice == 3 && names.keySet().equals(LOW_GROUP)) {
            return "DOUBLE_STRAIGHT";
        }
        return null;
    }

    /** Points deciding between plays of one type. */
    static int strength(List<String> pieces, String type) {
        if (type.startsWith("EXTENDED_STRAIGHT")) {
            int sum = 0;
            for (String p : new HashSet<>(pieces)) {
                sum += value(p);
            }
            return sum;
        }
        int sum = 0;
        for (String p : pieces) {
            sum += value(p);
        }
        return sum;
    }

    static int score(int declared, int won) {
        if (declared == 0 && won == 0) {
            return 3;
        }
        if (declared == 0) {
            return -won;
        }
        if (declared == won) {
            return declared + 5;
        }
        return -Math.abs(declared - won);
    }

    int toMove() {
        return switch (phase) {
            case PREPARATION -> askSeat;
            case DECLARATION -> (starter + declarationsSeen) % 4;
            case TURN -> (leader + turnPlays.size()) % 4;
            case OVER -> -1;
        };
    }

    static boolean weak(List<String> hand) {
        for (String p : hand) {
            if (value(p) > 9) {
                return false;
            }
        }
        return true;
    }

    private static Integer integral(Object o) {
        if (!(o instanceof Number n)) {
            return null;
        }
        double d = n.doubleValue();
        if (d != Math.rint(d) || Math.abs(d) > 1_000_000) {
            return null;
        }
        return (int) d;
    }

    /** Whether GAME.md allows this action now. */
    boolean legal(Action a) {
        if (phase == Phase.OVER) {
            return false;
        }
        switch (a.type()) {
            case "redeal_request", "redeal_decline":
                return phase == Phase.PREPARATION && a.seat() == askSeat;
            case "redeal_timeout":
                return phase == Phase.PREPARATION && a.seat() == Action.SYSTEM
                        && Integer.valueOf(askSeat).equals(integral(a.args().get("seat")))
                        && Integer.valueOf(round).equals(integral(a.args().get("round")))
                        && Integer.valueOf(deal).equals(integral(a.args().get("deal")));
            case "declare": {
                if (phase != Phase.DECLARATION || a.seat() != toMove()) {
                    return false;
                }
                Integer piles = integral(a.args().get("piles"));
                if (piles == null || piles < 0 || piles > 8) {
                    return false;
                }
                if (piles == 0 && zeroRounds[a.seat()] >= 2) {
                    return false;
                }
                int total = piles;
                for (int s = 0; s < 4; s++) {
                    total += Math.max(0, declared[s]);
                }
                return !(declarationsSeen == 3 && total == 8);
            }
            case "play": {
                if (phase != Phase.TURN || a.seat() != toMove()) {
                    return false;
                }
                if (!(a.args().get("pieces") instanceof List<?> raw) || raw.isEmpty()) {
                    return false;
                }
                List<String> pieces = new ArrayList<>();
                for (Object o : raw) {
                    if (!(o instanceof String s) || !VALUES.containsKey(s)) {
                        return false;
                    }
                    pieces.add(s);
                }
                List<String> hand = new ArrayList<>(hands.get(a.seat()));
                for (String p : pieces) {
                    if (!hand.remove(p)) {
                        return false;
                    }
                }
                if (turnPlays.isEmpty()) {
                    return pieces.size() <= 6 && typeOf(pieces) != null;
                }
                return pieces.size() == ((List<?>) turnPlays.get(0)[1]).size();
            }
            default:
                return false;
        }
    }

    /** Follows and checks the events of one accepted action. */
    @SuppressWarnings("unchecked")
    void accept(List<GameEvent> events) {
        for (GameEvent ev : events) {
            Map<String, Object> d = ev.data();
            assertEquals("only hands are private: " + ev, ev.type().equals("hand_dealt") ? d.get("seat") : -1,
                    ev.audience());
            switch (ev.type()) {
                case "round_started" -> {
                    assertTrue(phase == null || phase == Phase.DECLARATION || phase == Phase.TURN);
                    assertEquals(round + 1, d.get("round"));
                    round++;
                    deal = 0;
                    multiplier = 1;
                    requester = -1;
                    Arrays.fill(declared, -1);
                    Arrays.fill(won, 0);
                    declarationsSeen = 0;
                    playedThisRound.clear();
                    for (List<String> h : hands) {
                        assertTrue("hands are empty when a round starts", h.isEmpty());
                    }
                }
                case "hand_dealt" -> {
                    int seat = (Integer) d.get("seat");
                    assertEquals(deal, d.get("deal"));
                    hands.get(seat).clear();
                    hands.get(seat).addAll((List<String>) d.get("hand"));
                    assertEquals(8, hands.get(seat).size());
                    assertEquals(weak(hands.get(seat)), d.get("weak"));
                    if (seat == 3) {
                        checkFullSet();
                    }
                }
                case "redeal_offered" -> {
                    phase = Phase.PREPARATION;
                    askSeat = (Integer) d.get("seat");
                    assertTrue("only weak hands are offered a redeal", weak(hands.get(askSeat)));
                }
                case "redeal_requested" -> {
                    assertEquals(askSeat, d.get("seat"));
                    requester = askSeat;
                    deal++;
                    multiplier++;
                    assertEquals(multiplier, d.get("multiplier"));
                    for (List<String> h : hands) {
                        h.clear();
                    }
                }
                case "redeal_declined" -> assertEquals(askSeat, d.get("seat"));
                case "declaration_started" -> {
                    phase = Phase.DECLARATION;
                    askSeat = -1;
                    int expected = requester >= 0 ? requester
                            : round == 1 ? holderOf("RED_GENERAL") : lastTurnWinner;
                    assertEquals("starter rule", expected, d.get("starter"));
                    starter = expected;
                    assertEquals(multiplier, d.get("multiplier"));
                }
                case "declared" -> {
                    int seat = (Integer) d.get("seat");
                    assertEquals("declaration order", toMove(), seat);
                    declared[seat] = (Integer) d.get("piles");
                    declarationsSeen++;
                }
                case "turn_started" -> {
                    assertEquals(4, declarationsSeen);
                    phase = Phase.TURN;
                    turn = (Integer) d.get("turn");
                    leader = (Integer) d.get("leader");
                    assertEquals("leader", turn == 1 ? starter : lastTurnWinner, leader);
                    turnPlays.clear();
                }
                case "played" -> {
                    int seat = (Integer) d.get("seat");
                    assertEquals("play order", toMove(), seat);
                    List<String> pieces = (List<String>) d.get("pieces");
                    for (String p : pieces) {
                        assertTrue(seat + " holds " + p, hands.get(seat).remove(p));
                        playedThisRound.add(p);
                    }
                    String type = typeOf(pieces);
                    assertEquals(type == null ? "NONE" : type, d.get("type"));
                    if (!turnPlays.isEmpty()) {
                        String leadType = typeOf((List<String>) turnPlays.get(0)[1]);
                        assertEquals(leadType.equals(type), d.get("competes"));
                    }
                    turnPlays.add(new Object[] {seat, pieces});
                }
                case "turn_won" -> {
                    assertEquals(4, turnPlays.size());
                    List<String> lead = (List<String>) turnPlays.get(0)[1];
                    String type = typeOf(lead);
                    int best = 0;
                    for (int i = 1; i < 4; i++) {
                        List<String> p = (List<String>) turnPlays.get(i)[1];
                        if (type.equals(typeOf(p)) && strength(p, type) > strength((List<String>) turnPlays.get(best)[1], type)) {
                            best = i;
                        }
                    }
                    int winner = (Integer) turnPlays.get(best)[0];
                    assertEquals("turn winner", winner, d.get("seat"));
                    assertEquals(lead.size(), d.get("piles"));
                    won[winner] += lead.size();
                    lastTurnWinner = winner;
                    turnsWon++;
                    turnPlays.clear();
                }
                case "round_scored" -> {
                    for (List<String> h : hands) {
                        assertTrue("a round is scored when every hand is empty", h.isEmpty());
                    }
                    assertEquals(32, playedThisRound.size());
                    int totalWon = 0;
                    List<Integer> delta = (List<Integer>) d.get("delta");
                    for (int s = 0; s < 4; s++) {
                        totalWon += won[s];
                        int expected = score(declared[s], won[s]) * multiplier;
                        assertEquals("score of seat " + s, expected, (int) delta.get(s));
                        scores[s] += expected;
                        zeroRounds[s] = declared[s] == 0 ? zeroRounds[s] + 1 : 0;
                        if (declared[s] == won[s]) {
                            roundsHit++;
                        }
                    }
                    assertEquals(8, totalWon);
                    assertEquals(toList(scores), d.get("scores"));
                    assertEquals(toList(won), d.get("won"));
                    assertEquals(toList(declared), d.get("declared"));
                    roundsScored++;
                    int top = Collections.max(toList(scores));
                    boolean ends = top >= winScore || round >= maxRounds;
                    if (ends) {
                        phase = Phase.OVER;
                    } else {
                        phase = null;
                    }
                }
                case "game_over" -> {
                    assertEquals(Phase.OVER, phase);
                    int top = Collections.max(toList(scores));
                    List<Integer> winners = new ArrayList<>();
                    for (int s = 0; s < 4; s++) {
                        if (scores[s] == top) {
                            winners.add(s);
                        }
                    }
                    assertEquals(winners, d.get("winners"));
                    assertEquals(toList(scores), d.get("scores"));
                }
                default -> throw new AssertionError("unknown event " + ev);
            }
        }
        assertFalse("the engine must rest in a phase", phase == null);
    }

    private int holderOf(String id) {
        for (int s = 0; s < 4; s++) {
            if (hands.get(s).contains(id)) {
                return s;
            }
        }
        throw new AssertionError(id + " not dealt");
    }

    /** Hands plus pieces played this round are exactly the 32 pieces. */
    void checkFullSet() {
        Map<String, Integer> all = new TreeMap<>();
        for (List<String> h : hands) {
            for (String p : h) {
                all.merge(p, 1, Integer::sum);
            }
        }
        for (String p : playedThisRound) {
            all.merge(p, 1, Integer::sum);
        }
        Map<String, Integer> expected = new TreeMap<>();
        for (String id : VALUES.keySet()) {
            String name = nameOf(id);
            expected.put(id, name.equals("GENERAL") ? 1 : name.equals("SOLDIER") ? 5 : 2);
        }
        assertEquals("the 32 pieces", expected, all);
    }

    static List<Integer> toList(int[] values) {
        List<Integer> l = new ArrayList<>();
        for (int v : values) {
            l.add(v);
        }
        return l;
    }
}
