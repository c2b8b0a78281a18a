package dev.ludus.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import org.junit.Before;
import org.junit.Test;

import com.codahale.metrics.MetricRegistry;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

public class MetricsServletTest {

    private final MetricsServlet servlet = new MetricsServlet();
    private final Map<String, Object> answer = new HashMap<>();
    private final StringWriter body = new StringWriter();

    @Before
    public void activate() {
        servlet.registry = new MetricRegistry();
        servlet.registry.counter("ludus_test_joins").inc();
        servlet.activate();
    }

    private void get(String accept) throws Exception {
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class},
                (proxy, method, args) -> method.getName().equals("getHeader") && "Accept".equals(args[0]) ? accept : null);
        HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getWriter" -> {
                            return new PrintWriter(body);
                        }
                        case "setStatus", "setContentType" -> answer.put(method.getName(), args[0]);
                        case "setHeader" -> answer.put(args[0].toString(), args[1]);
                        default -> {
                        }
                    }
                    return null;
                });
        servlet.doGet(request, response);
    }

    @Test
    public void answersPrometheusTextByDefault() throws Exception {
        get(null);
        assertEquals(200, answer.get("setStatus"));
        assertEquals("text/plain; version=0.0.4; charset=utf-8", answer.get("setContentType"));
        assertEquals("no-store", answer.get("Cache-Control"));
        assertTrue(body.toString(), body.toString().contains("# TYPE ludus_test_joins_total counter\nludus_test_joins_total 1.0\n"));
    }

    @Test
    public void answersOpenMetricsWhenAsked() throws Exception {
        get("application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8", answer.get("setContentType"));
        assertTrue(body.toString(), body.toString().endsWith("ludus_test_joins_total 1.0\n# EOF\n"));
    }

    @Test
    public void aBrowserGetsText() throws Exception {
        get("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assertEquals("text/plain; version=0.0.4; charset=utf-8", answer.get("setContentType"));
    }
}
