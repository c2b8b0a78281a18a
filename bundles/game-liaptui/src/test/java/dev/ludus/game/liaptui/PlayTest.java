package dev.ludus.game.liaptui;

import static dev.ludus.game.liaptui.Fixtures.counts;
import static dev.ludus.game.liaptui.Fixtures.play;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.Test;

/** The valid plays of GAME.md, their strength, and comparisons. Codes: see {@link Fixtures#piece}. */
public class PlayTest {

    private static void valid(PlayType type, int value, String codes) {
        Play p = play(codes);
        assertEquals(codes, type, p.type());
        assertEquals(codes, value, p.value());
        assertEquals(type.size(), p.size());
    }

    private static void invalid(String codes) {
        assertNull(codes + " is no valid play", play(codes).type());
        assertEquals(0, play(codes).value());
    }

    @Test
    public void pieceValuesMatchTheTable() {
        int[] expected = {14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        for (Piece p : Piece.values()) {
            assertEquals(p.name(), expected[p.ordinal()], p.value());
            assertEquals(p.name(), p.colourName() + "_" + p.pieceName());
        }
        assertEquals(32, Arrays.stream(Piece.fullSet()).sum());
        assertEquals(1, Piece.RED_GENERAL.copies());
        assertEquals(2, Piece.BLACK_CANNON.copies());
        assertEquals(5, Piece.RED_SOLDIER.copies());
    }

    @Test
    public void singleIsAnyPiece() {
        for (Piece p : Piece.values()) {
            valid(PlayType.SINGLE, p.value(), codeOf(p));
        }
    }

    private static String codeOf(Piece p) {
        return (p.colour() == Piece.RED ? "R" : "B") + "GAECHNS".charAt(p.nameIndex());
    }

    @Test
    public void pairIsTwoOfTheSameNameAndColour() {
        valid(PlayType.PAIR, 24, "RA RA");
        valid(PlayType.PAIR, 2, "BS BS");
        invalid("RA BA");   // colours differ
        invalid("RA RE");   // names differ
        invalid("RG BG");
    }

    @Test
    public void kindsAreSoldiersOfOneColour() {
        valid(PlayType.THREE_OF_A_KIND, 6, "RS RS RS");
        valid(PlayType.THREE_OF_A_KIND, 3, "BS BS BS");
        valid(PlayType.FOUR_OF_A_KIND, 8, "RS RS RS RS");
        valid(PlayType.FIVE_OF_A_KIND, 5, "BS BS BS BS BS");
        valid(PlayType.FIVE_OF_A_KIND, 10, "RS RS RS RS RS");
        invalid("RS RS BS");
        invalid("RS RS BS BS");
        invalid("RS RS RS BS BS");
        invalid("RH RH RS");
        invalid("RS RS RS RS RS RS"); // six pieces, and only five exist
    }

    @Test
    public void onlySoldiersMakeKinds() {
        // Three or more of any other name cannot exist (two copies), but must not classify either.
        int[] c = new int[Piece.KINDS];
        c[Piece.RED_HORSE.ordinal()] = 3;
        assertNull(Play.of(c).type());
    }

    @Test
    public void straightIsOneGroupOneColour() {
        valid(PlayType.STRAIGHT, 36, "RG RA RE");
        valid(PlayType.STRAIGHT, 33, "BG BA BE");
        valid(PlayType.STRAIGHT, 18, "RC RH RN");
        valid(PlayType.STRAIGHT, 15, "BC BH BN");
        invalid("RG RA BE");  // mixed colours
        invalid("RE RC RH");  // across groups
        invalid("RA RE RC");
        invalid("RC RH RS");
        invalid("RC RC RH");  // two names only
    }

    @Test
    public void extendedStraightCountsOnlyItsThreeDistinctNames() {
        valid(PlayType.EXTENDED_STRAIGHT, 36, "RG RA RA RE");
        valid(PlayType.EXTENDED_STRAIGHT, 36, "RG RA RE RE");
        valid(PlayType.EXTENDED_STRAIGHT, 18, "RC RC RH RN");
        valid(PlayType.EXTENDED_STRAIGHT, 18, "RC RH RN RN");
        valid(PlayType.EXTENDED_STRAIGHT, 15, "BC BH BH BN");
        invalid("RC RH RN BN");  // mixed colours
        invalid("RC RC RH RH");  // two names
        invalid("RG RA RE RC");  // four names
        invalid("RC RH RN RS");
    }

    @Test
    public void extendedStraightOfFiveHasTwoNamesTwice() {
        valid(PlayType.EXTENDED_STRAIGHT_5, 36, "RG RA RA RE RE");
        valid(PlayType.EXTENDED_STRAIGHT_5, 18, "RC RC RH RH RN");
        valid(PlayType.EXTENDED_STRAIGHT_5, 18, "RC RH RH RN RN");
        valid(PlayType.EXTENDED_STRAIGHT_5, 15, "BC BC BH BN BN");
        invalid("RC RC RH RN BN");
        invalid("RC RC RH RH RS");
        invalid("RC RH RH RN RS");
        int[] c = counts("RC RH RN");
        c[Piece.RED_CHARIOT.ordinal()] = 3; // one name thrice is not "two of them twice"
        assertNull(Play.of(c).type());
    }

    @Test
    public void doubleStraightIsTwoChariotsHorsesAndCannons() {
        valid(PlayType.DOUBLE_STRAIGHT, 36, "RC RC RH RH RN RN");
        valid(PlayType.DOUBLE_STRAIGHT, 30, "BC BC BH BH BN BN");
        invalid("RC RC RH RH RN BN");
        invalid("RC RC RH RH RN RS");
        invalid("RA RA RE RE RC RC");
        invalid("RS RS RS RS RS RC");
    }

    @Test
    public void nothingLongerThanSixIsAPlay() {
        invalid("RC RC RH RH RN RN RS");
        invalid("RG RA RA RE RE RC RC RH");
    }

    @Test
    public void playsCompeteOnlyWithTheirOwnType() {
        Play redChc = play("RC RH RN");
        Play soldiers = play("RS RS RS");
        assertFalse("a stronger sum of another type does not beat", play("RG RA RE").beats(soldiers));
        assertFalse(soldiers.beats(redChc));
        assertTrue(play("RG RA RE").beats(redChc));
        assertFalse("invalid never beats", play("RG BA RE").beats(redChc));
    }

    @Test
    public void higherSumWinsAndATieDoesNotBeat() {
        assertTrue(play("RE RE").beats(play("BE BE")));
        assertTrue(play("RS RS RS").beats(play("BS BS BS")));
        assertFalse(play("BC BC").beats(play("BC BC")));
        // Extended straights of one group and colour always tie, whatever is doubled.
        assertFalse(play("RC RC RH RN").beats(play("RC RH RN RN")));
        assertFalse(play("RC RH RN RN").beats(play("RC RC RH RN")));
        // Counting all four pieces, BLACK CCHN (22) would tie RED CHNN (22); counting the three
        // distinct names, RED (18) beats BLACK (15).
        assertTrue(play("RC RH RN RN").beats(play("BC BC BH BN")));
        assertFalse(play("BC BC BH BN").beats(play("RC RH RN RN")));
        assertTrue(play("BG BA BE BE").beats(play("RC RC RH RN")));
    }

    @Test
    public void enumerationFindsEveryValidPlayOnce() {
        int[] hand = counts("RC RC RH RH RN RN RS RS");
        List<Play> all = Play.all(hand);
        Set<Play> distinct = new HashSet<>(all);
        assertEquals("no duplicates", all.size(), distinct.size());
        // Brute force: every sub-multiset that classifies must be listed.
        int found = 0;
        for (int a = 0; a <= 2; a++) {
            for (int b = 0; b <= 2; b++) {
                for (int c = 0; c <= 2; c++) {
                    for (int d = 0; d <= 2; d++) {
                        int[] sub = new int[Piece.KINDS];
                        sub[Piece.RED_CHARIOT.ordinal()] = a;
                        sub[Piece.RED_HORSE.ordinal()] = b;
                        sub[Piece.RED_CANNON.ordinal()] = c;
                        sub[Piece.RED_SOLDIER.ordinal()] = d;
                        Play p = Play.of(sub);
                        if (p.valid()) {
                            found++;
                            assertTrue(p + " listed", distinct.contains(p));
                        }
                    }
                }
            }
        }
        assertEquals(found, all.size());
        // singles 4, pairs 4, straight 1, extended 3, extended-5 3, double 1
        assertEquals(16, all.size());
        List<Play> pairs = Play.ofType(hand, PlayType.PAIR);
        assertEquals("strongest first", Fixtures.ids("RC RC"), pairs.get(0).pieceIds());
    }
}
