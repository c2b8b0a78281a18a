package dev.ludus.config.guard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import dev.ludus.config.support.NearestName;

/**
 * What a careless operator's typo leaves behind in a stored configuration: a property that the
 * PID's metatype does not declare ({@code maxMesageBytes} in {@code dev.ludus.gateway}), and a PID
 * that no bundle describes but one a single edit away does ({@code dev.ludus.gatway}). Neither is an
 * error the guard may refuse (a drop-in bundle may read properties it does not declare, and a
 * configuration may wait for a bundle not installed yet), but both are almost always a setting
 * the operator believes applied and that nothing reads: they are named, with the nearest
 * declared name.
 *
 * <p>Properties with a dot in their name are never named: the framework's ({@code service.pid},
 * {@code felix.fileinstall.filename}), Declarative Services' reference targets
 * ({@code limiter.target}) and private ones ({@code .password}).
 */
final class UnknownSettings {

    /** Stable code of the log line and the health reason. */
    static final String CODE = "config_unknown_setting";

    /** A stored configuration: its PID, its factory PID (or null) and its property names. */
    record Stored(String pid, String factoryPid, Collection<String> keys) {
    }

    private UnknownSettings() {
    }

    /**
     * One line per stored configuration with unknown settings, in PID order.
     *
     * @param stored    the stored configurations of the checked PIDs
     * @param declared  the property names the metatype declares for a configuration, or null when
     *                  no bundle describes its PID (or factory PID)
     * @param described every PID and factory PID some bundle's metatype describes
     */
    static List<String> find(Collection<Stored> stored, Function<Stored, Set<String>> declared, Set<String> described) {
        List<String> out = new ArrayList<>();
        for (Stored c : stored) {
            Set<String> names = declared.apply(c);
            if (names == null) {
                // One edit at most: PIDs share their long prefix, and the shipped files of optional
                // bundles (dev.ludus.nats beside dev.ludus.stats) must not read as typos.
                String near = c.factoryPid() == null ? nearest(c.pid(), described, 1) : null;
                if (near != null) {
                    out.add(c.pid() + ": no bundle describes this PID (did you mean " + near + "?); nothing reads it");
                }
                continue;
            }
            Set<String> unknown = new TreeSet<>();
            for (String key : c.keys()) {
                if (key.indexOf('.') < 0 && !names.contains(key)) {
                    String bare = withoutByteOrderMark(key);
                    if (bare != null) {
                        unknown.add(key + " (the file starts with a UTF-8 byte-order mark, read as part of this name: save it"
                                + " without the mark" + (names.contains(bare) ? " to apply " + bare : "") + ")");
                        continue;
                    }
                    String near = nearest(key, names);
                    unknown.add(near == null ? key : key + " (did you mean " + near + "?)");
                }
            }
            if (!unknown.isEmpty()) {
                out.add(c.pid() + ": " + String.join(", ", unknown) + (unknown.size() == 1 ? " is not a setting" : " are not settings")
                        + " of this PID, ignored");
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The name without the UTF-8 byte-order mark in front of it, or null if it has none. An editor
     * that saves "UTF-8 with BOM" puts the mark before a file's first line; FileInstall reads
     * {@code .cfg} files as ISO-8859-1, so the first setting's name begins with "ï»¿" (or with
     * U+FEFF where a reader decoded UTF-8), and no component ever reads that setting.
     */
    static String withoutByteOrderMark(String key) {
        if (key.startsWith("\u00EF\u00BB\u00BF") && key.length() > 3) {
            return key.substring(3);
        }
        if (key.startsWith("\uFEFF") && key.length() > 1) {
            return key.substring(1);
        }
        return null;
    }

    /** {@link NearestName#nearest(String, Collection)}. */
    static String nearest(String name, Collection<String> candidates) {
        return NearestName.nearest(name, candidates);
    }

    /** {@link NearestName#nearest(String, Collection, int)}. */
    static String nearest(String name, Collection<String> candidates, int allowed) {
        return NearestName.nearest(name, candidates, allowed);
    }
}
