package dev.ludus.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import dev.ludus.api.health.HealthCheck;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /health}: runs every registered {@link HealthCheck} and answers their worst status
 * as JSON, with 200 (UP, DEGRADED) or 503 (DOWN).
 */
@Component(service = Servlet.class, configurationPid = HealthEndpoint.PID)
@Designate(ocd = HealthEndpoint.Config.class)
@HttpWhiteboardServletPattern("/health")
@RequireHttpWhiteboard
public class HealthEndpoint extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final String PID = "dev.ludus.health";

    @ObjectClassDefinition(name = "Ludus health endpoint",
            description = "GET /health reports the worst status of every registered health check.")
    public @interface Config {
        @AttributeDefinition(name = "Include details",
                description = "Include each component's figures in the response. Turn off if /health is public.")
        boolean includeDetails() default true;
    }

    // Checks come and go with their bundles; the endpoint keeps answering with whatever is there.
    private final List<HealthCheck> checks = new CopyOnWriteArrayList<>();
    private volatile boolean includeDetails = true;

    @Activate
    @Modified
    void configure(Config config) {
        includeDetails = config.includeDetails();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCheck(HealthCheck check) {
        checks.add(check);
    }

    void removeCheck(HealthCheck check) {
        checks.remove(check);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HealthReport report = HealthReport.run(checks);
        byte[] body = report.toJson(includeDetails).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(report.httpStatus());
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
