package dev.ludus.metrics;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class RequestMetricsFilterTest {

    @Test
    public void statusesCountByClass() {
        assertEquals("1xx", RequestMetricsFilter.statusClass(101));
        assertEquals("2xx", RequestMetricsFilter.statusClass(200));
        assertEquals("3xx", RequestMetricsFilter.statusClass(304));
        assertEquals("4xx", RequestMetricsFilter.statusClass(404));
        assertEquals("5xx", RequestMetricsFilter.statusClass(599));
        assertEquals("other", RequestMetricsFilter.statusClass(0));
        assertEquals("other", RequestMetricsFilter.statusClass(600));
    }

    @Test
    public void unknownMethodsShareOneSeries() {
        assertEquals("GET", RequestMetricsFilter.method("GET"));
        assertEquals("PATCH", RequestMetricsFilter.method("PATCH"));
        assertEquals("other", RequestMetricsFilter.method("get"));
        assertEquals("other", RequestMetricsFilter.method("BREW"));
        assertEquals("other", RequestMetricsFilter.method(null));
    }
}
