package dev.ludus.config.guard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Finds the components that missed the latest save of a configuration. Felix SCR (2.2) reads a
 * saved configuration's properties and then, separately, its change count; a second save of the
 * same PID that lands between the two reads is recorded as delivered with the first save's
 * properties, and SCR skips it when its own turn comes. The guard sees every read (it runs inside
 * it), so it knows what each bundle's components were last handed; a component whose properties
 * differ from that, once SCR is done, missed a save.
 *
 * <p>Only configurations of one PID (not factory configurations) are followed. Thread safe.
 */
final class DeliveryCheck {

    /** Properties that ConfigAdmin or SCR set themselves: not compared. */
    private static final Set<String> OWN_KEYS = Set.of(Constants.SERVICE_PID.toLowerCase(),
            ConfigurationAdmin.SERVICE_FACTORYPID.toLowerCase(), ConfigurationAdmin.SERVICE_BUNDLELOCATION.toLowerCase());

    /** The properties last handed to a bundle's components, by PID and bundle id. */
    private final Map<String, Map<Long, Map<String, Object>>> handed = new ConcurrentHashMap<>();

    /** A read of {@code pid} for the components of {@code bundleId} returned {@code properties}. */
    void handed(String pid, long bundleId, Dictionary<String, Object> properties) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (String key : Collections.list(properties.keys())) {
            if (!OWN_KEYS.contains(key.toLowerCase())) {
                copy.put(key, properties.get(key));
            }
        }
        handed.computeIfAbsent(pid, k -> new ConcurrentHashMap<>()).put(bundleId, Map.copyOf(copy));
    }

    /** The configuration of {@code pid} was deleted: its components run on their own defaults. */
    void forget(String pid) {
        handed.remove(pid);
    }

    /**
     * The components (by name) whose properties lack what the last read of {@code pid} handed
     * their bundle; empty when every one has it, or nothing was handed.
     */
    List<String> missed(ServiceComponentRuntime scr, Bundle[] bundles, String pid) {
        Map<Long, Map<String, Object>> byBundle = handed.get(pid);
        List<String> missed = new ArrayList<>();
        if (byBundle == null) {
            return missed;
        }
        for (Bundle bundle : bundles) {
            Map<String, Object> expected = byBundle.get(bundle.getBundleId());
            if (expected == null || bundle.getState() != Bundle.ACTIVE) {
                continue;
            }
            for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle)) {
                if (description.configurationPid == null || !Arrays.asList(description.configurationPid).contains(pid)
                        || "ignore".equals(description.configurationPolicy)) {
                    continue;
                }
                for (ComponentConfigurationDTO running : scr.getComponentConfigurationDTOs(description)) {
                    if (!has(running.properties, expected)) {
                        missed.add(description.name);
                        break;
                    }
                }
            }
        }
        return missed;
    }

    /**
     * Whether {@code actual} (SCR's view of a component's properties) holds every property of
     * {@code expected} with an equal value, keys ignoring case. SCR's view keeps texts, booleans,
     * numbers and arrays of them as they are and turns any other value into text (a list, an
     * {@code int[]}); such values are not compared.
     */
    static boolean has(Map<String, Object> actual, Map<String, Object> expected) {
        if (actual == null) {
            return expected.isEmpty();
        }
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            Object want = e.getValue();
            if (want == null || !comparable(want.getClass().isArray() ? want.getClass().getComponentType() : want.getClass())) {
                continue;
            }
            Object value = actual.containsKey(e.getKey()) ? actual.get(e.getKey()) : ignoringCase(actual, e.getKey());
            if (!Objects.deepEquals(want, value)) {
                return false;
            }
        }
        return true;
    }

    private static boolean comparable(Class<?> type) {
        return type == String.class || type == Boolean.class || Number.class.isAssignableFrom(type);
    }

    private static Object ignoringCase(Map<String, Object> map, String key) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
            }
        }
        return null;
    }
}
