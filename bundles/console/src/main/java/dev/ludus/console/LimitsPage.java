package dev.ludus.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.ludus.api.gateway.RateLimitControl;
import dev.ludus.api.gateway.RateLimitStatus;
import dev.ludus.api.health.HealthCheck;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Rate limits: the gateway's mode and limiter, every policy with its refusals (and what shadow
 * mode let through), the players and addresses refused most in the last minutes, and the players
 * banned now, and the health of a shared limiter (Redis reachable, its failure policy in force). One action: lift a ban ({@code POST action=unban, player}). The policies themselves
 * are settings of the gateway (Configuration, "Ludus gateway").
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + LimitsPage.LABEL,
        "felix.webconsole.title=Rate limits",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class LimitsPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-limits";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RateLimitControl control;

    /** The limiters' own health checks ({@code limits-redis}: Redis reachable, failure policy in force). */
    private final transient List<HealthCheck> checks = new CopyOnWriteArrayList<>();

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
        RateLimitControl c = control;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", c != null);
        RateLimitStatus s = c == null ? null : c.status();
        m.put("mode", s == null ? "" : s.mode());
        m.put("limiter", s == null || s.limiter() == null ? "none bound" : s.limiter());
        List<Map<String, Object>> policies = new ArrayList<>();
        List<Map<String, Object>> players = new ArrayList<>();
        List<Map<String, Object>> addresses = new ArrayList<>();
        List<Map<String, Object>> banned = new ArrayList<>();
        if (s != null) {
            for (RateLimitStatus.Policy p : s.policies()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", p.name());
                row.put("spec", p.spec());
                row.put("refused", p.refused());
                row.put("wouldRefuse", p.wouldRefuse());
                policies.add(row);
            }
            s.topRefusedPlayers().forEach(k -> players.add(Map.of("player", k.key(), "refused", k.count())));
            s.topRefusedAddresses().forEach(k -> addresses.add(Map.of("address", k.key(), "refused", k.count())));
            s.banned().forEach((player, left) -> banned.add(Map.of("player", player, "left", PlayersPage.age(
                    java.time.Instant.EPOCH, java.time.Instant.ofEpochMilli(left)))));
            m.put("settingsRefused", s.settingsRefused());
        }
        List<Map<String, Object>> limiters = new ArrayList<>();
        Checks.run(checks).forEach((name, result) -> {
            if (name.startsWith("limits-")) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("check", name);
                row.put("status", result.status().name());
                row.put("reason", result.reason());
                limiters.add(row);
            }
        });
        m.put("limiterHealth", limiters);
        m.put("policies", policies);
        m.put("topPlayers", players);
        m.put("topAddresses", addresses);
        m.put("banned", banned);
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        if (!"unban".equals(req.getParameter("action"))) {
            throw new BadRequest("unknown_action", "the rate limits page knows one action: unban");
        }
        String player = req.getParameter("player");
        if (player == null || player.isBlank()) {
            throw new BadRequest("bad_player", "name the player id to unban");
        }
        RateLimitControl c = control;
        if (c == null) {
            throw new BadRequest(503, "unavailable", "the gateway is not running");
        }
        if (!c.unban(player.strip())) {
            throw new BadRequest(404, "not_banned", "player " + player.strip() + " is not banned");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", "unbanned " + player.strip());
        m.put("player", player.strip());
        return m;
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("available"))) {
            out.println("<p class=\"ludus-error\">The gateway is not running: no limit is applied.</p>");
        }
        out.println("<p>Mode " + live("mode", model.get("mode")) + ", limiter " + live("limiter", model.get("limiter"))
                + ". Policies are settings of the gateway (Configuration, \"Ludus gateway\"), applied live.</p>");
        Object refused = model.get("settingsRefused");
        if (refused instanceof Map<?, ?> r && !r.isEmpty()) {
            out.println("<p class=\"ludus-error\">Settings refused (the previous values stay):</p>");
            keyValues(out, "settingsRefused", r);
        }
        List<Map<String, Object>> limiters = (List<Map<String, Object>>) model.get("limiterHealth");
        if (!limiters.isEmpty()) {
            out.println("<h3>Shared limiters</h3>");
            table(out, "limiterHealth", OverviewPage.columns("check", "Health check", "status", "Status", "reason", "Reason"),
                    limiters, null, null);
        }
        out.println("<h3>Policies</h3>");
        table(out, "policies", OverviewPage.columns("name", "Policy", "spec", "Limit", "refused", "Refused",
                "wouldRefuse", "Would refuse (shadow)"), (List<Map<String, Object>>) model.get("policies"), null, null);
        out.println("<h3>Players refused most (last minutes)</h3>");
        table(out, "topPlayers", OverviewPage.columns("player", "Player id", "refused", "Refused"),
                (List<Map<String, Object>>) model.get("topPlayers"), null, null);
        out.println("<h3>Addresses refused most (sessions)</h3>");
        table(out, "topAddresses", OverviewPage.columns("address", "Address", "refused", "Refused"),
                (List<Map<String, Object>>) model.get("topAddresses"), null, null);
        out.println("<h3>Banned players</h3>");
        if (!readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"unban\">Unban player id <input type=\"text\" name=\"player\" required>"
                    + " <button type=\"submit\">Unban</button></form>");
        }
        table(out, "banned", OverviewPage.columns("player", "Player id", "left", "Ban left"),
                (List<Map<String, Object>>) model.get("banned"), null, null);
    }
}
