package dev.ludus.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.Set;

import org.junit.Before;
import org.junit.Test;

import com.codahale.metrics.MetricRegistry;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

public class RequestMetricsFilterTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final RequestMetricsFilter filter = new RequestMetricsFilter();
    private int status;

    @Before
    public void activate() throws Exception {
        Field f = RequestMetricsFilter.class.getDeclaredField("registry");
        f.setAccessible(true);
        f.set(filter, registry);
        filter.activate(JvmSeriesTest.config(true, true));
    }

    private void request(String method, FilterChain chain) throws Exception {
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> m.getName().equals("getMethod") ? method : null);
        HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, a) -> m.getName().equals("getStatus") ? status : null);
        filter.doFilter(request, response, chain);
    }

    private long count(String method, String statusClass) {
        var c = registry.getCounters().get("ludus_http_requests{method=\"" + method + "\",status=\"" + statusClass + "\"}");
        var t = registry.getTimers().get("ludus_http_request_duration_seconds{method=\"" + method + "\",status=\""
                + statusClass + "\"}");
        assertEquals("the timer counts as the counter", c == null ? 0 : c.getCount(), t == null ? 0 : t.getCount());
        return c == null ? 0 : c.getCount();
    }

    @Test
    public void countsAndTimesByMethodAndStatusClass() throws Exception {
        status = 200;
        request("GET", (q, r) -> { });
        request("GET", (q, r) -> { });
        status = 404;
        request("POST", (q, r) -> { });
        request("BREW", (q, r) -> { });
        assertEquals(2, count("GET", "2xx"));
        assertEquals(1, count("POST", "4xx"));
        assertEquals(1, count("other", "4xx"));
        assertTrue(registry.getTimers().values().stream().allMatch(t -> t.getSnapshot().getMax() >= 0));
    }

    @Test
    public void aServletThatThrowsCountsAs5xx() throws Exception {
        status = 200; // not yet set by the container: the exception will become a 500
        assertThrows(ServletException.class, () -> request("PUT", (q, r) -> {
            throw new ServletException("broken");
        }));
        assertEquals(1, count("PUT", "5xx"));
        assertEquals(0, count("PUT", "2xx"));
    }

    @Test
    public void turnedOffOrDeactivatedItLeavesNoSeries() throws Exception {
        status = 200;
        request("GET", (q, r) -> { });
        registry.counter("ludus_other_bundle").inc();
        filter.configure(JvmSeriesTest.config(true, false));
        assertEquals(Set.of("ludus_other_bundle"), registry.getNames());
        request("GET", (q, r) -> { });
        assertEquals(Set.of("ludus_other_bundle"), registry.getNames());
        filter.configure(JvmSeriesTest.config(true, true));
        request("GET", (q, r) -> { });
        assertEquals(1, count("GET", "2xx"));
        filter.deactivate();
        assertEquals(Set.of("ludus_other_bundle"), registry.getNames());
    }

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
