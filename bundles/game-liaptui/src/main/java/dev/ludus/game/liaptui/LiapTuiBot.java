package dev.ludus.game.liaptui;

import java.util.List;
import java.util.Map;

import dev.ludus.api.game.Action;
import dev.ludus.game.liaptui.LiapTuiEngine.TurnPlay;

/**
 * The built-in bot. A pure function of the engine state, so the same state always gets the same
 * move. It only ever returns legal actions: declarations come from the engine's own list of
 * allowed values, plays from the hand.
 *
 * <p>Strategy: estimate from the hand how many piles it can win (each play weighted by how many
 * stronger plays of its type the unseen pieces could form), declare that, then try to hit it:
 * while short of the declaration, lead and follow with plays nobody can beat (or the most likely
 * winner); once the declaration is reached, lead the weakest single and discard so as not to win,
 * shedding strong pieces that could win unwanted piles later.
 */
final class LiapTuiBot {

    private LiapTuiBot() {
    }

    static Action choose(LiapTuiEngine e, int seat) {
        return switch (e.phase) {
            case PREPARATION -> new Action(seat, wantsRedeal(e.hand(seat)) ? LiapTuiEngine.REDEAL_REQUEST
                    : LiapTuiEngine.REDEAL_DECLINE, Map.of());
            case DECLARATION -> new Action(seat, LiapTuiEngine.DECLARE, Map.of("piles", declaration(e, seat)));
            case TURN -> new Action(seat, LiapTuiEngine.PLAY, Map.of("pieces", choosePlay(e, seat).pieceIds()));
            case GAME_OVER -> throw new IllegalStateException("the game is over");
        };
    }

    /** A weak hand asks for a redeal unless it still expects to win something. */
    static boolean wantsRedeal(int[] hand) {
        return estimatePiles(hand) < 0.5;
    }

    /** The allowed declaration closest to the hand's estimate (the lower one on a tie). */
    static int declaration(LiapTuiEngine e, int seat) {
        double estimate = estimatePiles(e.hand(seat));
        int best = -1;
        for (int n : e.declareOptions(seat)) {
            if (best < 0 || Math.abs(n - estimate) < Math.abs(best - estimate) - 1e-9) {
                best = n;
            }
        }
        return best;
    }

    /**
     * Expected piles of a fresh hand: greedily split it into the plays worth most (pieces times the
     * chance that nobody holds a stronger play of the same type), multi-piece plays discounted
     * because they need the lead.
     */
    static double estimatePiles(int[] hand) {
        int[] h = hand.clone();
        int[] others = Piece.fullSet();
        for (int k = 0; k < Piece.KINDS; k++) {
            others[k] -= hand[k];
        }
        double total = 0;
        while (true) {
            Play best = null;
            double bestWorth = 0;
            for (Play p : Play.all(h)) {
                double worth = p.size() * winChance(p, others) * (p.size() > 1 ? 0.8 : 1.0);
                if (worth > bestWorth + 1e-9) {
                    best = p;
                    bestWorth = worth;
                }
            }
            if (best == null || bestWorth < 0.05) {
                return Math.min(total, Piece.HAND);
            }
            total += bestWorth;
            for (int k = 0; k < Piece.KINDS; k++) {
                h[k] -= best.count(k);
            }
        }
    }

    /** A rough chance that {@code p} wins, from how many stronger plays {@code others} can form. */
    static double winChance(Play p, int[] others) {
        int stronger = strongerPlays(p, others);
        return Math.pow(p.size() == 1 ? 0.5 : 0.7, stronger);
    }

    static int strongerPlays(Play p, int[] others) {
        int n = 0;
        for (Play q : Play.ofType(others, p.type())) {
            if (q.value() > p.value()) {
                n++;
            }
        }
        return n;
    }

    static Play choosePlay(LiapTuiEngine e, int seat) {
        int[] hand = e.hand(seat);
        int[] unseen = Piece.fullSet();
        int[] played = e.playedThisRound();
        for (int k = 0; k < Piece.KINDS; k++) {
            unseen[k] -= hand[k] + played[k];
        }
        int need = e.declared[seat] - e.won[seat];
        return e.lead() == null ? lead(hand, unseen, need) : follow(e, hand, unseen, need);
    }

