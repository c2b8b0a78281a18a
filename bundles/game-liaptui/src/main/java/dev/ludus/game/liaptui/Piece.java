package dev.ludus.game.liaptui;

import java.util.Optional;

/**
 * The fourteen kinds of Liap Tui piece, strongest first, so that a kind's ordinal orders it and
 * {@code value() == 14 - ordinal()}. Two pieces of the same kind are interchangeable, which is why
 * the game identifies pieces by kind (for example {@code RED_SOLDIER}) rather than by copy.
 */
enum Piece {
    RED_GENERAL, BLACK_GENERAL,
    RED_ADVISOR, BLACK_ADVISOR,
    RED_ELEPHANT, BLACK_ELEPHANT,
    RED_CHARIOT, BLACK_CHARIOT,
    RED_HORSE, BLACK_HORSE,
    RED_CANNON, BLACK_CANNON,
    RED_SOLDIER, BLACK_SOLDIER;

    /** Number of piece kinds. */
    static final int KINDS = 14;

    /** Number of pieces in the set. */
    static final int TOTAL = 32;

    /** Pieces per seat in a deal. */
    static final int HAND = 8;

    // Name indexes (ordinal / 2).
    static final int GENERAL = 0;
    static final int ADVISOR = 1;
    static final int ELEPHANT = 2;
    static final int CHARIOT = 3;
    static final int HORSE = 4;
    static final int CANNON = 5;
    static final int SOLDIER = 6;

    static final int RED = 0;
    static final int BLACK = 1;

    private static final Piece[] ALL = values();
    private static final String[] NAMES = {"GENERAL", "ADVISOR", "ELEPHANT", "CHARIOT", "HORSE", "CANNON", "SOLDIER"};

    /** Points of this piece: RED GENERAL 14 down to BLACK SOLDIER 1. */
    int value() {
        return KINDS - ordinal();
    }

    /** The piece's name index, {@link #GENERAL} .. {@link #SOLDIER}. */
    int nameIndex() {
        return ordinal() >> 1;
    }

    /** {@link #RED} or {@link #BLACK}. */
    int colour() {
        return ordinal() & 1;
    }

    /** The piece's name without colour, for example {@code GENERAL}. */
    String pieceName() {
        return NAMES[nameIndex()];
    }

    /** {@code RED} or {@code BLACK}. */
    String colourName() {
        return colour() == RED ? "RED" : "BLACK";
    }

    /** How many copies of this kind the set holds: 1 GENERAL, 5 SOLDIERs, 2 of the others. */
    int copies() {
        int name = nameIndex();
        return name == GENERAL ? 1 : name == SOLDIER ? 5 : 2;
    }

    static Piece of(int kind) {
        return ALL[kind];
    }

    /** The kind with the given name index and colour. */
    static int kind(int nameIndex, int colour) {
        return nameIndex * 2 + colour;
    }

    static int value(int kind) {
        return KINDS - kind;
    }

    /** Parses an id such as {@code RED_GENERAL}; empty if it names no piece. */
    static Optional<Piece> parse(String id) {
        for (Piece p : ALL) {
            if (p.name().equals(id)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A new array with the number of copies of every kind in the full set. */
    static int[] fullSet() {
        int[] counts = new int[KINDS];
        for (Piece p : ALL) {
            counts[p.ordinal()] = p.copies();
        }
        return counts;
    }
}
