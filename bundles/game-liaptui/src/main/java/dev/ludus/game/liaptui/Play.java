package dev.ludus.game.liaptui;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of pieces put down together, with its type and strength. Immutable.
 *
 * <p>{@link #type()} is {@code null} when the pieces form no valid play (a follower's discard).
 */
final class Play {

    private final int[] counts;
    private final int size;
    private final PlayType type;
    private final int value;

    private Play(int[] counts, int size, PlayType type, int value) {
        this.counts = counts;
        this.size = size;
        this.type = type;
        this.value = value;
    }

    /** Classifies the pieces given as counts per kind; the array is copied. */
    static Play of(int[] counts) {
        int[] c = counts.clone();
        int size = 0;
        for (int n : c) {
            size += n;
        }
        PlayType type = classify(c, size);
        return new Play(c, size, type, type == null ? 0 : strength(c, type));
    }

    /** Classifies the given pieces. */
    static Play of(Piece... pieces) {
        int[] c = new int[Piece.KINDS];
        for (Piece p : pieces) {
            c[p.ordinal()]++;
        }
        return of(c);
    }

    /** The play's type, or {@code null} if the pieces form no valid play. */
    PlayType type() {
        return type;
    }

    boolean valid() {
        return type != null;
    }

    /**
     * Points that decide between two plays of the same type: the sum of the pieces, except that
     * extended straights count only their three distinct names once each. 0 for invalid plays.
     */
    int value() {
        return value;
    }

    /** Number of pieces. */
    int size() {
        return size;
    }

    /** Copies of {@code kind} in this play. */
    int count(int kind) {
        return counts[kind];
    }

    /** A copy of the counts per kind. */
    int[] counts() {
        return counts.clone();
    }

    /** Whether this play is of the same type as {@code best} and strictly stronger (a tie does not beat). */
    boolean beats(Play best) {
        return type != null && type == best.type && value > best.value;
    }

    /** The pieces as ids, strongest first, for example {@code [RED_HORSE, RED_HORSE]}. */
    List<String> pieceIds() {
        List<String> ids = new ArrayList<>(size);
        for (int k = 0; k < Piece.KINDS; k++) {
            for (int i = 0; i < counts[k]; i++) {
                ids.add(Piece.of(k).name());
            }
        }
        return ids;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Play p && Arrays.equals(counts, p.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return (type == null ? "INVALID" : type.name()) + pieceIds();
    }

    private static PlayType classify(int[] c, int size) {
        if (size < 1 || size > 6) {
            return null;
        }
        if (size == 1) {
            return PlayType.SINGLE;
        }
        int colour = -1;
        int distinctKinds = 0;
        int maxCopies = 0;
        int names = 0; // bit per name index
        for (int k = 0; k < Piece.KINDS; k++) {
            if (c[k] == 0) {
                continue;
            }
            if (colour == -1) {
                colour = k & 1;
            } else if (colour != (k & 1)) {
                return null;
            }
            distinctKinds++;
            maxCopies = Math.max(maxCopies, c[k]);
            names |= 1 << (k >> 1);
        }
        if (distinctKinds == 1) {
            boolean soldiers = names == 1 << Piece.SOLDIER;
            return switch (size) {
                case 2 -> PlayType.PAIR;
                case 3 -> soldiers ? PlayType.THREE_OF_A_KIND : null;
                case 4 -> soldiers ? PlayType.FOUR_OF_A_KIND : null;
                case 5 -> soldiers ? PlayType.FIVE_OF_A_KIND : null;
                default -> null;
            };
        }
        boolean straightGroup = names == GENERALS_GROUP || names == CHARIOTS_GROUP;
        if (!straightGroup || maxCopies > 2) {
            return null;
        }
        return switch (size) {
            case 3 -> PlayType.STRAIGHT;
            case 4 -> PlayType.EXTENDED_STRAIGHT;
            case 5 -> PlayType.EXTENDED_STRAIGHT_5;
            case 6 -> names == CHARIOTS_GROUP ? PlayType.DOUBLE_STRAIGHT : null;
            default -> null;
        };
    }

    static final int GENERALS_GROUP = (1 << Piece.GENERAL) | (1 << Piece.ADVISOR) | (1 << Piece.ELEPHANT);
    static final int CHARIOTS_GROUP = (1 << Piece.CHARIOT) | (1 << Piece.HORSE) | (1 << Piece.CANNON);

    private static int strength(int[] c, PlayType type) {
        boolean distinctOnly = type == PlayType.EXTENDED_STRAIGHT || type == PlayType.EXTENDED_STRAIGHT_5;
        int sum = 0;
        for (int k = 0; k < Piece.KINDS; k++) {
            if (c[k] > 0) {
                sum += Piece.value(k) * (distinctOnly ? 1 : c[k]);
            }
        }
        return sum;
    }

    /**
     * Every valid play that can be formed from {@code available} (counts per kind), each distinct
     * multiset of pieces once, in a fixed order: by type, then strongest first.
     */
    static List<Play> all(int[] available) {
        List<Play> plays = new ArrayList<>();
        for (PlayType t : PlayType.values()) {
            plays.addAll(ofType(available, t));
        }
        return plays;
    }

    /** Every valid play of type {@code type} that can be formed from {@code available}, strongest first. */
    static List<Play> ofType(int[] available, PlayType type) {
        List<Play> plays = new ArrayList<>();
        switch (type) {
            case SINGLE -> {
                for (int k = 0; k < Piece.KINDS; k++) {
                    if (available[k] >= 1) {
                        plays.add(build(k, 1));
                    }
                }
            }
            case PAIR -> {
                for (int k = 0; k < Piece.KINDS; k++) {
                    if (available[k] >= 2) {
                        plays.add(build(k, 2));
                    }
                }
            }
            case THREE_OF_A_KIND, FOUR_OF_A_KIND, FIVE_OF_A_KIND -> {
                for (int colour = Piece.RED; colour <= Piece.BLACK; colour++) {
                    int k = Piece.kind(Piece.SOLDIER, colour);
                    if (available[k] >= type.size()) {
                        plays.add(build(k, type.size()));
                    }
                }
            }
            case STRAIGHT, EXTENDED_STRAIGHT, EXTENDED_STRAIGHT_5 -> {
                int extra = type.size() - 3; // names played twice
                for (int group : new int[] {Piece.GENERAL, Piece.CHARIOT}) {
                    for (int colour = Piece.RED; colour <= Piece.BLACK; colour++) {
                        int[] k = {Piece.kind(group, colour), Piece.kind(group + 1, colour), Piece.kind(group + 2, colour)};
                        // Which names are doubled: every subset of size `extra` of the three, in a fixed order.
                        for (int mask = 0; mask < 8; mask++) {
                            if (Integer.bitCount(mask) != extra) {
                                continue;
                            }
                            int[] c = new int[Piece.KINDS];
                            boolean ok = true;
                            for (int i = 0; i < 3; i++) {
                                c[k[i]] = (mask & (1 << i)) != 0 ? 2 : 1;
                                ok &= available[k[i]] >= c[k[i]];
                            }
                            if (ok) {
                                plays.add(of(c));
                            }
                        }
                    }
                }
            }
            case DOUBLE_STRAIGHT -> {
                for (int colour = Piece.RED; colour <= Piece.BLACK; colour++) {
                    int[] c = new int[Piece.KINDS];
                    boolean ok = true;
                    for (int name = Piece.CHARIOT; name <= Piece.CANNON; name++) {
                        int k = Piece.kind(name, colour);
                        c[k] = 2;
                        ok &= available[k] >= 2;
                    }
                    if (ok) {
                        plays.add(of(c));
                    }
                }
            }
            default -> throw new AssertionError(type);
        }
        plays.sort((a, b) -> Integer.compare(b.value, a.value));
        return plays;
    }

    private static Play build(int kind, int copies) {
        int[] c = new int[Piece.KINDS];
        c[kind] = copies;
        return of(c);
    }
}
