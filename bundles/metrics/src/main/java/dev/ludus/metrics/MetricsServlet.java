package dev.ludus.metrics;

import java.io.IOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.codahale.metrics.MetricRegistry;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics}: every series of the node's registry, in the Prometheus text format 0.0.4,
 * or OpenMetrics 1.0.0 when the {@code Accept} header asks for {@code application/openmetrics-text}.
 * Gone (404) while this bundle is stopped.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern(MetricsServlet.PATH)
@RequireHttpWhiteboard
public class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final String PATH = "/metrics";

    /** The node's own registry, not one another bundle may publish. */
    @Reference(target = "(component.name=dev.ludus.metrics.NodeMetricRegistry)")
    transient MetricRegistry registry;

    /** Private: simpleclient's default registry is a static that would outlive this bundle. */
    private transient CollectorRegistry exposition;

    /*
     * No @Deactivate clearing the exposition registry: it is this instance's own and goes with it,
     * and a scrape still running when the bundle stops (the whiteboard lets requests it already
     * dispatched finish) iterated it while it was cleared, and answered 500.
     */
    @Activate
    void activate() {
        Map<String, String> help = new HashMap<>(JvmSeries.HELP);
        help.putAll(RequestMetricsFilter.HELP);
        exposition = new CollectorRegistry();
        exposition.register(new RegistryCollector(registry, help::get));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String contentType = TextFormat.chooseContentType(request.getHeader("Accept"));
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(contentType);
        response.setHeader("Cache-Control", "no-store");
        try (Writer out = response.getWriter()) {
            TextFormat.writeFormat(contentType, out, exposition.metricFamilySamples());
        }
    }
}
