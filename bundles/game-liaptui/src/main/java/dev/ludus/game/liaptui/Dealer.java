package dev.ludus.game.liaptui;

/**
 * Deals the 32 pieces, 8 to each of the 4 seats. Must be a pure function of its inputs: the engine
 * calls it again when a game is replayed.
 */
@FunctionalInterface
interface Dealer {

    /**
     * The hands of one deal, as counts per kind: {@code result[seat][kind]}.
     *
     * @param round 1-based round number
     * @param deal  0 for a round's first deal, then 1, 2, … for each redeal in that round
     */
    int[][] deal(int round, int deal);
}
