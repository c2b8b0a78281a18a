package dev.ludus.config.guard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides what a component receives for a configuration: the configuration itself when every
 * property its metatype describes is valid (with text converted to the declared type), and
 * otherwise what the component already runs with. Remembers each refusal until a valid
 * configuration of that PID is delivered or saved, or the configuration is deleted.
 *
 * <p>What a refused configuration is replaced with:
 * <ul>
 * <li>if a configuration of this PID was delivered before (since this guard started), the values
 * that delivery gave the component, all of them: a bad save changes nothing;</li>
 * <li>otherwise (a bad value in a file present at start), the configuration without its refused
 * properties, which therefore take their defaults, so its valid settings, a directory for
 * example, still apply.</li>
 * </ul>
 * Properties the metatype does not describe pass through untouched. Thread safe.
 */
final class ConfigurationGuard {

    /**
     * What happened to one delivery.
     *
     * @param refusals     the refused properties; empty when the configuration was accepted
     * @param keptLastGood the component was given the values of the previous delivery
     * @param newlyRefused a refusal that differs from the one already recorded for this PID (log it)
     * @param cleared      the configuration is valid again after a recorded refusal
     */
    record Verdict(List<Refusal> refusals, boolean keptLastGood, boolean newlyRefused, boolean cleared) {
    }

    private final Map<String, Map<String, Object>> delivered = new TreeMap<>();
    private final Map<String, List<Refusal>> refused = new TreeMap<>();

    /**
     * Checks {@code properties} (a configuration of {@code pid} on its way to a component) against
     * {@code rules}, keyed by property name, and rewrites it in place as described above.
     */
    synchronized Verdict apply(String pid, Map<String, SettingRule> rules, Dictionary<String, Object> properties) {
        Map<String, SettingRule> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER); // ConfigAdmin's keys ignore case
        byName.putAll(rules);
        List<String> described = new ArrayList<>();
        Map<String, Object> accepted = new LinkedHashMap<>();
        List<String> refusedKeys = new ArrayList<>();
        List<Refusal> refusals = new ArrayList<>();
        for (String key : Collections.list(properties.keys())) {
            SettingRule rule = byName.get(key);
            if (rule == null) {
                continue;
            }
            described.add(key);
            Object raw = properties.get(key);
            SettingRule.Outcome outcome = rule.check(raw);
            if (outcome.refused()) {
                refusedKeys.add(key);
                refusals.add(new Refusal(pid, rule.id(), rule.shown(raw), outcome.problem()));
            } else {
                accepted.put(key, outcome.value());
            }
        }
        refusals.sort((a, b) -> a.property().compareTo(b.property()));
        if (refusals.isEmpty()) {
            accepted.forEach(properties::put);
            delivered.put(pid, Map.copyOf(accepted));
            boolean cleared = refused.remove(pid) != null;
            return new Verdict(List.of(), false, false, cleared);
        }
        Map<String, Object> previous = delivered.get(pid);
        if (previous != null) {
            described.forEach(properties::remove);
            previous.forEach(properties::put);
        } else {
            refusedKeys.forEach(properties::remove);
            accepted.forEach(properties::put);
            delivered.put(pid, Map.copyOf(accepted));
        }
        List<Refusal> before = refused.put(pid, List.copyOf(refusals));
        return new Verdict(List.copyOf(refusals), previous != null, !refusals.equals(before), false);
    }

    /**
     * A configuration of {@code pid} was saved: if it is refused now and every property its
     * metatype describes is valid in the saved {@code properties} (which are not changed), the
     * refusal is forgotten without waiting for a component to receive them, as none may (its bundle
     * stopped). What a later refused delivery keeps stays the last one a component received.
     * Returns whether a refusal was cleared.
     */
    synchronized boolean saved(String pid, Map<String, SettingRule> rules, Dictionary<String, Object> properties) {
        if (!refused.containsKey(pid)) {
            return false;
        }
        Map<String, SettingRule> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(rules);
        for (String key : Collections.list(properties.keys())) {
            SettingRule rule = byName.get(key);
            if (rule != null && rule.check(properties.get(key)).refused()) {
                return false;
            }
        }
        refused.remove(pid);
        return true;
    }

    /**
     * The configuration of {@code pid} was deleted: its components now run on their defaults, which
     * become the values a later refusal keeps. Returns whether a refusal was cleared.
     */
    synchronized boolean deleted(String pid) {
        if (delivered.containsKey(pid)) {
            delivered.put(pid, Map.of());
        }
        return refused.remove(pid) != null;
    }

    /** The refusals in force, by PID. */
    synchronized Map<String, List<Refusal>> refusals() {
        return new TreeMap<>(refused);
    }

    /** The PIDs checked since this guard started. */
    synchronized Set<String> checked() {
        return new TreeSet<>(delivered.keySet());
    }
}
