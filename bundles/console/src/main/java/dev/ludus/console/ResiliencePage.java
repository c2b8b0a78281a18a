package dev.ludus.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.resilience.PolicyStatus;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.resilience.ResilienceException;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Resilience: every policy of the running {@link Resilience} service
 * with its breaker's state and since when, failure rate, calls, failures, refusals, retries, time
 * limits hit, its last failure and its settings, and the health check {@code resilience}. One
 * action: force a breaker open or closed, or give it back to its failures ({@code POST
 * action=force, policy, how=open|closed|none}); the console audits it with the operator's name.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + ResiliencePage.LABEL,
        "felix.webconsole.title=Resilience",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class ResiliencePage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-resilience";

    private transient volatile Resilience resilience;
    private final transient List<HealthCheck> checks = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResilience(Resilience r) {
        resilience = r;
    }

    void unbindResilience(Resilience r) {
        if (resilience == r) {
            resilience = null;
        }
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
        Resilience r = resilience;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("running", r != null);
        List<Map<String, Object>> rows = new ArrayList<>();
        if (r != null) {
            for (PolicyStatus s : r.policies()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("policy", s.name());
                row.put("state", s.state().name());
                row.put("since", String.valueOf(s.since()));
                row.put("failureRate", s.failureRate() < 0 ? "" : String.format(Locale.ROOT, "%.1f %%", s.failureRate()));
                row.put("calls", s.calls());
                row.put("failures", s.failures());
                row.put("refused", s.refused());
                row.put("retries", s.retries());
                row.put("timeouts", s.timeouts());
                row.put("lastFailure", s.lastFailure() == null ? "" : s.lastFailure());
                row.put("settings", s.settings());
                rows.add(row);
            }
        }
        m.put("policies", rows);
        HealthResult h = Checks.run(checks).get("resilience");
        if (h != null) {
            m.put("health", h.status().name());
            m.put("reason", h.reason() == null ? "" : h.reason());
        }
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        if (!"force".equals(req.getParameter("action"))) {
            throw new BadRequest("unknown_action", "the resilience page knows one action: force");
        }
        Resilience r = resilience;
        if (r == null) {
            throw new BadRequest(503, "resilience_not_running", "no resilience service runs (its bundle is stopped)");
        }
        String policy = param(req, "policy");
        if (policy == null) {
            throw new BadRequest("bad_policy", "name the policy");
        }
        String how = param(req, "how");
        Resilience.Forced forced;
        try {
            forced = Resilience.Forced.valueOf(how == null ? "" : how.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequest("bad_how", "how is open, closed or none");
        }
        if (r.policies().stream().noneMatch(s -> s.name().equals(policy))) {
            throw new BadRequest(404, "unknown_policy", "no policy " + (policy.length() > 80 ? policy.substring(0, 80) + "…" : policy) + " has been used or configured");
        }
        try {
            r.force(policy, forced);
        } catch (ResilienceException e) {
            throw new BadRequest("bad_policy", e.getMessage());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", switch (forced) {
            case OPEN -> "forced the breaker of " + policy + " open";
            case CLOSED -> "forced the breaker of " + policy + " closed";
            case NONE -> "gave the breaker of " + policy + " back to its failures";
        });
        return m;
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("running"))) {
            out.println("<p class=\"ludus-error\">No resilience service runs (the bundle dev.ludus.resilience "
                    + "is stopped): calls go straight to their targets.</p>");
            return;
        }
        if (model.containsKey("health")) {
            out.println("<p>Health: " + Html.text(String.valueOf(model.get("health")))
                    + (String.valueOf(model.get("reason")).isEmpty() ? "" : " — " + Html.text(String.valueOf(model.get("reason"))))
                    + "</p>");
        }
        out.println("<h3>Policies</h3>");
        table(out, "policies", OverviewPage.columns("policy", "Policy", "state", "Breaker", "since", "Since",
                "failureRate", "Failing", "calls", "Calls", "failures", "Failed", "refused", "Refused", "retries", "Retries",
                "timeouts", "Timed out", "lastFailure", "Last failure", "settings", "Settings"),
                (List<Map<String, Object>>) model.get("policies"), null, null);
        if (!readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\" "
                    + "value=\"force\">Policy <input type=\"text\" name=\"policy\" size=\"20\"> <select name=\"how\">"
                    + "<option value=\"open\">force open (refuse every call)</option>"
                    + "<option value=\"closed\">force closed (make every call)</option>"
                    + "<option value=\"none\">give back to its failures</option></select> "
                    + "<button type=\"submit\">Apply</button></form>");
        }
    }
}
