package dev.ludus.config.support;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one configuration's properties a setting at a time, collecting every problem instead of
 * stopping at the first, so a refused configuration names all that is wrong with it. A setting
 * that is absent takes its fallback; one that cannot be read or is out of range is a problem and
 * takes its fallback too (the caller refuses the configuration when {@link #problems()} is not
 * empty, so the fallback is never used).
 */
public final class ConfigReader {

    /** Keys the framework, ConfigAdmin, FileInstall and DS add: never the operator's settings. */
    public static final Set<String> FRAMEWORK_KEYS = Set.of("service.pid", "service.factoryPid",
            "service.bundleLocation", "felix.fileinstall.filename", "component.name", "component.id");

    private final Map<String, ?> props;
    private final List<String> problems = new ArrayList<>();

    public ConfigReader(Map<String, ?> props) {
        this.props = props;
    }

    /** Every problem so far, in the order met. */
    public List<String> problems() {
        return problems;
    }

    public void problem(String message) {
        problems.add(message);
    }

    /** A whole number from {@code min} to {@code max}. */
    public long whole(String name, long fallback, long min, long max) {
        Object v = props.get(name);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = v instanceof Number num && !(v instanceof Double || v instanceof Float) ? num.longValue()
                    : Long.parseLong(v.toString().strip());
        } catch (NumberFormatException e) {
            problems.add(name + " must be a whole number from " + min + " to " + max + ", got '" + clip(v) + "'");
            return fallback;
        }
        if (n < min || n > max) {
            problems.add(name + " must be from " + min + " to " + max + ", got " + n);
            return fallback;
        }
        return n;
    }

    /** A number from {@code min} to {@code max} (NaN never is). */
    public double decimal(String name, double fallback, double min, double max) {
        Object v = props.get(name);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().strip());
        } catch (NumberFormatException e) {
            problems.add(name + " must be a number from " + fmt(min) + " to " + fmt(max) + ", got '" + clip(v) + "'");
            return fallback;
        }
        if (!(d >= min && d <= max)) {
            problems.add(name + " must be from " + fmt(min) + " to " + fmt(max) + ", got " + clip(v));
            return fallback;
        }
        return d;
    }

    /** Text, stripped; several values (a String array) joined with commas. */
    public String text(String name, String fallback) {
        Object v = props.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String[] a) {
            return String.join(",", a);
        }
        return v.toString().strip();
    }

    /**
     * Every key that is neither in {@code known}, nor in {@code ignored}, nor the framework's
     * ({@link #FRAMEWORK_KEYS}, or starting with a dot) is a problem: a misspelt setting must not
     * pass unnoticed.
     */
    public void unknownKeys(Set<String> known, Set<String> ignored) {
        for (String k : props.keySet()) {
            if (!known.contains(k) && !ignored.contains(k) && !FRAMEWORK_KEYS.contains(k) && !k.startsWith(".")) {
                problems.add("unknown setting '" + clip(k) + "' (known: " + known.stream().sorted().toList() + ")");
            }
        }
    }

    /** A number as an operator would write it: 5, not 5.0. */
    public static String fmt(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** A value as far as a message shows it. */
    public static String clip(Object v) {
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    /** A configuration's properties as a map. */
    public static Map<String, Object> map(Dictionary<String, ?> d) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (d != null) {
            for (Enumeration<String> keys = d.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                m.put(k, d.get(k));
            }
        }
        return m;
    }

    /**
     * A factory configuration's name: the property {@code name}, else the FileInstall file's name
     * after {@code <factoryPid>-} ({@code conf/<factoryPid>-<name>.cfg}); {@code null} when neither.
     */
    public static String factoryName(String factoryPid, Map<String, ?> props) {
        Object n = props.get("name");
        if (n != null && !n.toString().isBlank()) {
            return n.toString().strip();
        }
        Object file = props.get("felix.fileinstall.filename");
        if (file != null) {
            String f = file.toString();
            f = f.substring(f.lastIndexOf('/') + 1);
            String prefix = factoryPid + "-";
            if (f.startsWith(prefix) && (f.endsWith(".cfg") || f.endsWith(".config"))) {
                return f.substring(prefix.length(), f.lastIndexOf('.'));
            }
        }
        return null;
    }
}
