package dev.ludus.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.ludus.api.cluster.Cluster;
import dev.ludus.api.cluster.ClusterException;
import dev.ludus.api.cluster.NodeInfo;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Cluster: the live nodes as this node sees them (address, rooms running, rooms it owns in the
 * directory, CPU, lease age, draining), the rooms whose node is gone and not yet taken over, and
 * one action: drain a node ({@code POST action=drain, node, confirm=drain}): it stops as at SIGTERM
 * and the other nodes take its rooms over; this node itself, or another through the cluster.
 * Without the cluster bundle (a single node) the page says so.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + ClusterPage.LABEL,
        "felix.webconsole.title=Cluster",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class ClusterPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-cluster";

    private transient volatile Cluster cluster;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setCluster(Cluster c) {
        cluster = c;
    }

    void unsetCluster(Cluster c) {
        if (cluster == c) {
            cluster = null;
        }
    }

    @Override
    String label() {
        return LABEL;
    }

    @Override
    Map<String, Object> model(HttpServletRequest req) {
        Map<String, Object> m = new LinkedHashMap<>();
        Cluster c = cluster;
        if (c == null) {
            m.put("member", false);
            m.put("nodes", List.of());
            return m;
        }
        m.put("member", true);
        m.put("nodeId", c.nodeId());
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (NodeInfo n : c.nodes()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", n.id());
                row.put("here", n.id().equals(c.nodeId()) ? "this node" : "");
                row.put("address", n.address());
                row.put("rooms", n.rooms());
                row.put("ownedRooms", c.roomsOf(n.id()).size());
                row.put("cpu", String.format(Locale.ROOT, "%.0f %%", 100 * n.cpu()));
                row.put("leaseAgeMillis", n.leaseAgeMillis());
                row.put("draining", n.draining() ? "draining" : "");
                row.put("games", String.join(", ", n.games().stream().filter(g -> !g.contains("@")).sorted().toList()));
                rows.add(row);
            }
            m.put("nodes", rows);
            m.put("orphanedRooms", c.orphans().size());
        } catch (ClusterException e) {
            m.put("nodes", List.of());
            m.put("problem", e.getMessage());
        }
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        if (!"drain".equals(req.getParameter("action"))) {
            throw new BadRequest("unknown_action", "the cluster page knows one action: drain");
        }
        String node = param(req, "node");
        if (node == null) {
            throw new BadRequest("bad_node", "name the node to drain");
        }
        if (!"drain".equals(param(req, "confirm"))) {
            throw new BadRequest("not_confirmed", "to drain a node, send confirm=drain (tick the box)");
        }
        Cluster c = cluster;
        if (c == null) {
            throw new BadRequest(503, "not_in_cluster", "this node is not in a cluster: use Drain and stop on the overview");
        }
        try {
            c.requestDrain(node);
        } catch (ClusterException e) {
            throw new BadRequest(ClusterException.NO_NODE.equals(e.code()) ? 404 : 503,
                    ClusterException.NO_NODE.equals(e.code()) ? "unknown_node" : "unavailable", e.getMessage());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", "node " + node + " drains: it closes its players' connections with 1012, stops its rooms and leaves;"
                + " the other nodes take its rooms over");
        return m;
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("member"))) {
            out.println("<p>This node runs alone: no cluster bundle is configured (see docs/scaling.md to run several"
                    + " nodes).</p>");
            return;
        }
        out.println("<p>This node: " + Html.text(model.get("nodeId")) + ". Rooms whose node is gone, not taken over yet: "
                + live("orphanedRooms", model.get("orphanedRooms")) + ".</p>");
        if (model.get("problem") != null) {
            out.println("<p class=\"ludus-error\">" + Html.text(model.get("problem")) + "</p>");
        }
        table(out, "nodes", OverviewPage.columns("id", "Node", "here", "", "address", "Address", "rooms", "Rooms running",
                "ownedRooms", "Rooms owned", "cpu", "CPU", "leaseAgeMillis", "Lease age (ms)", "draining", "Draining",
                "games", "Games"), (List<Map<String, Object>>) model.get("nodes"), null, null);
        if (!readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\" value=\"drain\">"
                    + "Node <input type=\"text\" name=\"node\" size=\"16\"> <label><input type=\"checkbox\" name=\"confirm\""
                    + " value=\"drain\"> I mean it</label> <button type=\"submit\">Drain and stop the node</button></form>");
            out.println("<p class=\"ludus-note\">A drained node stops as at SIGTERM: its players are closed with 1012 and"
                    + " resume on another node; the other nodes take its rooms over at once.</p>");
        }
    }
}
