package dev.ludus.bus.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.health.HealthResult;

/**
 * A bus's health from its status: DEGRADED while it cannot store messages (its broker is away:
 * publishers are refused with {@code bus_unavailable} and try again later, games go on, so the
 * node stays ready for players; a broker every node shares being away must not take every node
 * out of a load balancer), while a handler is refused or while a consumer group lags over
 * {@code lagWarning}; else UP. The details name each group's lag, dead letters and handler.
 */
public final class BusHealth {

    private BusHealth() {
    }

    public static HealthResult of(BusStatus s, List<String> refused, long lagWarning, Map<String, Object> extra) {
        Map<String, Object> details = new LinkedHashMap<>(extra);
        details.put("detail", s.detail());
        long lag = 0;
        long deadLetters = 0;
        List<String> lagging = new ArrayList<>();
        for (BusStatus.Group g : s.groups()) {
            lag += g.lag();
            deadLetters += g.deadLetters();
            details.put("group." + g.group(), "lag " + g.lag() + ", dead letters " + g.deadLetters()
                    + (g.handler().isEmpty() ? ", no handler" : ", " + g.handler()));
            if (g.lag() > lagWarning) {
                lagging.add(g.group() + " (" + g.lag() + ")");
            }
        }
        details.put("lag", lag);
        details.put("deadLetters", deadLetters);
        if (!s.reachable()) {
            return HealthResult.degraded("cannot store messages: " + s.detail() + " (publishers are refused"
                    + " with bus_unavailable and try again; games go on)", details);
        }
        if (!refused.isEmpty()) {
            return HealthResult.degraded("handler(s) refused (bus_handler_refused): " + String.join("; ", refused),
                    details);
        }
        if (!lagging.isEmpty()) {
            return HealthResult.degraded("consumer group(s) lagging over " + lagWarning + ": " + lagging, details);
        }
        return HealthResult.up(details);
    }
}
