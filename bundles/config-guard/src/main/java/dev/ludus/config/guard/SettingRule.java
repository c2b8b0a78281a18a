package dev.ludus.config.guard;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.metatype.AttributeDefinition;

/**
 * What one configuration property may hold, as its metatype states it: the type, the range
 * ({@code min}/{@code max} of {@code @AttributeDefinition}: a number's bounds, a text's length),
 * the options of an enumeration, and, for a property whose id ends in {@code .target} (a DS
 * reference target), a valid LDAP filter.
 *
 * <p>The metatype's own {@link AttributeDefinition#validate(String)} decides the range and the
 * options. The metatype API does not expose {@code min} and {@code max}, yet the log and health
 * must name the allowed range, so {@link #allowed()} finds the bounds by asking {@code validate}
 * (a binary search from the default value, which must be valid). It does so the first time a value
 * is refused, not when the rule is made: the search asks {@code validate} up to 64 times per bound
 * (with texts of up to 64 Ki characters for a length), and every configuration a node starts with
 * passes through {@link #of}, where all of it was once a tenth of the start. Thread safe.
 */
final class SettingRule {

    /** The value to give the component instead of the raw one, or why the raw one is refused. */
    record Outcome(Object value, String problem) {
        boolean refused() {
            return problem != null;
        }
    }

    /** Longest text probed for a length bound; anything longer counts as unbounded. */
    private static final int LONGEST_PROBED_TEXT = 1 << 16;

    private final AttributeDefinition ad;

    /** {lower, upper}: the smallest and largest accepted value (length, for text) in words, or null for none. */
    private volatile String[] bounds;

    private SettingRule(AttributeDefinition ad) {
        this.ad = ad;
    }

    static SettingRule of(AttributeDefinition ad) {
        return new SettingRule(ad);
    }

    /** Found once, on the first refusal; racing threads find the same and either may keep it. */
    private String[] bounds() {
        String[] b = bounds;
        if (b == null) {
            b = findBounds(ad);
            bounds = b;
        }
        return b;
    }

