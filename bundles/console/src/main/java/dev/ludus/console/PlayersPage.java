package dev.ludus.console;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
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

import dev.ludus.api.gateway.PlayerControl;
import dev.ludus.api.gateway.PlayerDirectory;
import dev.ludus.api.gateway.PlayerSessionInfo;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Players: every session the gateway holds, with its room, connection age, messages and bytes
 * each way, outbound queue and resume state; filtered by name or id text, at most
 * {@link #MAX_SHOWN} shown. One action: disconnect a player ({@code POST action=disconnect,
 * player, reason}), which closes the player's connection with code 4004 and the reason
 * ({@link PlayerControl}).
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + PlayersPage.LABEL,
        "felix.webconsole.title=Players",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class PlayersPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-players";
    /** Most rows a page shows; the counts cover every session. */
    static final int MAX_SHOWN = 500;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PlayerDirectory directory;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PlayerControl control;

    @Override
    String label() {
        return LABEL;
    }

    @Override
    Map<String, Object> model(HttpServletRequest req) {
        PlayerDirectory d = directory;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", d != null);
        String text = req.getParameter("q");
        text = text == null || text.isBlank() ? null : text.strip().toLowerCase(Locale.ROOT);
        m.put("query", text == null ? "" : text);
        List<Map<String, Object>> rows = new ArrayList<>();
        int connected = 0;
        int away = 0;
        int matching = 0;
        Instant now = Instant.now();
        for (PlayerSessionInfo p : d == null ? List.<PlayerSessionInfo>of() : d.players()) {
            if (p.connected()) {
                connected++;
            } else {
                away++;
            }
            if (text != null && !contains(p.name(), text) && !contains(p.playerId(), text)
                    && !contains(p.roomId(), text)) {
                continue;
            }
            matching++;
            if (rows.size() < MAX_SHOWN) {
                rows.add(row(p, now));
            }
        }
        m.put("connected", connected);
        m.put("away", away);
        m.put("matching", matching);
        m.put("shown", rows.size());
        m.put("players", rows);
        return m;
    }

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        String action = req.getParameter("action");
        if (!"disconnect".equals(action)) {
            throw new BadRequest("unknown_action", "the players page knows one action: disconnect");
        }
        String player = req.getParameter("player");
        if (player == null || player.isBlank()) {
            throw new BadRequest("bad_player", "name the player id to disconnect");
        }
        player = player.strip();
        String reason = req.getParameter("reason");
        PlayerControl c = control;
        if (c == null) {
            throw new BadRequest(503, "unavailable", "the gateway is not running");
        }
        boolean closed;
        try {
            closed = c.disconnect(player, reason == null ? "" : reason);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("bad_reason", e.getMessage());
        }
        if (!closed) {
            throw new BadRequest(404, "not_connected", "player " + player + " has no connection here");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", "disconnected " + player + " (close " + PlayerControl.CLOSE_DISCONNECTED + "): " + reason.strip());
        m.put("player", player);
        m.put("closeCode", PlayerControl.CLOSE_DISCONNECTED);
        m.put("reason", reason.strip());
        return m;
    }

    private static boolean contains(String value, String lowerText) {
        return value != null && value.toLowerCase(Locale.ROOT).contains(lowerText);
    }

    static Map<String, Object> row(PlayerSessionInfo p, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("playerId", p.playerId());
        m.put("roomId", p.roomId() == null ? "" : p.roomId());
        m.put("connectedFor", p.connectedAt() == null ? "" : age(p.connectedAt(), now));
        m.put("state", p.connected() ? "connected"
                : "away " + age(p.awaySince(), now) + ", may resume for "
                        + (p.resumableUntil() == null ? "?" : age(now, p.resumableUntil())));
        m.put("in", p.messagesIn() + " / " + p.bytesIn() + " B");
        m.put("out", p.messagesOut() + " / " + p.bytesOut() + " B");
        m.put("queued", p.outboundQueued() + " / " + p.outboundBytes() + " B");
        m.put("lastSeq", p.lastSeq());
        m.put("remote", p.remoteAddress() == null ? "" : p.remoteAddress());
        return m;
    }

    /** "3h 12m", "4m 05s", "12s": the time from {@code from} to {@code to} (0 if negative). */
    static String age(Instant from, Instant to) {
        long s = Math.max(0, Duration.between(from, to).toSeconds());
        if (s >= 3600) {
            return s / 3600 + "h " + (s % 3600) / 60 + "m";
        }
        if (s >= 60) {
            return s / 60 + "m " + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        }
        return s + "s";
    }

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("available"))) {
            out.println("<p class=\"ludus-error\">The gateway is not running: no player can be connected.</p>");
        }
        out.println("<p>Connected " + live("connected", model.get("connected")) + ", away (may resume) "
                + live("away", model.get("away")) + "; showing " + live("shown", model.get("shown")) + " of "
                + live("matching", model.get("matching")) + " matching.</p>");
        out.println("<form method=\"get\" class=\"ludus-search\"><input type=\"search\" name=\"q\""
                + " placeholder=\"name, player or room id contains\" value=\"" + Html.text(model.get("query"))
                + "\"><button type=\"submit\">Search</button></form>");
        if (!readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"disconnect\">Disconnect player id <input type=\"text\" name=\"player\" required>"
                    + " because <input type=\"text\" name=\"reason\" required maxlength=\"" + PlayerControl.MAX_REASON
                    + "\"> <button type=\"submit\">Disconnect (close " + PlayerControl.CLOSE_DISCONNECTED
                    + ")</button> <small>Not a ban: the player may resume.</small></form>");
        }
        table(out, "players", OverviewPage.columns("name", "Name", "playerId", "Player id", "roomId", "Room",
                "connectedFor", "Connected for", "state", "State", "in", "Messages / bytes in", "out",
                "Messages / bytes out", "queued", "Outbound queue", "lastSeq", "Last seq", "remote", "Address"),
                (List<Map<String, Object>>) model.get("players"), null, null);
    }
}
