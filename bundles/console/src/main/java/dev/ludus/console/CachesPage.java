package dev.ludus.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthCheck;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Caches: every cache of every implementation running (local, shared in Redis, two-level), with
 * its owner bundle, hit ratio, loads, size and errors, and the implementations' health (Redis
 * reachable). One action: empty a cache on every node that shares it ({@code POST action=invalidate,
 * type, owner, cache}); the console audits it with the operator's name.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + CachesPage.LABEL,
        "felix.webconsole.title=Caches",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class CachesPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-caches";

    /** Each implementation by its {@code ludus.cache} name. */
    private final transient Map<Caches, String> implementations = new ConcurrentHashMap<>();
    private final transient List<HealthCheck> checks = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCaches(Caches caches, Map<String, Object> properties) {
        implementations.put(caches, String.valueOf(properties.get(Caches.TYPE)));
    }

    void removeCaches(Caches caches) {
        implementations.remove(caches);
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
        List<Map<String, Object>> rows = new ArrayList<>();
        implementations.forEach((caches, type) -> {
            for (CacheStats s : caches.stats()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("type", type);
                row.put("owner", s.owner());
                row.put("ownerVersion", s.ownerVersion());
                row.put("cache", s.name());
                row.put("hitRatio", String.format(Locale.ROOT, "%.1f %%", 100 * s.hitRatio()));
                row.put("hits", s.hits());
                row.put("misses", s.misses());
                row.put("loads", s.loads());
                row.put("loadMillis", s.loads() == 0 ? "" : String.format(Locale.ROOT, "%.2f", s.loadNanos() / 1e6 / s.loads()));
                row.put("evictions", s.evictions());
                row.put("size", s.size());
                row.put("maxEntries", s.maxEntries());
                row.put("errors", s.errors());
                rows.add(row);
            }
        });
        rows.sort((a, b) -> (a.get("type") + " " + a.get("owner") + " " + a.get("cache"))
                .compareTo(b.get("type") + " " + b.get("owner") + " " + b.get("cache")));
        List<Map<String, Object>> health = new ArrayList<>();
        Checks.run(checks).forEach((name, result) -> {
            if (name.startsWith("cache-")) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("check", name);
                row.put("status", result.status().name());
                row.put("reason", result.reason() == null ? "" : result.reason());
                health.add(row);
            }
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("implementations", implementations.values().stream().sorted().toList());
        m.put("caches", rows);
        m.put("health", health);
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        if (!"invalidate".equals(req.getParameter("action"))) {
            throw new BadRequest("unknown_action", "the caches page knows one action: invalidate");
        }
        String type = required(req, "type");
        String owner = required(req, "owner");
        String cache = required(req, "cache");
        Caches caches = null;
        for (Map.Entry<Caches, String> e : implementations.entrySet()) {
            if (e.getValue().equals(type)) {
                caches = e.getKey();
            }
        }
        if (caches == null) {
            throw new BadRequest(404, "unknown_cache", "no cache implementation " + type + " runs");
        }
        if (!caches.invalidateAll(owner, cache)) {
            throw new BadRequest(404, "unknown_cache", "no cache " + cache + " of " + owner + " in " + type);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", "emptied cache " + cache + " of " + owner + " (" + type + ")");
        return m;
    }

    private static String required(HttpServletRequest req, String name) {
        String v = param(req, name);
        if (v == null) {
            throw new BadRequest("bad_" + name, "name the " + name);
        }
        return v;
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        List<String> types = (List<String>) model.get("implementations");
        if (types.isEmpty()) {
            out.println("<p class=\"ludus-error\">No cache implementation runs: every read goes to its source.</p>");
        } else {
            out.println("<p>Implementations running: " + Html.text(String.join(", ", types)) + ". Readers choose one with "
                    + "their cache.target setting (Configuration), live.</p>");
        }
        List<Map<String, Object>> health = (List<Map<String, Object>>) model.get("health");
        if (!health.isEmpty()) {
            table(out, "health", OverviewPage.columns("check", "Health check", "status", "Status", "reason", "Reason"),
                    health, null, null);
        }
        out.println("<h3>Caches</h3>");
        table(out, "caches", OverviewPage.columns("type", "Implementation", "owner", "Owner", "ownerVersion", "Version",
                "cache", "Cache", "hitRatio", "Hit ratio", "hits", "Hits", "misses", "Misses", "loads", "Loads",
                "loadMillis", "Load ms (avg)", "evictions", "Evictions", "size", "Entries here", "maxEntries", "Max entries",
                "errors", "Errors"), (List<Map<String, Object>>) model.get("caches"), null, null);
        if (!readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\" "
                    + "value=\"invalidate\">Implementation <input type=\"text\" name=\"type\" size=\"10\"> Owner "
                    + "<input type=\"text\" name=\"owner\" size=\"24\"> Cache <input type=\"text\" name=\"cache\" size=\"12\"> "
                    + "<button type=\"submit\">Empty it (every node that shares it)</button></form>");
        }
    }
}
