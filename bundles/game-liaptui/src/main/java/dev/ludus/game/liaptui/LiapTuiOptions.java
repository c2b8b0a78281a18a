package dev.ludus.game.liaptui;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one game, parsed from {@code GameSetup.options()}.
 *
 * @param maxRounds           the game ends after this round even if nobody reached {@code winScore}
 * @param winScore            the game ends after the round in which a score reaches this
 * @param redealTimeoutMillis how long a player with a weak hand has to answer a redeal offer
 */
record LiapTuiOptions(int maxRounds, int winScore, long redealTimeoutMillis) {

    static final String MAX_ROUNDS = "maxRounds";
    static final String WIN_SCORE = "winScore";
    static final String REDEAL_TIMEOUT = "redealTimeoutMillis";

    static final int DEFAULT_MAX_ROUNDS = 20;
    static final int DEFAULT_WIN_SCORE = 50;
    static final long DEFAULT_REDEAL_TIMEOUT = 15_000;

    static final int MAX_ROUNDS_LIMIT = 1000;
    static final int WIN_SCORE_LIMIT = 100_000;
    static final long REDEAL_TIMEOUT_LIMIT = 3_600_000;

    static final LiapTuiOptions DEFAULTS = new LiapTuiOptions(DEFAULT_MAX_ROUNDS, DEFAULT_WIN_SCORE, DEFAULT_REDEAL_TIMEOUT);

    LiapTuiOptions {
        check(MAX_ROUNDS, maxRounds, 1, MAX_ROUNDS_LIMIT);
        check(WIN_SCORE, winScore, 1, WIN_SCORE_LIMIT);
        check(REDEAL_TIMEOUT, redealTimeoutMillis, 0, REDEAL_TIMEOUT_LIMIT);
    }

    /**
     * Parses options; absent keys take their defaults.
     *
     * @throws IllegalArgumentException naming the option, if a key is unknown or a value is not an
     *                                  integer in range
     */
    static LiapTuiOptions parse(Map<String, String> options) {
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(Set.of(MAX_ROUNDS, WIN_SCORE, REDEAL_TIMEOUT));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown Liap Tui option(s) " + unknown
                    + "; known options are " + MAX_ROUNDS + ", " + WIN_SCORE + ", " + REDEAL_TIMEOUT);
        }
        return new LiapTuiOptions(
                (int) number(options, MAX_ROUNDS, DEFAULT_MAX_ROUNDS, 1, MAX_ROUNDS_LIMIT),
                (int) number(options, WIN_SCORE, DEFAULT_WIN_SCORE, 1, WIN_SCORE_LIMIT),
                number(options, REDEAL_TIMEOUT, DEFAULT_REDEAL_TIMEOUT, 0, REDEAL_TIMEOUT_LIMIT));
    }

    private static long number(Map<String, String> options, String key, long dflt, long min, long max) {
        String raw = options.get(key);
        if (raw == null) {
            return dflt;
        }
        long v;
        try {
            v = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be an integer from " + min + " to " + max
                    + ", got \"" + raw + "\"");
        }
        check(key, v, min, max);
        return v;
    }

    private static void check(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException("option " + key + " must be from " + min + " to " + max + ", got " + v);
        }
    }
}
