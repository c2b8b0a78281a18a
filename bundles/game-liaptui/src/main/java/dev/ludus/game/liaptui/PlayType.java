package dev.ludus.game.liaptui;

/**
 * The valid plays, weakest type first. Plays only compete with plays of the same type, so the
 * order matters only for display.
 */
enum PlayType {
    /** Any one piece. */
    SINGLE(1),
    /** Two pieces of the same name and colour. */
    PAIR(2),
    /** Three SOLDIERs of one colour. */
    THREE_OF_A_KIND(3),
    /** GENERAL+ADVISOR+ELEPHANT or CHARIOT+HORSE+CANNON, one colour. */
    STRAIGHT(3),
    /** Four SOLDIERs of one colour. */
    FOUR_OF_A_KIND(4),
    /** One straight group, one colour, three distinct names, one of them twice. */
    EXTENDED_STRAIGHT(4),
    /** One straight group, one colour, three distinct names, two of them twice. */
    EXTENDED_STRAIGHT_5(5),
    /** Five SOLDIERs of one colour. */
    FIVE_OF_A_KIND(5),
    /** Two each of CHARIOT, HORSE and CANNON, one colour. */
    DOUBLE_STRAIGHT(6);

    private static final PlayType[] ALL = values();

    private final int size;

    PlayType(int size) {
        this.size = size;
    }

    /** Number of pieces a play of this type has. */
    int size() {
        return size;
    }

    static PlayType of(int ordinal) {
        return ALL[ordinal];
    }
}
