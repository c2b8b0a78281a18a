package dev.ludus.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Dictionary;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.ludus.api.health.HealthCheck;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The health endpoints:
 * <ul>
 * <li>{@code GET /health}: runs every registered {@link HealthCheck} and answers their worst
 * status as JSON, with 200 (UP, DEGRADED) or 503 (DOWN);</li>
 * <li>{@code GET /health/live}: 200 while the framework runs;</li>
 * <li>{@code GET /health/ready}: 200 when the node may take players ({@link Readiness}), else
 * 503.</li>
 * </ul>
 * Anyone gets the statuses; reasons and figures only a caller with the Web Console's credentials
 * (HTTP Basic), unless {@code detailsForEveryone} is set. The statuses are also series in the
 * node's metrics registry while one is bound ({@link HealthSeries}).
 */
@Component(service = Servlet.class, configurationPid = HealthEndpoint.PID)
@Designate(ocd = HealthEndpoint.Config.class)
@HttpWhiteboardServletPattern({HealthEndpoint.HEALTH, HealthEndpoint.LIVE, HealthEndpoint.READY})
@RequireHttpWhiteboard
public class HealthEndpoint extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final String PID = "dev.ludus.health";
    static final String HEALTH = "/health";
    static final String LIVE = "/health/live";
    static final String READY = "/health/ready";
    /** Where the Felix Web Console keeps its user and password when changed in its settings. */
    static final String CONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";

    @ObjectClassDefinition(name = "Ludus health endpoint",
            description = "GET /health reports the worst status of every registered health check; /health/live and"
                    + " /health/ready are for load balancers and orchestrators.")
    public @interface Config {
        @AttributeDefinition(name = "Details for everyone",
                description = "Show reasons and figures (paths, counters) to callers without the Web Console"
                        + " credentials. Off: they see only the statuses.")
        boolean detailsForEveryone() default false;

        @AttributeDefinition(name = "Checks required for readiness",
                description = "Health checks (by name) that must be registered and not DOWN before /health/ready"
                        + " answers 200.")
        String[] readyChecks() default {"gateway", "rooms"};
    }

    // Checks come and go with their bundles; the endpoint keeps answering with whatever is there.
    private final List<HealthCheck> checks = new CopyOnWriteArrayList<>();
    private final transient DetailsAccess access = new DetailsAccess(Clock.systemUTC());
    private transient volatile ConfigurationAdmin configAdmin;
    private transient BundleContext context;
    private final transient HealthSeries series = new HealthSeries(() -> HealthReport.run(checks),
            () -> HealthReport.names(checks), System::nanoTime);
    private volatile boolean detailsForEveryone;
    private volatile List<String> readyChecks = List.of();

    @Activate
    void activate(BundleContext context, Config config) {
        this.context = context;
        configure(config);
    }

    @Modified
    void configure(Config config) {
        detailsForEveryone = config.detailsForEveryone();
        readyChecks = config.readyChecks() == null ? List.of()
                : List.of(config.readyChecks()).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCheck(HealthCheck check) {
        checks.add(check);
        series.checksChanged();
    }

    void removeCheck(HealthCheck check) {
        checks.remove(check);
        series.checksChanged();
    }

    /**
     * The node's metrics registry (the metrics bundle), optional: the statuses are series there
     * ({@link HealthSeries}) while one is bound.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMetricRegistry(MetricRegistry registry) {
        Bundle b = FrameworkUtil.getBundle(HealthEndpoint.class); // bound before activation: no context yet
        series.bind(registry, b == null ? "dev.ludus.health" : b.getSymbolicName(),
                b == null ? "0" : b.getVersion().toString());
    }

    void unbindMetricRegistry(MetricRegistry registry) {
        series.unbindFrom(registry);
    }

    @Deactivate
    void deactivate() {
        series.unbind();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindConfigAdmin(ConfigurationAdmin admin) {
        configAdmin = admin;
    }

    void unbindConfigAdmin(ConfigurationAdmin admin) {
        if (configAdmin == admin) {
            configAdmin = null;
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getServletPath();
        int status;
        String json;
        if (LIVE.equals(path)) {
            int state = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState();
            boolean live = state == Bundle.ACTIVE || state == Bundle.STARTING || state == Bundle.STOPPING;
            status = live ? 200 : 503;
            json = HealthJson.WRITER.writeValueAsString(
                    JsonNodeFactory.instance.objectNode().put("status", live ? "UP" : "DOWN"));
        } else if (READY.equals(path)) {
            Readiness readiness = Readiness.of(context, checks, readyChecks);
            status = readiness.httpStatus();
            json = readiness.toJson(!readiness.ready() && detailsAllowed(req));
        } else {
            HealthReport report = HealthReport.run(checks);
            status = report.httpStatus();
            json = report.toJson(detailsAllowed(req));
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("Vary", "Authorization");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private boolean detailsAllowed(HttpServletRequest req) {
        if (detailsForEveryone) {
            return true;
        }
        String authorization = req.getHeader("Authorization");
        return authorization != null && access.allows(authorization, req.getRemoteAddr(), consoleCredentials());
    }

    /**
     * The console's user and password as the console itself resolves them: its configuration
     * first, then the framework properties the launcher sets. No password anywhere: none (the
     * console's well-known default never opens details).
     */
    private DetailsAccess.Credentials consoleCredentials() {
        String user = null;
        String password = null;
        ConfigurationAdmin admin = configAdmin;
        if (admin != null) {
            try {
                Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + CONSOLE_PID + ")");
                Dictionary<String, Object> props = found == null || found.length == 0 ? null : found[0].getProperties();
                if (props != null) {
                    user = text(props.get("username"));
                    password = text(props.get("password"));
                }
            } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
                // fall back to the framework properties
            }
        }
        if (user == null) {
            user = text(context.getProperty("felix.webconsole.username"));
        }
        if (password == null) {
            password = text(context.getProperty("felix.webconsole.password"));
        }
        return new DetailsAccess.Credentials(user == null ? "admin" : user, password);
    }

    private static String text(Object value) {
        return value == null || value.toString().isEmpty() ? null : value.toString();
    }
}
