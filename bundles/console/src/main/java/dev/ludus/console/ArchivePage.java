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

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The archive: its durable queue (depth, age of the oldest game), the backends installed and the
 * one games are written to, the archive's health figures (migration progress among them), and one
 * game looked up by id ({@code ?game=<id>}). Actions, each the same ConfigAdmin change the
 * Configuration page makes: switch the backend ({@code backend.target} of PID
 * {@code dev.ludus.archive}), start a migration (PID {@code dev.ludus.archive.migration}) and stop
 * it (that configuration deleted).
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + ArchivePage.LABEL,
        "felix.webconsole.title=Archive",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class ArchivePage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-archive";
    static final String ARCHIVE_PID = "dev.ludus.archive";
    static final String MIGRATION_PID = "dev.ludus.archive.migration";
    /** Longest record shown, in characters. */
    static final int RECORD_TEXT = 20_000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

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
        String gameId = req.getParameter("game");
        if (gameId != null && !gameId.isBlank()) {
            m.put("game", game(a, gameId.strip()));
            return m;
        }
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

    private static Map<String, Object> game(ArchiveService a, String gameId) {
        if (a == null) {
            throw new BadRequest(503, "unavailable", "the archive service is not available");
        }
        java.util.Optional<CompletedGame> found;
        try {
            found = a.find(gameId);
        } catch (ArchiveException e) {
            throw new BadRequest("invalid_query".equals(e.code()) ? 400 : 503, e.code(), e.getMessage());
        }
        CompletedGame g = found.orElseThrow(() -> new BadRequest(404, "no_such_game",
                "no archived or queued game has id " + gameId));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gameId", g.gameId());
        m.put("gameType", g.gameType());
        m.put("startedAt", g.startedAt().toString());
        m.put("completedAt", g.completedAt().toString());
        m.put("players", String.join(", ", g.playerIds()));
        m.put("recordBytes", g.record().length);
        String text = new String(g.record(), java.nio.charset.StandardCharsets.UTF_8);
        m.put("record", text.length() > RECORD_TEXT ? text.substring(0, RECORD_TEXT) + "…" : text);
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        String action = String.valueOf(req.getParameter("action"));
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            throw new BadRequest(503, "unavailable", "ConfigAdmin is not available");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            switch (action) {
                case "switch_backend" -> {
                    String backend = installedBackend(req.getParameter("backend"));
                    String target = "(" + ArchiveBackend.NAME_PROPERTY + "=" + backend + ")";
                    Configuration c = ca.getConfiguration(ARCHIVE_PID, "?");
                    java.util.Dictionary<String, Object> props = c.getProperties() == null
                            ? new java.util.Hashtable<>() : c.getProperties();
                    props.put("backend.target", target);
                    c.update(props);
                    m.put("done", "archive backend set to " + backend + " (backend.target = " + target + ")");
                    m.put("backend", backend);
                }
                case "start_migration" -> {
                    String from = installedBackend(req.getParameter("from"));
                    String to = installedBackend(req.getParameter("to"));
                    if (from.equals(to)) {
                        throw new BadRequest("bad_backend", "from and to must be two different backends");
                    }
                    Configuration c = ca.getConfiguration(MIGRATION_PID, "?");
                    java.util.Dictionary<String, Object> props = c.getProperties() == null
                            ? new java.util.Hashtable<>() : c.getProperties();
                    props.put("from", from);
                    props.put("to", to);
                    props.put("run", String.valueOf(System.currentTimeMillis()));
                    c.update(props);
                    m.put("done", "migration from " + from + " to " + to + " started; progress under archive-migration");
                }
                case "stop_migration" -> {
                    org.osgi.service.cm.Configuration[] found = ca.listConfigurations(
                            "(" + org.osgi.framework.Constants.SERVICE_PID + "=" + MIGRATION_PID + ")");
                    if (found == null) {
                        throw new BadRequest(409, "no_migration", "no migration is configured");
                    }
                    for (Configuration c : found) {
                        c.delete();
                    }
                    m.put("done", "migration stopped (configuration " + MIGRATION_PID + " deleted)");
                }
                default -> throw new BadRequest("unknown_action",
                        "the archive page knows switch_backend, start_migration and stop_migration");
            }
        } catch (java.io.IOException | org.osgi.framework.InvalidSyntaxException e) {
            throw new BadRequest(503, "config_failed", "ConfigAdmin refused: " + e.getMessage());
        }
        return m;
    }

    /** The name if a backend of that name is installed, else a refusal naming those that are. */
    private String installedBackend(String name) {
        List<String> names = new ArrayList<>();
        for (ServiceReference<ArchiveBackend> ref : backends) {
            Object n = ref.getProperty(ArchiveBackend.NAME_PROPERTY);
            if (n != null) {
                names.add(String.valueOf(n));
            }
        }
        if (name == null || !names.contains(name.strip())) {
            throw new BadRequest("unknown_backend", "no backend named '" + name + "' is installed; installed: "
                    + names.stream().sorted().toList());
        }
        return name.strip();
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("available"))) {
            out.println("<p class=\"ludus-error\">The archive service is not available (its bundle is stopped or being"
                    + " replaced). Completed games wait in the rooms runtime until it is back.</p>");
        }
        if (model.containsKey("game")) {
            Map<String, Object> g = (Map<String, Object>) model.get("game");
            out.println("<p><a href=\"?\">Archive</a></p>");
            out.println("<h2>Game " + Html.text(g.get("gameId")) + "</h2>");
            out.println("<table class=\"nicetable ludus-kv\"><tbody>");
            for (String key : List.of("gameType", "startedAt", "completedAt", "players", "recordBytes")) {
                out.println("<tr><th>" + Html.text(key) + "</th><td>" + Html.text(g.get(key)) + "</td></tr>");
            }
            out.println("</tbody></table>");
            out.println("<h3>Record</h3><pre class=\"ludus-game\">" + Html.text(g.get("record")) + "</pre>");
            return;
        }
        out.println("<form method=\"get\" class=\"ludus-search\">Look up a game by id <input type=\"text\""
                + " name=\"game\" required> <button type=\"submit\">Show</button></form>");
        out.println("<h2>Active backend: " + live("activeBackend", model.get("activeBackend")) + "</h2>");
        out.println("<h3>Queue</h3>");
        keyValues(out, "queue", (Map<?, ?>) model.get("queue"));
        out.println("<h3>Backends installed</h3>");
        table(out, "backends", OverviewPage.columns("name", "Name", "active", "Active", "bundle", "Bundle"),
                (List<Map<String, Object>>) model.get("backends"), null, null);
        StringBuilder options = new StringBuilder();
        for (Map<String, Object> b : (List<Map<String, Object>>) model.get("backends")) {
            options.append("<option>").append(Html.text(b.get("name"))).append("</option>");
        }
        if (!readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"switch_backend\">Write games to <select name=\"backend\">" + options + "</select>"
                    + " <button type=\"submit\">Switch backend</button> <small>sets <code>backend.target</code> of PID"
                    + " <code>" + ARCHIVE_PID + "</code>; a <code>conf/" + ARCHIVE_PID + ".cfg</code> file wins when edited or"
                    + " at a restart</small></form>");
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"start_migration\">Migrate from <select name=\"from\">" + options + "</select> to <select"
                    + " name=\"to\">" + options + "</select> <button type=\"submit\">Start migration</button></form>");
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"stop_migration\"><button type=\"submit\">Stop migration</button></form>");
        }
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
