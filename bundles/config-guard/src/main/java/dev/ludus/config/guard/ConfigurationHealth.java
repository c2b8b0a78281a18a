package dev.ludus.config.guard;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * The health check {@code configuration}: {@code DEGRADED} while any configuration is refused,
 * naming each PID, property, refused value and the allowed values, and while a stored
 * configuration holds a setting nothing reads ({@link UnknownSettings}: a property its PID does
 * not declare, a PID nearly named as a described one), and while a component's reference target
 * has matched no service for a while ({@link UnmatchedTargets}); {@code UP} otherwise.
 */
@Component(service = HealthCheck.class)
public class ConfigurationHealth implements HealthCheck {

    @Reference
    private MetatypeConfigurationPlugin plugin;

    @Override
    public String name() {
        return "configuration";
    }

    @Override
    public HealthResult check() {
        Map<String, List<Refusal>> refusals = plugin.refusals();
        List<String> unknown = plugin.unknownSettings();
        List<String> unmatched = plugin.unmatchedTargets();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("checkedPids", String.join(", ", plugin.checked()));
        details.put("missedDeliveriesSavedAgain", plugin.missedDeliveries());
        if (!unknown.isEmpty()) {
            details.put("unknownSettings", String.join(" | ", unknown));
        }
        if (!unmatched.isEmpty()) {
            details.put("unmatchedTargets", String.join(" | ", unmatched));
        }
        if (refusals.isEmpty() && unknown.isEmpty() && unmatched.isEmpty()) {
            return HealthResult.up(details);
        }
        refusals.forEach((pid, list) -> details.put(pid, list.stream().map(Refusal::toString)
                .collect(Collectors.joining("; "))));
        List<String> reasons = new java.util.ArrayList<>();
        if (!refusals.isEmpty()) {
            reasons.add(refusals.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue().stream().map(Refusal::toString).collect(Collectors.joining("; ")))
                    .collect(Collectors.joining(" | ", "configuration refused (" + MetatypeConfigurationPlugin.CODE + "), the last good values or the defaults apply: ", "")));
        }
        if (!unknown.isEmpty()) {
            reasons.add("settings nothing reads (" + UnknownSettings.CODE + "): " + String.join(" | ", unknown));
        }
        if (!unmatched.isEmpty()) {
            reasons.add("reference targets that select nothing (" + UnmatchedTargets.CODE + "): " + String.join(" | ", unmatched));
        }
        return HealthResult.degraded(String.join("; ", reasons), details);
    }
}
