package dev.ludus.game.liaptui;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.Test;

public class SeededDealerTest {

    @Test
    public void everyDealUsesTheThirtyTwoPiecesEightPerSeat() {
        SeededDealer dealer = new SeededDealer(-5);
        for (int round = 1; round <= 50; round++) {
            for (int deal = 0; deal < 3; deal++) {
                int[][] hands = dealer.deal(round, deal);
                int[] total = new int[Piece.KINDS];
                for (int[] h : hands) {
                    assertEquals(8, Arrays.stream(h).sum());
                    for (int k = 0; k < Piece.KINDS; k++) {
                        total[k] += h[k];
                    }
                }
                assertArrayEquals(Piece.fullSet(), total);
            }
        }
    }

    @Test
    public void sameSeedSameDealsAndRoundsAndRedealsDiffer() {
        Set<String> seen = new HashSet<>();
        for (int round = 1; round <= 20; round++) {
            for (int deal = 0; deal < 3; deal++) {
                int[][] a = new SeededDealer(42).deal(round, deal);
                int[][] b = new SeededDealer(42).deal(round, deal);
                assertEquals(Arrays.deepToString(a), Arrays.deepToString(b));
                assertFalse("round " + round + " deal " + deal + " repeats", !seen.add(Arrays.deepToString(a)));
            }
        }
        assertFalse(Arrays.deepEquals(new SeededDealer(42).deal(1, 0), new SeededDealer(43).deal(1, 0)));
    }

    /**
     * The deal for a seed is part of the replay format: games stored by one version of the bundle
     * must deal the same hands in the next. This pins one deal; change it only with a new major
     * version of the game.
     */
    @Test
    public void dealsAreStableAcrossVersions() {
        int[][] hands = new SeededDealer(20261126L).deal(1, 0);
        assertEquals(PINNED, Arrays.deepToString(hands));
    }

    private static final String PINNED = "[[0, 0, 1, 0, 1, 2, 0, 0, 1, 0, 2, 0, 1, 0], "
            + "[1, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 1, 2, 0], [0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 1, 2, 2], "
            + "[0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 3]]";

    @Test
    public void shuffleIsRoughlyUniform() {
        // Where does the RED GENERAL land? Each seat about a quarter of the time.
        int[] seats = new int[4];
        SeededDealer dealer = new SeededDealer(1);
        int n = 8000;
        for (int round = 1; round <= n; round++) {
            int[][] hands = dealer.deal(round, 0);
            for (int s = 0; s < 4; s++) {
                seats[s] += hands[s][Piece.RED_GENERAL.ordinal()];
            }
        }
        for (int s = 0; s < 4; s++) {
            assertEquals("seat " + s + " of " + Arrays.toString(seats), n / 4.0, seats[s], n * 0.03);
        }
    }
}
