package dev.ludus.api.metrics;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The name of one labelled series, as a Dropwizard metric name: a Prometheus metric family and its
 * labels. {@link #toString()} gives the canonical form, the family followed by the labels sorted
 * by name, each value quoted and escaped as in the Prometheus text format ({@code \\}, {@code \"},
 * {@code \n}):
 *
 * <pre>
 * ludus_gateway_requests{result="ok",type="act"}
 * </pre>
 *
 * A series without labels is the family alone ({@code ludus_rooms_open}). {@link #parse(String)}
 * reads a canonical name back; two names are equal when family and labels are.
 *
 * <p>Rules, each refused with an {@link IllegalArgumentException} that says what is wrong:
 * <ul>
 * <li>the family matches {@code [a-zA-Z_:][a-zA-Z0-9_:]*}; counters should not end in
 * {@code _total}, which the exposition adds, and timers should end in {@code _seconds};</li>
 * <li>a label name matches {@code [a-zA-Z_][a-zA-Z0-9_]*}, does not start with {@code __}
 * (reserved by Prometheus), and is not {@code quantile} or {@code le} (added by the exposition
 * of summaries and histograms);</li>
 * <li>a label value is any text, never {@code null}.</li>
 * </ul>
 * Keep the number of distinct label values small and bounded (a status class, an action type; not
 * a player or room id): every distinct name is one series held in memory and scraped.
 *
 * <p>Immutable and thread-safe.
 *
 * @param family the metric family, e.g. {@code ludus_gateway_requests}
 * @param labels the labels, sorted by name; unmodifiable (the given map is copied)
 */
public record MetricName(String family, SortedMap<String, String> labels) {

    private static final Pattern FAMILY = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /**
     * Checks and copies.
     *
     * @throws IllegalArgumentException if the family, a label name or a label value breaks the
     *                                  rules above
     */
    public MetricName {
        checkFamily(family);
        Objects.requireNonNull(labels, "labels");
        TreeMap<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> label : labels.entrySet()) {
            checkLabel(label.getKey());
            if (label.getValue() == null) {
                throw new IllegalArgumentException("metric label '" + label.getKey() + "' of " + family
                        + " has no value (null)");
            }
            copy.put(label.getKey(), label.getValue());
        }
        labels = Collections.unmodifiableSortedMap(copy);
    }

    /**
     * A series without labels.
     *
     * @throws IllegalArgumentException if {@code family} is not a valid family name
     */
    public static MetricName of(String family) {
        return new MetricName(family, new TreeMap<>());
    }

    /**
     * A series of {@code family} with {@code labels}.
     *
     * @throws IllegalArgumentException if the family or a label breaks the rules
     */
    public static MetricName of(String family, Map<String, String> labels) {
        return new MetricName(family, new TreeMap<>(labels));
    }

    /**
     * This name with one more label (or that label's value replaced).
     *
     * @throws IllegalArgumentException if {@code name} is not a valid label name or {@code value}
     *                                  is null
     */
    public MetricName with(String name, String value) {
        TreeMap<String, String> more = new TreeMap<>(labels);
        more.put(name, value);
        return new MetricName(family, more);
    }

    /**
     * Reads a name in the canonical form back. Labels may come in any order; escapes other than
     * {@code \\}, {@code \"} and {@code \n}, a label given twice, or anything after the closing
     * brace are refused.
     *
     * @throws IllegalArgumentException if {@code name} is not in the form, saying where
     */
    public static MetricName parse(String name) {
        Objects.requireNonNull(name, "name");
        int brace = name.indexOf('{');
        if (brace < 0) {
            return of(name);
        }
        String family = name.substring(0, brace);
        checkFamily(family);
        TreeMap<String, String> labels = new TreeMap<>();
        int i = brace + 1;
        while (i < name.length() && name.charAt(i) != '}') {
            int eq = name.indexOf('=', i);
            if (eq < 0) {
                throw refusal(name, i, "expected label=\"value\"");
            }
            String label = name.substring(i, eq);
            checkLabel(label);
            if (eq + 1 >= name.length() || name.charAt(eq + 1) != '"') {
                throw refusal(name, eq + 1, "expected '\"' to open the value of label '" + label + "'");
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (;; j++) {
                if (j >= name.length()) {
                    throw refusal(name, j, "the value of label '" + label + "' is not closed by '\"'");
                }
                char c = name.charAt(j);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    char next = j + 1 < name.length() ? name.charAt(j + 1) : ' ';
                    switch (next) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw refusal(name, j, "unknown escape in the value of label '" + label
                                + "' (allowed: \\\\, \\\", \\n)");
                    }
                    j++;
                } else {
                    value.append(c);
                }
            }
            if (labels.put(label, value.toString()) != null) {
                throw refusal(name, i, "label '" + label + "' is given twice");
            }
            i = j + 1;
            if (i < name.length() && name.charAt(i) == ',') {
                i++;
            } else if (i >= name.length() || name.charAt(i) != '}') {
                throw refusal(name, i, "expected ',' or '}' after the value of label '" + label + "'");
            }
        }
        if (i != name.length() - 1) {
            throw refusal(name, Math.min(i, name.length()), i >= name.length() ? "the labels are not closed by '}'"
                    : "nothing may follow the closing '}'");
        }
        return new MetricName(family, labels);
    }

    /** The canonical form: family, then the labels sorted by name, values escaped. */
    @Override
    public String toString() {
        if (labels.isEmpty()) {
            return family;
        }
        StringBuilder b = new StringBuilder(family).append('{');
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (b.charAt(b.length() - 1) != '{') {
                b.append(',');
            }
            b.append(label.getKey()).append("=\"");
            String value = label.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '\\' -> b.append("\\\\");
                    case '"' -> b.append("\\\"");
                    case '\n' -> b.append("\\n");
                    default -> b.append(c);
                }
            }
            b.append('"');
        }
        return b.append('}').toString();
    }

    private static void checkFamily(String family) {
        if (family == null || !FAMILY.matcher(family).matches()) {
            throw new IllegalArgumentException("invalid metric family name '" + family
                    + "': it must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
    }

    private static void checkLabel(String label) {
        if (label == null || !LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("invalid metric label name '" + label
                    + "': it must match [a-zA-Z_][a-zA-Z0-9_]*");
        }
        if (label.startsWith("__")) {
            throw new IllegalArgumentException("invalid metric label name '" + label
                    + "': names starting with __ are reserved by Prometheus");
        }
        if (label.equals("quantile") || label.equals("le")) {
            throw new IllegalArgumentException("invalid metric label name '" + label
                    + "': it is added by the exposition of summaries and histograms");
        }
    }

    private static IllegalArgumentException refusal(String name, int at, String what) {
        return new IllegalArgumentException("invalid metric name '" + name + "' at character " + at + ": " + what);
    }
}
