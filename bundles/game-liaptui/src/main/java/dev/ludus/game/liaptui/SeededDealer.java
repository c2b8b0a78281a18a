package dev.ludus.game.liaptui;

/**
 * Shuffles with SplitMix64, a generator defined entirely here, so a seed deals the same hands on
 * every JVM and in every future version of this bundle (replays and snapshots depend on it). Each
 * (round, deal) pair gets its own stream derived from the game seed.
 */
final class SeededDealer implements Dealer {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long seed;

    SeededDealer(long seed) {
        this.seed = seed;
    }

    @Override
    public int[][] deal(int round, int deal) {
        long state = mix(mix(seed ^ 0x4C69617054756930L) + round * GOLDEN);
        state = mix(state + (deal + 1L) * 0xBF58476D1CE4E5B9L);
        int[] deck = new int[Piece.TOTAL];
        int i = 0;
        for (int kind = 0; kind < Piece.KINDS; kind++) {
            for (int copy = 0; copy < Piece.of(kind).copies(); copy++) {
                deck[i++] = kind;
            }
        }
        // Fisher-Yates with unbiased bounded draws.
        for (int j = deck.length - 1; j > 0; j--) {
            long bound = j + 1L;
            long limit = Long.remainderUnsigned(-bound, bound); // 2^64 mod bound
            long r;
            do {
                state += GOLDEN;
                r = mix(state);
            } while (Long.compareUnsigned(r, limit) < 0);
            int pick = (int) Long.remainderUnsigned(r, bound);
            int t = deck[j];
            deck[j] = deck[pick];
            deck[pick] = t;
        }
        int[][] hands = new int[4][Piece.KINDS];
        for (int p = 0; p < deck.length; p++) {
            hands[p / Piece.HAND][deck[p]]++;
        }
        return hands;
    }

    /** The SplitMix64 output function (Steele, Lea, Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
