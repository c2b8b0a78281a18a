package dev.ludus.bus.support;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

public class BusHealthTest {

    private static BusStatus status(boolean reachable, long lag) {
        return new BusStatus("nats", reachable, reachable ? "connected" : "NATS not reachable: connection refused",
                List.of(new BusStatus.Group("stats", List.of("game.finished"), "stats 1.0", lag, 0, 2)));
    }

    @Test
    public void aBrokerAwayDegradesTheNodeButNeverTakesItOut() {
        HealthResult h = BusHealth.of(status(false, 0), List.of(), 10_000, Map.of());
        assertEquals("never DOWN: /health/ready must not fail on every node at once", HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("cannot store messages: NATS not reachable"));
        assertTrue(h.reason(), h.reason().contains("bus_unavailable"));
    }

    @Test
    public void aLaggingGroupOrARefusedHandlerDegradesAndAllWellIsUp() {
        assertEquals(HealthStatus.UP, BusHealth.of(status(true, 5), List.of(), 10_000, Map.of()).status());
        HealthResult lagging = BusHealth.of(status(true, 20_000), List.of(), 10_000, Map.of());
        assertEquals(HealthStatus.DEGRADED, lagging.status());
        assertTrue(lagging.reason(), lagging.reason().contains("stats (20000)"));
        HealthResult refused = BusHealth.of(status(true, 0), List.of("stats: no"), 10_000, Map.of());
        assertTrue(refused.reason(), refused.reason().contains("bus_handler_refused"));
        assertEquals(2L, refused.details().get("deadLetters"));
    }
}
