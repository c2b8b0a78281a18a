package dev.ludus.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.MessageBus;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The message bus: every running bus with its consumer groups (topics, handler bundle and version,
 * lag, in flight, dead letters), and one group's dead letters (message, topic, the handler that
 * failed, error, attempts). Actions: replay a group's dead letters, all or one, to the handler
 * running now ({@code POST action=replay, bus, group[, id]}), or discard them
 * ({@code action=discard}). Each is audited with the operator's name.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + BusPage.LABEL,
        "felix.webconsole.title=Message bus",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class BusPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-bus";
    private static final int MAX_LETTERS = 200;

    private final transient List<MessageBus> buses = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBus(MessageBus bus) {
        buses.add(bus);
    }

    void removeBus(MessageBus bus) {
        buses.remove(bus);
    }

    @Override
    String label() {
        return LABEL;
    }

    private MessageBus bus(String implementation) {
        for (MessageBus b : buses) {
            if (implementation == null || implementation.isBlank() || b.status().implementation().equals(implementation)) {
                return b;
            }
        }
        return null;
    }

    @Override
    Map<String, Object> model(HttpServletRequest req) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> all = new ArrayList<>();
        for (MessageBus b : buses) {
            BusStatus s = b.status();
            Map<String, Object> bus = new LinkedHashMap<>();
            bus.put("bus", s.implementation());
            bus.put("reachable", s.reachable());
            bus.put("detail", s.detail());
            List<Map<String, Object>> groups = new ArrayList<>();
            for (BusStatus.Group g : s.groups()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("group", g.group());
                row.put("topics", String.join(", ", g.topics()));
                row.put("handler", g.handler().isEmpty() ? "none registered" : g.handler());
                row.put("lag", g.lag());
                row.put("inFlight", g.inFlight());
                row.put("deadLetters", g.deadLetters());
                groups.add(row);
            }
            bus.put("groups", groups);
            all.add(bus);
        }
        m.put("buses", all);
        String group = req.getParameter("group");
        if (group != null && !group.isBlank()) {
            MessageBus b = bus(req.getParameter("bus"));
            List<Map<String, Object>> letters = new ArrayList<>();
            if (b != null) {
                try {
                    for (DeadLetter d : b.deadLetters(group.strip(), MAX_LETTERS)) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("id", d.id());
                        row.put("message", d.message().id());
                        row.put("topic", d.message().topic());
                        row.put("key", d.message().key() == null ? "" : d.message().key());
                        row.put("handler", d.handlerBundle() + " " + d.handlerVersion());
                        row.put("error", d.error());
                        row.put("attempts", d.attempts());
                        row.put("deadAt", d.deadAt().toString());
                        letters.add(row);
                    }
                } catch (BusException e) {
                    throw new BadRequest(e.code(), e.getMessage());
                }
            }
            m.put("group", group.strip());
            m.put("bus", b == null ? "" : b.status().implementation());
            m.put("deadLetters", letters);
        }
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        String action = req.getParameter("action");
        boolean replay = "replay".equals(action);
        if (!replay && !"discard".equals(action)) {
            throw new BadRequest("unknown_action", "the message bus page knows two actions: replay and discard");
        }
        String group = req.getParameter("group");
        if (group == null || group.isBlank()) {
            throw new BadRequest("bad_group", "name the consumer group");
        }
        MessageBus b = bus(req.getParameter("bus"));
        if (b == null) {
            throw new BadRequest(503, "unavailable", "no message bus " + String.valueOf(req.getParameter("bus")) + " runs");
        }
        String id = req.getParameter("id");
        List<String> ids = id == null || id.isBlank() ? List.of() : List.of(id.strip());
        String operator = user(req);
        int n;
        try {
            n = (replay ? b.replay(group.strip(), ids, operator) : b.discard(group.strip(), ids, operator))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BusException be) {
                throw new BadRequest(be.code().equals("unknown_dead_letter") ? 404 : 400, be.code(), be.getMessage());
            }
            throw new BadRequest(503, "unavailable", String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            throw new BadRequest(503, "unavailable", "the bus did not answer within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadRequest(503, "unavailable", "interrupted");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", (replay ? "replayed " : "discarded ") + n + " dead letter(s) of " + group.strip());
        m.put("group", group.strip());
        m.put("count", n);
        return m;
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        List<Map<String, Object>> all = (List<Map<String, Object>>) model.get("buses");
        if (all.isEmpty()) {
            out.println("<p class=\"ludus-error\">No message bus runs: finished games are not announced.</p>");
        }
        for (int i = 0; i < all.size(); i++) {
            Map<String, Object> bus = all.get(i);
            out.println("<h3>Bus " + Html.text(bus.get("bus")) + "</h3>");
            out.println("<p>" + (Boolean.TRUE.equals(bus.get("reachable")) ? "Storing" : "<span class=\"ludus-error\">Not storing</span>")
                    + ": " + live("buses." + i + ".detail", bus.get("detail")) + "</p>");
            table(out, "buses." + i + ".groups", OverviewPage.columns("group", "Consumer group", "topics", "Topics",
                    "handler", "Handler", "lag", "Lag", "inFlight", "In flight", "deadLetters", "Dead letters"),
                    (List<Map<String, Object>>) bus.get("groups"), "group", "group");
        }
        Object group = model.get("group");
        if (group == null) {
            out.println("<p>Choose a consumer group to see its dead letters.</p>");
            return;
        }
        out.println("<h3>Dead letters of " + Html.text(group) + "</h3>");
        if (!readOnly(req)) {
            String hidden = "<input type=\"hidden\" name=\"bus\" value=\"" + Html.text(model.get("bus"))
                    + "\"><input type=\"hidden\" name=\"group\" value=\"" + Html.text(group) + "\">"
                    + "<input type=\"hidden\" name=\"back\" value=\"group=" + Html.text(Html.query(String.valueOf(group)))
                    + "\">";
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\" value=\"replay\">"
                    + hidden + "Dead letter id (empty: all) <input type=\"text\" name=\"id\"> <button type=\"submit\">"
                    + "Replay to the handler running now</button></form>");
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\" value=\"discard\">"
                    + hidden + "Dead letter id (empty: all) <input type=\"text\" name=\"id\"> <button type=\"submit\">"
                    + "Discard</button></form>");
        }
        table(out, "deadLetters", OverviewPage.columns("id", "Id", "message", "Message id", "topic", "Topic", "key", "Key",
                "handler", "Failed in", "error", "Error", "attempts", "Attempts", "deadAt", "Dead since"),
                (List<Map<String, Object>>) model.get("deadLetters"), null, null);
    }
}
