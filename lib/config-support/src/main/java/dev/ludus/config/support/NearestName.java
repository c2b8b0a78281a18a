package dev.ludus.config.support;

import java.util.Collection;
import java.util.Locale;

/**
 * The known name an unknown one was most likely meant to be: what turns "not a setting" into "did
 * you mean …?" for a misspelt property, PID or launcher setting.
 */
public final class NearestName {

    private NearestName() {
    }

    /**
     * The candidate nearest to {@code name} when it is near enough to be a typo of it: at most 2
     * edits apart ignoring case (1 for names under 6 characters); null otherwise, or for a tie.
     */
    public static String nearest(String name, Collection<String> candidates) {
        return nearest(name, candidates, name.length() < 6 ? 1 : 2);
    }

    /**
     * {@link #nearest(String, Collection)} with at most {@code allowed} edits. A dotted candidate is
     * never offered for a name without a dot (a framework property for a component's setting).
     */
    public static String nearest(String name, Collection<String> candidates, int allowed) {
        String lower = name.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        for (String c : candidates) {
            if (c.equals(name) || c.indexOf('.') >= 0 && name.indexOf('.') < 0) {
                continue;
            }
            int d = distance(lower, c.toLowerCase(Locale.ROOT), allowed);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
                tie = false;
            } else if (d == bestDistance) {
                tie = true;
            }
        }
        return bestDistance <= allowed && !tie ? best : null;
    }

    /** Edits (insert, delete, replace, swap of neighbours) from {@code a} to {@code b}; more than {@code limit} reads as limit + 1. */
    public static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) {
            return limit + 1;
        }
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return Math.min(d[a.length()][b.length()], limit + 1);
    }
}
