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
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.store.GameStore;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The node at a glance: health, players, rooms by state, actions per second and their p99
 * latency, the event store and the archive, every Ludus bundle and which implementation provides
 * each Ludus service. Every figure comes from a service read when the page is asked for; a service
 * that is away shows as such and the page still answers.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + OverviewPage.LABEL,
        "felix.webconsole.title=Overview",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class OverviewPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus";

    /** The Ludus service contracts whose providers the page names, in the order shown. */
    private static final List<Class<?>> SERVICES = List.of(RoomService.class, GameStore.class, EventStore.class,
            SnapshotStore.class, ArchiveService.class, ArchiveBackend.class, GameDefinition.class,
            MetricRegistry.class);

    private final transient List<HealthCheck> checks = new CopyOnWriteArrayList<>();
    private final transient ActionRate fallbackRate = new ActionRate();
    private transient volatile BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ArchiveService archive;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetricRegistry registry;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCheck(HealthCheck check) {
        checks.add(check);
    }

    void removeCheck(HealthCheck check) {
        checks.remove(check);
    }

    @Activate
    void activate(BundleContext ctx) {
        context = ctx;
    }

    @Override
    String label() {
        return LABEL;
    }

    /**
     * One action: {@code stop_node} with {@code confirm=stop} stops the node as SIGTERM does (the
     * gateway drains: new players, rooms and actions refused, the actions under way answered, every
     * connection closed with 1012; every room snapshotted; the process exits 0). The stop begins a
     * moment after the answer, so the operator sees it.
     */
    @Override
    Map<String, Object> act(HttpServletRequest req) {
        if (!"stop_node".equals(req.getParameter("action"))) {
            throw new BadRequest("unknown_action", "the overview page knows one action: stop_node");
        }
        if (!"stop".equals(param(req, "confirm"))) {
            throw new BadRequest("not_confirmed", "to stop the node, send confirm=stop (tick the box)");
        }
        BundleContext ctx = context;
        if (ctx == null) {
            throw new BadRequest(503, "unavailable", "the page is not active");
        }
        Bundle system = ctx.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(STOP_DELAY_MILLIS);
                system.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (org.osgi.framework.BundleException | RuntimeException e) {
                AUDIT.warn("console_action failed: stop_node: {}", e.toString());
            }
        }, "ludus-console-stop");
        stopper.setDaemon(false);
        stopper.start();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", "the node stops in " + STOP_DELAY_MILLIS + " ms: draining, snapshots, 1012 to every player, exit 0");
        return m;
    }

    /** How long after answering the stop begins. */
    static final long STOP_DELAY_MILLIS = 300;

    @Override
    Map<String, Object> model(HttpServletRequest req) {
        Map<String, HealthResult> health = Checks.run(checks);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", node(health));
        Map<String, Object> gw = details(health, "gateway");
        Map<String, Object> players = new LinkedHashMap<>();
        players.put("connected", gw.get("connections"));
        players.put("sessions", gw.get("players"));
        players.put("away", gw.get("playersAway"));
        m.put("players", players);
        m.put("load", load(gw));
        Map<String, Object> rd = details(health, "rooms");
        Map<String, Object> rooms = new LinkedHashMap<>();
        for (String state : List.of("waiting", "playing", "paused", "finished")) {
            rooms.put(state, rd.get(state));
        }
        m.put("rooms", rooms);
        m.put("actions", actions(rd));
        m.put("eventStore", component(health, "eventstore"));
        m.put("archive", archive());
        m.put("bundles", bundles());
        m.put("services", services());
        return m;
    }

    /** The gateway's load shedding: overloaded or not, why, and the last pressure reading. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Map<String, Object> gateway) {
        Map<String, Object> m = new LinkedHashMap<>();
        Object l = gateway.get("load");
        if (!(l instanceof Map<?, ?> load)) {
            m.put("state", "unknown (no gateway)");
            m.put("pressure", "");
            return m;
        }
        boolean over = Boolean.TRUE.equals(load.get("overloaded"));
        m.put("state", over ? "overloaded: " + load.get("reason") + " (shedding " + load.get("shedding") + ")"
                : "normal (shedding " + load.get("shedding") + ")");
        StringBuilder b = new StringBuilder();
        if (load.get("pressure") instanceof Map<?, ?> p) {
            p.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        }
        m.put("pressure", b.toString());
        m.put("shed", String.valueOf(load.get("shed")));
        return m;
    }

    private static Map<String, Object> node(Map<String, HealthResult> health) {
        HealthStatus worst = HealthStatus.UP;
        List<Map<String, Object>> components = new ArrayList<>();
        for (Map.Entry<String, HealthResult> e : health.entrySet()) {
            worst = worst.worst(e.getValue().status());
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", e.getKey());
            c.put("status", e.getValue().status().name());
            c.put("reason", e.getValue().reason());
            components.add(c);
        }
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("status", health.isEmpty() ? "UNKNOWN" : worst.name());
        n.put("components", components);
        return n;
    }

    private static Map<String, Object> details(Map<String, HealthResult> health, String name) {
        HealthResult r = health.get(name);
        return r == null ? Map.of() : r.details();
    }

    private static Map<String, Object> component(Map<String, HealthResult> health, String name) {
        HealthResult r = health.get(name);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", r == null ? "ABSENT" : r.status().name());
        c.put("reason", r == null ? "no " + name + " health check is registered" : r.reason());
        c.put("details", r == null ? Map.of() : new TreeMap<>(r.details()));
        return c;
    }

    private Map<String, Object> actions(Map<String, Object> roomsDetails) {
        MetricRegistry reg = registry;
        if (reg != null) {
            Map<String, Object> fromMetrics = ActionRate.fromRegistry(reg);
            if (fromMetrics != null) {
                return fromMetrics;
            }
        }
        Object accepted = roomsDetails.get("acceptedActions");
        if (accepted instanceof Number n) {
            return fallbackRate.fromCount(n.longValue(), System.nanoTime());
        }
        Map<String, Object> none = new LinkedHashMap<>();
        none.put("perSecond", null);
        none.put("p99Millis", null);
        none.put("total", null);
        none.put("source", "none");
        return none;
    }

    private Map<String, Object> archive() {
        ArchiveService a = archive;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", a != null);
        if (a == null) {
            return m;
        }
        ArchiveStatus s = a.status();
        m.put("activeBackend", s.activeBackend().orElse(""));
        m.put("queueDepth", s.queueDepth());
        m.put("oldestWaitingSeconds", s.oldestWaiting().map(t -> Duration.between(t, Instant.now()).toSeconds())
                .orElse(null));
        m.put("archivedTotal", s.archivedTotal());
        m.put("failuresTotal", s.failuresTotal());
        m.put("lastFailure", s.lastFailure().orElse(""));
        return m;
    }

    private List<Map<String, Object>> bundles() {
        List<Map<String, Object>> list = new ArrayList<>();
        BundleContext ctx = context;
        if (ctx == null) {
            return list;
        }
        for (Bundle b : ctx.getBundles()) {
            String bsn = b.getSymbolicName();
            if (bsn != null && bsn.startsWith("dev.ludus.")) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("symbolicName", bsn);
                m.put("version", b.getVersion().toString());
                m.put("state", Bundles.state(b.getState()));
                m.put("id", b.getBundleId());
                list.add(m);
            }
        }
        return list;
    }

    private List<Map<String, Object>> services() {
        List<Map<String, Object>> list = new ArrayList<>();
        BundleContext ctx = context;
        if (ctx == null) {
            return list;
        }
        for (Class<?> type : SERVICES) {
            ServiceReference<?>[] refs;
            try {
                refs = ctx.getAllServiceReferences(type.getName(), null);
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (refs == null) {
                list.add(service(type, null));
                continue;
            }
            for (ServiceReference<?> ref : refs) {
                list.add(service(type, ref));
            }
        }
        return list;
    }

    private static Map<String, Object> service(Class<?> type, ServiceReference<?> ref) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", type.getSimpleName());
        if (ref == null) {
            m.put("provider", "(none)");
            m.put("component", "");
            m.put("properties", "");
            return m;
        }
        Bundle b = ref.getBundle();
        m.put("provider", b == null ? "(gone)" : b.getSymbolicName() + " " + b.getVersion());
        Object component = ref.getProperty("component.name");
        m.put("component", component == null ? "" : String.valueOf(component));
        StringBuilder props = new StringBuilder();
        for (String key : ref.getPropertyKeys()) {
            if (key.startsWith("ludus.")) {
                props.append(props.length() == 0 ? "" : ", ").append(key).append('=')
                        .append(Bundles.value(ref.getProperty(key)));
            }
        }
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        if (ranking != null) {
            props.append(props.length() == 0 ? "" : ", ").append("service.ranking=").append(ranking);
        }
        m.put("properties", props.toString());
        return m;
    }

    // ---------------------------------------------------------------- HTML

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        Map<String, Object> node = (Map<String, Object>) model.get("node");
        out.println("<h2>Node " + live("node.status", node.get("status")) + "</h2>");
        table(out, "node.components", columns("name", "Component", "status", "Status", "reason", "Reason"),
                (List<Map<String, Object>>) node.get("components"), null, null);

        out.println("<h3>Players and rooms</h3>");
        out.println("<table class=\"nicetable ludus-kv\"><tbody>");
        Map<String, Object> players = (Map<String, Object>) model.get("players");
        out.println("<tr><th>Players connected</th><td>" + live("players.connected", players.get("connected"))
                + "</td></tr>");
        out.println("<tr><th>Player sessions (away)</th><td>" + live("players.sessions", players.get("sessions"))
                + " (" + live("players.away", players.get("away")) + ")</td></tr>");
        Map<String, Object> rooms = (Map<String, Object>) model.get("rooms");
        for (Map.Entry<String, Object> e : rooms.entrySet()) {
            out.println("<tr><th>Rooms " + Html.text(e.getKey()) + "</th><td>" + live("rooms." + e.getKey(), e.getValue())
                    + "</td></tr>");
        }
        Map<String, Object> load = (Map<String, Object>) model.get("load");
        out.println("<tr><th>Load</th><td>" + live("load.state", load.get("state")) + "</td></tr>");
        out.println("<tr><th>Pressure (ms, %)</th><td>" + live("load.pressure", load.get("pressure")) + "</td></tr>");
        out.println("<tr><th>New work refused</th><td>" + live("load.shed", load.get("shed")) + "</td></tr>");
        Map<String, Object> actions = (Map<String, Object>) model.get("actions");
        out.println("<tr><th>Actions/s</th><td>" + live("actions.perSecond", actions.get("perSecond")) + "</td></tr>");
        out.println("<tr><th>p99 action latency (ms)</th><td>" + live("actions.p99Millis", actions.get("p99Millis"))
                + "</td></tr>");
        out.println("<tr><th>Actions since start</th><td>" + live("actions.total", actions.get("total"))
                + " (figures from " + live("actions.source", actions.get("source")) + ")</td></tr>");
        out.println("</tbody></table>");

        Map<String, Object> es = (Map<String, Object>) model.get("eventStore");
        out.println("<h3>Event store " + live("eventStore.status", es.get("status")) + "</h3>");
        out.println("<p>" + live("eventStore.reason", es.get("reason")) + "</p>");
        keyValues(out, "eventStore.details", (Map<?, ?>) es.get("details"));

        out.println("<h3>Archive</h3>");
        keyValues(out, "archive", (Map<?, ?>) model.get("archive"));

        out.println("<h3>Ludus bundles</h3>");
        table(out, "bundles", columns("symbolicName", "Symbolic name", "version", "Version", "state", "State"),
                (List<Map<String, Object>>) model.get("bundles"), null, null);
        out.println("<h3>Services and their implementations</h3>");
        table(out, "services", columns("service", "Service", "provider", "Bundle", "component", "Component",
                "properties", "Properties"), (List<Map<String, Object>>) model.get("services"), null, null);
        if (!readOnly(req)) {
            out.println("<h3>Stop this node</h3>");
            out.println("<p>As SIGTERM: new players, rooms and actions are refused (error <code>draining</code>), the"
                    + " actions under way are answered, every room is snapshotted, every player is closed with 1012"
                    + " (the clients reconnect and resume once the node is back) and the process exits 0. Start it"
                    + " again with <code>bin/ludus</code> or your process supervisor.</p>");
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"stop_node\"><label><input type=\"checkbox\" name=\"confirm\" value=\"stop\">"
                    + " I mean it</label> <button type=\"submit\">Drain and stop</button></form>");
        }
    }

    /** Column key → heading, in the order given. */
    static Map<String, String> columns(String... keysAndHeadings) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndHeadings.length; i += 2) {
            m.put(keysAndHeadings[i], keysAndHeadings[i + 1]);
        }
        return m;
    }
}