    private static Play lead(int[] hand, int[] unseen, int need) {
        if (need <= 0) {
            return weakestSingle(hand);
        }
        Play best = null;
        double bestWorth = -1;
        boolean bestSafe = false;
        for (Play p : Play.all(hand)) {
            if (p.size() > need || p.size() > 6) {
                continue;
            }
            boolean safe = strongerPlays(p, unseen) == 0;
            double worth = p.size() * winChance(p, unseen);
            // Prefer sure plays, then more piles, then keep strength (the weaker of equal plays).
            boolean better;
            if (best == null) {
                better = true;
            } else if (safe != bestSafe) {
                better = safe;
            } else if (safe) {
                better = p.size() > best.size() || (p.size() == best.size() && p.value() < best.value());
            } else {
                better = worth > bestWorth + 1e-9;
            }
            if (better) {
                best = p;
                bestWorth = worth;
                bestSafe = safe;
            }
        }
        return best == null ? weakestSingle(hand) : best;
    }

    private static Play follow(LiapTuiEngine e, int[] hand, int[] unseen, int need) {
        Play lead = e.lead();
        TurnPlay current = e.currentBest();
        int n = lead.size();
        boolean last = e.plays.size() == LiapTuiEngine.SEATS - 1;
        // Winning n piles beats staying short when it leaves us closer to the declaration.
        boolean wantWin = need > 0 && n - need < need;
        if (wantWin) {
            Play weakestWinner = null;
            Play weakestSafe = null;
            Play strongest = null;
            List<Play> matching = Play.ofType(hand, lead.type()); // strongest first
            for (Play p : matching) {
                if (!p.beats(current.play())) {
                    continue;
                }
                if (strongest == null) {
                    strongest = p;
                }
                weakestWinner = p;
                if (strongerPlays(p, unseen) == 0) {
                    weakestSafe = p;
                }
            }
            if (weakestWinner != null) {
                if (last) {
                    return weakestWinner;
                }
                return weakestSafe != null ? weakestSafe : strongest;
            }
        }
        return discard(hand, n, current.play(), need > 0);
    }

    /**
     * The {@code n} pieces to give up without winning, if any choice avoids it: the weakest ones
     * while still short of the declaration (the strong ones may win later), the strongest ones
     * once it is reached (so they cannot win unwanted piles later).
     */
    private static Play discard(int[] hand, int n, Play best, boolean keepStrength) {
        int[] chosen = new int[Piece.KINDS];
        Choice choice = new Choice();
        combine(hand, 0, n, chosen, best, keepStrength, choice);
        return Play.of(choice.counts);
    }

    private static final class Choice {
        int[] counts;
        boolean wins;
        int sum;
    }

    private static void combine(int[] hand, int kind, int left, int[] chosen, Play best, boolean keepStrength,
                                Choice choice) {
        if (left == 0) {
            Play p = Play.of(chosen);
            boolean wins = p.beats(best);
            int sum = 0;
            for (int k = 0; k < Piece.KINDS; k++) {
                sum += chosen[k] * Piece.value(k);
            }
            boolean better;
            if (choice.counts == null) {
                better = true;
            } else if (wins != choice.wins) {
                better = !wins;
            } else {
                better = keepStrength ? sum < choice.sum : sum > choice.sum;
            }
            if (better) {
                choice.counts = chosen.clone();
                choice.wins = wins;
                choice.sum = sum;
            }
            return;
        }
        if (kind == Piece.KINDS) {
            return;
        }
        int max = Math.min(hand[kind], left);
        for (int take = max; take >= 0; take--) {
            chosen[kind] = take;
            combine(hand, kind + 1, left - take, chosen, best, keepStrength, choice);
        }
        chosen[kind] = 0;
    }

    private static Play weakestSingle(int[] hand) {
        for (int k = Piece.KINDS - 1; k >= 0; k--) {
            if (hand[k] > 0) {
                int[] c = new int[Piece.KINDS];
                c[k] = 1;
                return Play.of(c);
            }
        }
        throw new IllegalStateException("empty hand");
    }
}