    private static String[] findBounds(AttributeDefinition ad) {
        String[] none = {null, null};
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0) {
            return none;
        }
        BigInteger[] range = typeRange(ad.getType());
        if (range != null) {
            Predicate<BigInteger> ok = n -> valid(ad, n.toString());
            BigInteger anchor = anchor(ad, ok, s -> new BigInteger(s.trim()));
            return anchor == null ? none
                    : new String[] {lowest(ok, range[0], anchor), highest(ok, anchor, range[1])};
        }
        if (isText(ad.getType()) && !ad.getID().endsWith(".target")) {
            Predicate<BigInteger> ok = n -> valid(ad, "x".repeat(n.intValueExact()));
            BigInteger anchor = anchor(ad, ok, s -> BigInteger.valueOf(s.trim().length()));
            return anchor == null ? none
                    : new String[] {lowest(ok, BigInteger.ZERO, anchor),
                    highest(ok, anchor, BigInteger.valueOf(LONGEST_PROBED_TEXT))};
        }
        return none;
    }

    String id() {
        return ad.getID();
    }

    /** A password or a private ({@code .name}) property: its value is never shown. */
    boolean secret() {
        return ad.getType() == AttributeDefinition.PASSWORD || ad.getID().startsWith(".");
    }

    /**
     * Checks a value from ConfigAdmin (a {@code String} from a {@code .cfg} file, or an already
     * typed value from the Web Console or the API) and converts an accepted single value to the
     * declared type, so the component never parses text itself.
     */
    Outcome check(Object raw) {
        List<Object> values = elements(raw);
        if (ad.getCardinality() == 0) {
            return values.size() == 1 ? checkOne(values.get(0)) : new Outcome(null, "a single value");
        }
        for (Object element : values) { // several values: each is checked, the container passed on
            Outcome o = checkOne(element);
            if (o.refused()) {
                return o;
            }
        }
        return new Outcome(raw, null);
    }

    private Outcome checkOne(Object raw) {
        Object value;
        try {
            value = convert(raw);
        } catch (IllegalArgumentException | ArithmeticException e) {
            return new Outcome(null, allowed());
        }
        String canonical = value instanceof String s ? s : String.valueOf(value);
        if (!valid(ad, canonical) || !isFilterIfTarget(canonical)) {
            return new Outcome(null, allowed());
        }
        return new Outcome(value, null);
    }

    /** The allowed values in words, for the log and health, e.g. "an integer from 1 to 100". */
    String allowed() {
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0) {
            return "one of " + String.join(", ", options);
        }
        int type = ad.getType();
        if (type == AttributeDefinition.BOOLEAN) {
            return "true or false";
        }
        if (type == AttributeDefinition.CHARACTER) {
            return "one character";
        }
        if (isText(type)) {
            String what = id().endsWith(".target") ? "an LDAP filter such as (name=value), or empty" : "a text";
            String[] b = bounds();
            String lower = b[0];
            String upper = b[1];
            if (lower != null && upper != null) {
                return what + " of " + lower + " to " + upper + " characters";
            }
            if (lower != null && !"0".equals(lower)) {
                return what + " of at least " + lower + " characters";
            }
            return upper != null ? what + " of at most " + upper + " characters" : what;
        }
        BigInteger[] range = typeRange(type);
        if (range == null) {
            return "a number";
        }
        String[] b = bounds();
        String lower = b[0];
        String upper = b[1];
        if (lower == null && upper == null) {
            return "an integer";
        }
        // One bound alone would read as "at least 1" and hide the type's own limit.
        return "an integer from " + (lower != null ? lower : range[0]) + " to " + (upper != null ? upper : range[1]);
    }

    /** How a value appears in the log and in health: quoted, or masked for a secret. */
    String shown(Object raw) {
        if (secret()) {
            return "(hidden)";
        }
        List<Object> values = elements(raw);
        String text = values.size() == 1 ? String.valueOf(values.get(0)) : values.toString();
        if (text.length() > 80) {
            text = text.substring(0, 77) + "...";
        }
        return "'" + text + "'";
    }

    private Object convert(Object raw) {
        if (raw == null) {
            throw new IllegalArgumentException("no value");
        }
        String text = raw instanceof String s ? s.trim() : null;
        return switch (ad.getType()) {
            case AttributeDefinition.BOOLEAN -> {
                if (raw instanceof Boolean b) {
                    yield b;
                }
                // Boolean.valueOf would read any typo as false.
                if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
                    yield Boolean.valueOf(text);
                }
                throw new IllegalArgumentException("not a boolean");
            }
            case AttributeDefinition.INTEGER -> integral(raw, text).intValueExact();
            case AttributeDefinition.LONG -> integral(raw, text).longValueExact();
            case AttributeDefinition.SHORT -> integral(raw, text).shortValueExact();
            case AttributeDefinition.BYTE -> integral(raw, text).byteValueExact();
            case AttributeDefinition.BIGINTEGER -> integral(raw, text);
            case AttributeDefinition.DOUBLE -> finite(decimal(raw, text).doubleValue());
            case AttributeDefinition.FLOAT -> (float) finite(decimal(raw, text).floatValue());
            case AttributeDefinition.BIGDECIMAL -> decimal(raw, text);
            case AttributeDefinition.CHARACTER -> {
                if (raw instanceof Character c) {
                    yield c;
                }
                String s = String.valueOf(raw);
                if (s.length() != 1) {
                    throw new IllegalArgumentException("not one character");
                }
                yield s.charAt(0);
            }
            // Text is passed on exactly as written: spaces may matter in a path or a password.
            default -> raw instanceof String s ? s : String.valueOf(raw);
        };
    }

    private static BigInteger integral(Object raw, String text) {
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
            return BigInteger.valueOf(((Number) raw).longValue());
        }
        if (raw instanceof BigInteger b) {
            return b;
        }
        if (raw instanceof Number n) {
            return new BigDecimal(n.toString()).toBigIntegerExact();
        }
        if (text == null) {
            throw new IllegalArgumentException("not a number");
        }
        return new BigInteger(text);
    }

    private static BigDecimal decimal(Object raw, String text) {
        if (raw instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        if (text == null) {
            throw new IllegalArgumentException("not a number");
        }
        return new BigDecimal(text);
    }

    private static double finite(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("not finite");
        }
        return d;
    }

    private boolean isFilterIfTarget(String value) {
        if (!id().endsWith(".target") || value.isBlank()) {
            return true;
        }
        try {
            FrameworkUtil.createFilter(value.trim());
            return true;
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }

    /** {@code validate} answers "" when valid, a message when not, and null when it cannot tell. */
    private static boolean valid(AttributeDefinition ad, String value) {
        String answer = ad.validate(value);
        return answer == null || answer.isEmpty();
    }

    private static boolean isText(int type) {
        return type == AttributeDefinition.STRING || type == AttributeDefinition.PASSWORD;
    }

    private static BigInteger[] typeRange(int type) {
        return switch (type) {
            case AttributeDefinition.INTEGER -> range(Integer.MIN_VALUE, Integer.MAX_VALUE);
            case AttributeDefinition.LONG -> range(Long.MIN_VALUE, Long.MAX_VALUE);
            case AttributeDefinition.SHORT -> range(Short.MIN_VALUE, Short.MAX_VALUE);
            case AttributeDefinition.BYTE -> range(Byte.MIN_VALUE, Byte.MAX_VALUE);
            default -> null;
        };
    }

    private static BigInteger[] range(long min, long max) {
        return new BigInteger[] {BigInteger.valueOf(min), BigInteger.valueOf(max)};
    }

    /** A value known to be valid: the default, as the metatype states it. */
    private static BigInteger anchor(AttributeDefinition ad, Predicate<BigInteger> ok,
                                     java.util.function.Function<String, BigInteger> measure) {
        String[] defaults = ad.getDefaultValue();
        if (defaults == null || defaults.length == 0 || defaults[0] == null) {
            return null;
        }
        try {
            BigInteger a = measure.apply(defaults[0]);
            return ok.test(a) ? a : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The smallest accepted value in [from, to], given that {@code to} is accepted; null if {@code from} is. */
    private static String lowest(Predicate<BigInteger> ok, BigInteger from, BigInteger to) {
        return ok.test(from) ? null : edge(ok, to, from).toString();
    }

    /** The largest accepted value in [from, to], given that {@code from} is accepted; null if {@code to} is. */
    private static String highest(Predicate<BigInteger> ok, BigInteger from, BigInteger to) {
        return ok.test(to) ? null : edge(ok, from, to).toString();
    }

    /**
     * The accepted value next to the refused ones, by bisection between a value that is accepted and
     * one that is not (on either side of it).
     */
    private static BigInteger edge(Predicate<BigInteger> ok, BigInteger accepted, BigInteger refused) {
        while (accepted.subtract(refused).abs().compareTo(BigInteger.ONE) > 0) {
            BigInteger mid = accepted.add(refused).shiftRight(1);
            if (ok.test(mid)) {
                accepted = mid;
            } else {
                refused = mid;
            }
        }
        return accepted;
    }

    private static List<Object> elements(Object raw) {
        List<Object> out = new ArrayList<>();
        if (raw != null && raw.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(raw); i++) {
                out.add(Array.get(raw, i));
            }
        } else if (raw instanceof Collection<?> c) {
            out.addAll(c);
        } else {
            out.add(raw);
        }
        return out;
    }
}
