package dev.ludus.console;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The archive: its durable queue (depth, age of the oldest game), the backends installed and the
 * one games are written to, and the archive's health figures. Read-only; switching the backend is
 * the archive's {@code backend.target} setting (the Configuration page, PID
 * {@code dev.ludus.archive}).
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + ArchivePage.LABEL,
        "felix.webconsole.title=Archive",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class ArchivePage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-archive";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ArchiveService archive;

    private final transient List<ServiceReference<ArchiveBackend>> backends = new CopyOnWriteArrayList<>();
    private final transient List<HealthCheck> checks = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBackend(ServiceReference<ArchiveBackend> ref) {
        backends.add(ref);
    }

    void removeBackend(ServiceReference<ArchiveBackend> ref) {
        backends.remove(ref);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCheck(HealthCheck check) {
        checks.add(check);
    }

    void removeCheck(HealthCheck check) {
        checks.remove(check);
    }

    @Override
    String label() {
        return LABEL;
    }

    @Override
    Map<String, Object> model(HttpServletRequest req) {
        ArchiveService a = archive;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", a != null);
        String active = "";
        Map<String, Object> queue = new LinkedHashMap<>();
        if (a != null) {
            ArchiveStatus s = a.status();
            active = s.activeBackend().orElse("");
            queue.put("depth", s.queueDepth());
            queue.put("oldestWaiting", s.oldestWaiting().map(Instant::toString).orElse(""));
            queue.put("oldestWaitingSeconds", s.oldestWaiting()
                    .map(t -> Duration.between(t, Instant.now()).toSeconds()).orElse(null));
            queue.put("archivedTotal", s.archivedTotal());
            queue.put("failuresTotal", s.failuresTotal());
            queue.put("lastFailure", s.lastFailure().orElse(""));
        }
        m.put("activeBackend", active);
        m.put("queue", queue);
        List<Map<String, Object>> list = new ArrayList<>();
        for (ServiceReference<ArchiveBackend> ref : backends) {
            Map<String, Object> b = new LinkedHashMap<>();
            Object name = ref.getProperty(ArchiveBackend.NAME_PROPERTY);
            b.put("name", name == null ? "" : String.valueOf(name));
            b.put("active", name != null && name.equals(active));
            Bundle bundle = ref.getBundle();
            b.put("bundle", bundle == null ? "(gone)" : bundle.getSymbolicName() + " " + bundle.getVersion());
            list.add(b);
        }
        list.sort((x, y) -> String.valueOf(x.get("name")).compareTo(String.valueOf(y.get("name"))));
        m.put("backends", list);
        Map<String, Object> health = new LinkedHashMap<>();
        for (Map.Entry<String, HealthResult> e : Checks.run(checks).entrySet()) {
            if (e.getKey().startsWith("archive")) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("status", e.getValue().status().name());
                c.put("reason", e.getValue().reason());
                c.put("details", new TreeMap<>(e.getValue().details()));
                health.put(e.getKey(), c);
            }
        }
        m.put("health", health);
        return m;
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("available"))) {
            out.println("<p class=\"ludus-error\">The archive service is not available (its bundle is stopped or being"
                    + " replaced). Completed games wait in the rooms runtime until it is back.</p>");
        }
        out.println("<h2>Active backend: " + live("activeBackend", model.get("activeBackend")) + "</h2>");
        out.println("<h3>Queue</h3>");
        keyValues(out, "queue", (Map<?, ?>) model.get("queue"));
        out.println("<h3>Backends installed</h3>");
        table(out, "backends", OverviewPage.columns("name", "Name", "active", "Active", "bundle", "Bundle"),
                (List<Map<String, Object>>) model.get("backends"), null, null);
        out.println("<p>To switch the backend, set <code>backend.target</code> of PID <code>dev.ludus.archive</code> on the"
                + " Configuration page (for example <code>(ludus.archive.backend=jdbc)</code>).</p>");
        Map<String, Object> health = (Map<String, Object>) model.get("health");
        for (Map.Entry<String, Object> e : health.entrySet()) {
            Map<String, Object> c = (Map<String, Object>) e.getValue();
            String path = "health." + e.getKey();
            out.println("<h3>Health: " + Html.text(e.getKey()) + " " + live(path + ".status", c.get("status")) + "</h3>");
            out.println("<p>" + live(path + ".reason", c.get("reason")) + "</p>");
            keyValues(out, path + ".details", (Map<?, ?>) c.get("details"));
        }
    }
}
