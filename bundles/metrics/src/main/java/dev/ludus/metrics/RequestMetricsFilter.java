package dev.ludus.metrics;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricName;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Counts and times every HTTP request of every servlet context, by method and status class:
 * {@code ludus_http_requests{method="GET",status="2xx"}} and
 * {@code ludus_http_request_duration_seconds{...}}. Methods outside the standard ones count as
 * {@code other}, so a client cannot grow the number of series. A request whose servlet throws
 * counts as {@code 5xx}. The time is until the servlet returns (for an asynchronous request or a
 * WebSocket upgrade, until it hands over).
 */
@Component(service = Filter.class, configurationPid = NodeMetricRegistry.PID)
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardContextSelect("(osgi.http.whiteboard.context.name=*)")
@RequireHttpWhiteboard
public class RequestMetricsFilter implements Filter {

    static final String REQUESTS = "ludus_http_requests";
    static final String DURATION = "ludus_http_request_duration_seconds";
    static final Map<String, String> HELP = Map.of(
            REQUESTS, "HTTP requests answered, by method and status class.",
            DURATION, "Time to answer HTTP requests, by method and status class.");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
            "TRACE", "CONNECT");

    /** The series of one method and status class, looked up once. */
    private record Series(Counter requests, Timer duration) {
    }

    @Reference(target = "(component.name=dev.ludus.metrics.NodeMetricRegistry)")
    private MetricRegistry registry;

    private final Map<String, Series> series = new ConcurrentHashMap<>();
    /**
     * Guards adding series against removing them: a request that began while the series were on
     * and ends after they were turned off must not put them back into the registry.
     */
    private final Object seriesLock = new Object();
    private volatile boolean enabled;

    @Activate
    void activate(MetricsConfig config) {
        configure(config);
    }

    @Modified
    void configure(MetricsConfig config) {
        if (config.httpSeries()) {
            enabled = true;
        } else {
            removeSeries();
        }
    }

    @Deactivate
    void deactivate() {
        removeSeries();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!enabled || !(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse answer)) {
            chain.doFilter(request, response);
            return;
        }
        long start = System.nanoTime();
        boolean failed = true;
        try {
            chain.doFilter(request, response);
            failed = false;
        } finally {
            String status = failed ? "5xx" : statusClass(answer.getStatus());
            Series s = series(method(http.getMethod()), status);
            if (s != null) {
                s.requests().inc();
                s.duration().update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** The series of a method and status class, or null when the series were turned off meanwhile. */
    private Series series(String method, String status) {
        String key = method + ' ' + status;
        Series s = series.get(key);
        if (s != null) {
            return s;
        }
        synchronized (seriesLock) {
            if (!enabled) {
                return null;
            }
            return series.computeIfAbsent(key, k -> {
                MetricName name = MetricName.of(REQUESTS).with("method", method).with("status", status);
                return new Series(registry.counter(name.toString()),
                        registry.timer(MetricName.of(DURATION, name.labels()).toString()));
            });
        }
    }

    /** Turns the series off and drops them from the registry (their counts start again at 0). */
    private void removeSeries() {
        synchronized (seriesLock) {
            enabled = false;
            series.clear();
            registry.removeMatching((name, metric) -> {
                String family = RegistryCollector.nameOf(name).family();
                return family.equals(REQUESTS) || family.equals(DURATION);
            });
        }
    }

    static String method(String method) {
        return method != null && METHODS.contains(method) ? method : "other";
    }

    static String statusClass(int status) {
        return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
    }
}
