package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.metrics.SummingTimer;

public class GatewayMetricsTest {

    private static final String LABELS = "bundle=\"dev.ludus.gateway\",bundle_version=\"1.0.0\"";

    @Test
    public void countsGoOnAcrossRegistriesAndEachRegistryGetsEverySeriesWithTheBundlesLabels() {
        AtomicLong connections = new AtomicLong(3);
        GatewayMetrics m = new GatewayMetrics(connections::get, () -> 2, () -> 512);
        m.received(10);
        m.closed(1012);
        m.request("ping", 1_000_000);

        MetricRegistry first = new MetricRegistry();
        m.bind(first, "dev.ludus.gateway", "1.0.0");
        m.sent(100);
        m.closed(4001);
        m.request("act", 2_000_000);
        assertEquals(1, first.counter("ludus_gateway_messages{" + LABELS + ",direction=\"in\"}").getCount());
        assertEquals(100, first.counter("ludus_gateway_message_bytes{" + LABELS + ",direction=\"out\"}").getCount());
        assertEquals(1, first.counter("ludus_gateway_closes{" + LABELS + ",code=\"1012\"}").getCount());
        assertEquals(1, first.counter("ludus_gateway_closes{" + LABELS + ",code=\"4001\"}").getCount());
        assertEquals(1, first.timer("ludus_gateway_request_seconds{" + LABELS + ",type=\"ping\"}").getCount());
        assertEquals(1, first.timer("ludus_gateway_request_seconds{" + LABELS + ",type=\"act\"}").getCount());
        assertEquals(2_000_000, ((SummingTimer) first.timer("ludus_gateway_request_seconds{" + LABELS + ",type=\"act\"}"))
                .getSumNanos()); // a sum for the summary's _sum
        assertEquals(1_000_000, ((SummingTimer) first.timer("ludus_gateway_request_seconds{" + LABELS + ",type=\"ping\"}"))
                .getSumNanos());
        assertEquals(3L, first.getGauges().get("ludus_gateway_connections{" + LABELS + "}").getValue());
        assertEquals(512L, first.getGauges().get("ludus_gateway_outbound_bytes{" + LABELS + "}").getValue());

        // The metrics bundle is swapped: the old registry loses every series, the new one gets the same counts.
        MetricRegistry second = new MetricRegistry();
        m.bind(second, "dev.ludus.gateway", "1.0.0");
        assertTrue(first.getNames().toString(), first.getNames().isEmpty());
        m.closed(4001);
        assertEquals(2, second.counter("ludus_gateway_closes{" + LABELS + ",code=\"4001\"}").getCount());
        assertEquals(10, second.counter("ludus_gateway_message_bytes{" + LABELS + ",direction=\"in\"}").getCount());
        m.unbind();
        assertTrue(second.getNames().isEmpty());
        m.closed(4002); // counting goes on with no registry
        MetricRegistry third = new MetricRegistry();
        m.bind(third, "dev.ludus.gateway", "1.0.0");
        assertEquals(1, third.counter("ludus_gateway_closes{" + LABELS + ",code=\"4002\"}").getCount());
    }
}
