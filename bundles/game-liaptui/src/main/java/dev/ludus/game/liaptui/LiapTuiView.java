package dev.ludus.game.liaptui;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ludus.game.liaptui.LiapTuiEngine.Phase;
import dev.ludus.game.liaptui.LiapTuiEngine.TurnPlay;

/** Builds {@code GameEngine.view(seat)}: what one seat may see, as JSON-compatible maps and lists. */
final class LiapTuiView {

    private static final Map<String, Object> PIECE_VALUES;

    static {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Piece p : Piece.values()) {
            values.put(p.name(), p.value());
        }
        PIECE_VALUES = Collections.unmodifiableMap(values);
    }

    private LiapTuiView() {
    }

    static Map<String, Object> of(LiapTuiEngine e, int seat) {
        boolean player = seat >= 0 && seat < LiapTuiEngine.SEATS;
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("game", LiapTuiEngine.TYPE);
        v.put("seat", player ? seat : -1);
        v.put("phase", e.phase.name());
        v.put("round", e.round);
        v.put("maxRounds", e.options().maxRounds());
        v.put("winScore", e.options().winScore());
        v.put("multiplier", e.multiplier);
        v.put("starter", e.starter);
        v.put("toMove", e.toMove());
        v.put("allowedActions", e.allowedActions(seat));
        if (player) {
            v.put("hand", e.handIds(seat));
            v.put("weakHand", e.weak(seat));
        }
        int[] sizes = new int[LiapTuiEngine.SEATS];
        boolean[] mustDeclare = new boolean[LiapTuiEngine.SEATS];
        for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
            sizes[s] = e.handSize(s);
            mustDeclare[s] = e.zeroStreak[s] >= 2;
        }
        v.put("handSizes", LiapTuiEngine.ints(sizes));
        v.put("declarations", LiapTuiEngine.ints(e.declared));
        v.put("declarationTotal", e.declaredTotal());
        v.put("mustDeclareAtLeastOne", bools(mustDeclare));
        v.put("pilesWon", LiapTuiEngine.ints(e.won));
        v.put("scores", LiapTuiEngine.ints(e.scores));

        if (e.phase == Phase.PREPARATION) {
            v.put("redealOffer", Map.of("seat", e.askSeat, "timeoutMillis", e.options().redealTimeoutMillis()));
        }
        if (e.phase == Phase.DECLARATION && seat == e.toMove()) {
            v.put("declareOptions", e.declareOptions(seat));
        }
        if (e.phase == Phase.TURN) {
            v.put("turn", turn(e));
            if (seat == e.toMove()) {
                v.put("playOptions", playOptions(e, seat));
            }
        }
        if (e.lastTurn != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("number", e.lastTurn.number());
            t.put("winner", e.lastTurn.winner());
            t.put("piles", e.lastTurn.plays().get(0).play().size());
            t.put("plays", plays(e.lastTurn.plays()));
            v.put("lastTurn", t);
        }
        if (e.lastRound != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("round", e.lastRound.round());
            r.put("multiplier", e.lastRound.multiplier());
            r.put("declared", LiapTuiEngine.ints(e.lastRound.declared()));
            r.put("won", LiapTuiEngine.ints(e.lastRound.won()));
            r.put("delta", LiapTuiEngine.ints(e.lastRound.delta()));
            v.put("lastRound", r);
        }
        if (e.completed()) {
            v.put("winners", e.result().get("winners"));
        }
        v.put("pieceValues", PIECE_VALUES);
        return v;
    }

    private static Map<String, Object> turn(LiapTuiEngine e) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("number", e.turnNumber);
        t.put("leader", e.leader);
        Play lead = e.lead();
        t.put("pieceCount", lead == null ? 0 : lead.size());
        if (lead != null) {
            t.put("type", lead.type().name());
            t.put("winning", e.currentBest().seat());
        }
        t.put("plays", plays(e.plays));
        return t;
    }

    private static List<Object> plays(List<TurnPlay> plays) {
        List<Object> list = new ArrayList<>();
        for (TurnPlay tp : plays) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("seat", tp.seat());
            p.put("pieces", tp.play().pieceIds());
            p.put("type", tp.play().valid() ? tp.play().type().name() : "NONE");
            p.put("competes", tp.competes());
            p.put("value", tp.play().value());
            list.add(p);
        }
        return list;
    }

    /**
     * For the leader every valid play in hand; for a follower every play in hand of the lead's
     * type (any other choice of that many pieces is also legal, and is discarded).
     */
    private static List<Object> playOptions(LiapTuiEngine e, int seat) {
        Play lead = e.lead();
        List<Play> options = lead == null ? Play.all(e.hands[seat]) : Play.ofType(e.hands[seat], lead.type());
        Play best = lead == null ? null : e.currentBest().play();
        List<Object> list = new ArrayList<>();
        for (Play p : options) {
            if (p.size() > 6) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", p.type().name());
            m.put("pieces", p.pieceIds());
            m.put("value", p.value());
            if (best != null) {
                m.put("beatsCurrent", p.beats(best));
            }
            list.add(m);
        }
        return list;
    }

    private static List<Boolean> bools(boolean[] values) {
        List<Boolean> list = new ArrayList<>();
        for (boolean b : values) {
            list.add(b);
        }
        return List.copyOf(list);
    }
}
