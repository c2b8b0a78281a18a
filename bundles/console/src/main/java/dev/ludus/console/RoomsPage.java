package dev.ludus.console;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomOperations;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Rooms: search (name text, state, game type) and page through them with the lobby's paged query
 * ({@link RoomService#list(RoomQuery)}), so ten thousand rooms are never loaded at once; one room
 * with its seats, its game as a spectator sees it and its last events ({@code ?room=<id>}).
 * Actions ({@code POST}, each with {@code room}): remove a player ({@code action=remove_player,
 * player, reason}): before the start the seat is freed, during the game a bot plays it from then on
 * ({@link RoomOperations#removePlayer}); pause a running game ({@code pause_room, reason}), resume it
 * ({@code resume_room}), end it ({@code end_room, reason}) ({@link RoomOperations}; each recorded in
 * the room's stream with the reason and the console user).
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + RoomsPage.LABEL,
        "felix.webconsole.title=Rooms",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class RoomsPage extends ConsolePage {
    private static final long serialVersionUID = 1L;

    static final String LABEL = "ludus-rooms";
    static final int DEFAULT_PAGE = 50;
    /** How many of a room's latest events the room view shows. */
    static final int LAST_EVENTS = 20;
    /** Longest event payload shown, in characters. */
    static final int EVENT_TEXT = 400;
    /**
     * Prefix of a room's event stream in the event store. The rooms runtime names the streams so;
     * if it ever stops, the room view shows no events and says so, nothing else breaks.
     */
    static final String STREAM_PREFIX = "room-";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RoomService rooms;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventStore events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RoomOperations operations;

    @Override
    String label() {
        return LABEL;
    }

    @Override
    Map<String, Object> model(HttpServletRequest req) {
        RoomService rs = rooms;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", rs != null);
        String roomId = param(req, "room");
        if (roomId != null) {
            m.put("room", rs == null ? null : room(rs, roomId));
            return m;
        }
        RoomQuery query = query(req);
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("text", query.text());
        q.put("state", query.state() == null ? "" : query.state().name());
        q.put("game", query.gameType());
        q.put("limit", query.limit());
        q.put("cursor", query.cursor());
        m.put("query", q);
        if (rs == null) {
            m.put("rooms", List.of());
            m.put("next", null);
            return m;
        }
        RoomPage page;
        try {
            page = rs.list(query);
        } catch (RoomException e) {
            throw new BadRequest(e.code(), e.getMessage());
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (RoomInfo r : page.rooms()) {
            // The lobby's page is as of its last seat or state change; a running game's version
            // and pause are the room's own, now.
            list.add(row(rs.get(r.roomId()).orElse(r)));
        }
        m.put("rooms", list);
        m.put("next", page.next());
        m.put("lobbyVersion", page.lobbyVersion());
        return m;
    }

    /** The actions this page takes, by their {@code action} value. */
    static final List<String> ACTIONS = List.of("remove_player", "pause_room", "resume_room", "end_room");

    @Override
    Map<String, Object> act(HttpServletRequest req) {
        String action = req.getParameter("action");
        if (!ACTIONS.contains(action)) {
            throw new BadRequest("unknown_action", "the rooms page knows the actions " + ACTIONS);
        }
        if (!"remove_player".equals(action)) {
            return operate(req, action);
        }
        String roomId = param(req, "room");
        String player = param(req, "player");
        String reason = param(req, "reason");
        if (roomId == null || player == null) {
            throw new BadRequest("bad_player", "name the room and the player id to remove");
        }
        requireReason(reason);
        RoomOperations ops = operations;
        if (ops == null) {
            throw new BadRequest(503, "unavailable", "the rooms service is not available");
        }
        RoomInfo after;
        try {
            // In the console user's name: the room's stream records who removed the player and why.
            after = ops.removePlayer(roomId, player, reason, user(req));
        } catch (RoomException e) {
            throw refused(e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", "removed " + player + " from room " + roomId + " (" + (after.state() == RoomState.WAITING
                ? "seat freed" : "a bot plays the seat") + "): " + reason);
        m.put("room", roomId);
        m.put("player", player);
        m.put("reason", reason);
        m.put("version", after.version());
        return m;
    }

    /** The longest reason an action takes, in characters. */
    static final int MAX_REASON = 100;

    private static void requireReason(String reason) {
        if (reason == null || reason.length() > MAX_REASON || reason.chars().anyMatch(Character::isISOControl)) {
            throw new BadRequest("bad_reason", "reason must be 1 to " + MAX_REASON
                    + " characters without control characters");
        }
    }

    /** A refusal of the rooms service as an answer: its own code, with a status that fits. */
    private static BadRequest refused(RoomException e) {
        int status = RoomException.NO_SUCH_ROOM.equals(e.code()) ? 404
                : RoomException.UNAVAILABLE.equals(e.code()) ? 503
                : RoomException.BAD_OPTIONS.equals(e.code()) ? 400 : 409;
        return new BadRequest(status, e.code(), e.getMessage());
    }

    /**
     * Pauses, resumes or ends a room ({@link RoomOperations}) in the console user's name. The room's
     * stream records it with the reason and the user; the audit log has the same line as for every
     * action.
     */
    private Map<String, Object> operate(HttpServletRequest req, String action) {
        String roomId = param(req, "room");
        if (roomId == null) {
            throw new BadRequest("bad_room", "name the room");
        }
        boolean resume = "resume_room".equals(action);
        String reason = resume ? null : param(req, "reason");
        if (!resume) {
            requireReason(reason);
        }
        RoomOperations ops = operations;
        if (ops == null) {
            throw new BadRequest(503, "unavailable", "the rooms service is not available");
        }
        String by = user(req);
        RoomInfo after;
        try {
            after = switch (action) {
                case "pause_room" -> ops.pause(roomId, reason, by);
                case "resume_room" -> ops.resume(roomId, by);
                default -> ops.end(roomId, reason, by);
            };
        } catch (RoomException e) {
            throw refused(e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", switch (action) {
            case "pause_room" -> "paused room " + roomId + " until an operator resumes it: " + reason;
            case "resume_room" -> "resumed room " + roomId;
            default -> "ended room " + roomId + ", its players got game_over: " + reason;
        });
        m.put("room", roomId);
        if (reason != null) {
            m.put("reason", reason);
        }
        m.put("state", after.state().name());
        m.put("version", after.version());
        return m;
    }

    private static RoomQuery query(HttpServletRequest req) {
        RoomState state = null;
        String s = param(req, "state");
        if (s != null) {
            try {
                state = RoomState.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadRequest("bad_state", "state must be one of WAITING, PLAYING, PAUSED, FINISHED");
            }
        }
        int limit = DEFAULT_PAGE;
        String l = param(req, "limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                throw new BadRequest("bad_limit", "limit must be a number from 1 to " + RoomQuery.MAX_LIMIT);
            }
            if (limit < 1 || limit > RoomQuery.MAX_LIMIT) {
                throw new BadRequest("bad_limit", "limit must be a number from 1 to " + RoomQuery.MAX_LIMIT);
            }
        }
        return new RoomQuery(param(req, "game"), state, null, param(req, "q"), limit, param(req, "cursor"));
    }

    static Map<String, Object> row(RoomInfo r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("roomId", r.roomId());
        m.put("name", r.name());
        m.put("gameType", r.gameType());
        m.put("state", r.state().name() + (r.pauseReason().isEmpty() ? "" : " (" + r.pauseReason() + ")"));
        m.put("seats", seats(r));
        m.put("version", r.version());
        m.put("createdAt", r.createdAt() == null ? null : r.createdAt().toString());
        return m;
    }

    /** Seats in one line: "0 Alice (away), 1 bot Ada, 2 empty". */
    static String seats(RoomInfo r) {
        StringBuilder b = new StringBuilder();
        for (SeatInfo s : r.seats()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(s.seat()).append(' ');
            if (s.empty()) {
                b.append("empty");
            } else if (s.bot() && s.playerId() == null) {
                b.append("bot ").append(s.name());
            } else {
                b.append(s.name()).append(s.connected() ? "" : " (away)");
            }
        }
        return b.toString();
    }

    private Map<String, Object> room(RoomService rs, String roomId) {
        Optional<RoomInfo> found = rs.get(roomId);
        if (found.isEmpty()) {
            throw new BadRequest(404, RoomException.NO_SUCH_ROOM, "no room " + roomId + " is held by the rooms runtime");
        }
        RoomInfo r = found.get();
        Map<String, Object> m = row(r);
        m.put("pauseReason", r.pauseReason());
        m.put("pausedBy", r.pausedBy());
        m.put("operatorPaused", r.operatorPaused());
        // What the forms may offer: a game that runs (paused or not) can be paused or ended.
        m.put("running", r.state() == RoomState.PLAYING || r.state() == RoomState.PAUSED);
        m.put("options", r.options());
        List<Map<String, Object>> seats = new ArrayList<>();
        for (SeatInfo s : r.seats()) {
            Map<String, Object> seat = new LinkedHashMap<>();
            seat.put("seat", s.seat());
            seat.put("name", s.empty() ? "" : s.name());
            seat.put("playerId", s.playerId());
            seat.put("kind", s.empty() ? "empty" : s.playerId() == null ? "bot" : "player");
            seat.put("connected", s.playerId() == null ? null : s.connected());
            seats.add(seat);
        }
        m.put("seatList", seats);
        try {
            Map<String, Object> view = rs.view(roomId, null); // nobody's seat: what a spectator sees
            m.put("gameVersion", view.get("gameVersion"));
            m.put("game", view.containsKey("game") ? ConsoleJson.pretty(view.get("game")) : "");
            m.put("result", view.containsKey("result") ? ConsoleJson.pretty(view.get("result")) : "");
        } catch (RoomException e) {
            m.put("game", "");
            m.put("viewError", e.code() + ": " + e.getMessage());
        }
        m.put("events", lastEvents(roomId, r.version()));
        return m;
    }

    private List<Map<String, Object>> lastEvents(String roomId, long version) {
        EventStore es = events;
        List<Map<String, Object>> list = new ArrayList<>();
        if (es == null || version < 1) {
            return list;
        }
        List<RecordedEvent> recorded;
        try {
            recorded = es.read(STREAM_PREFIX + roomId, Math.max(1, version - LAST_EVENTS + 1), LAST_EVENTS);
        } catch (RuntimeException e) {
            return list;
        }
        for (int i = recorded.size() - 1; i >= 0; i--) {
            RecordedEvent e = recorded.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", e.version());
            m.put("type", e.type());
            m.put("at", java.time.Instant.ofEpochMilli(e.timestamp()).toString());
            String text = new String(e.data(), StandardCharsets.UTF_8);
            m.put("data", text.length() > EVENT_TEXT ? text.substring(0, EVENT_TEXT) + "…" : text);
            list.add(m);
        }
        return list;
    }

    // ---------------------------------------------------------------- HTML

    @Override
    @SuppressWarnings("unchecked")
    void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out) {
        if (!Boolean.TRUE.equals(model.get("available"))) {
            out.println("<p class=\"ludus-error\">The rooms service is not available (its bundle is stopped or being"
                    + " replaced).</p>");
        }
        if (model.containsKey("room")) {
            renderRoom((Map<String, Object>) model.get("room"), req, out);
            return;
        }
        Map<String, Object> q = (Map<String, Object>) model.get("query");
        out.println("<form method=\"get\" class=\"ludus-search\">");
        out.println("<input type=\"search\" name=\"q\" placeholder=\"name contains\" value=\"" + Html.text(q.get("text"))
                + "\">");
        out.println("<select name=\"state\">");
        String current = String.valueOf(q.get("state"));
        out.println("<option value=\"\">open (not finished)</option>");
        for (RoomState s : RoomState.values()) {
            out.println("<option" + (s.name().equals(current) ? " selected" : "") + ">" + s.name() + "</option>");
        }
        out.println("</select>");
        out.println("<input type=\"text\" name=\"game\" placeholder=\"game type\" value=\"" + Html.text(q.get("game"))
                + "\">");
        out.println("<input type=\"number\" name=\"limit\" min=\"1\" max=\"" + RoomQuery.MAX_LIMIT + "\" value=\""
                + Html.text(q.get("limit")) + "\">");
        out.println("<button type=\"submit\">Search</button></form>");
        table(out, "rooms", OverviewPage.columns("name", "Name", "roomId", "Room", "gameType", "Game", "state", "State",
                "seats", "Seats", "version", "Version", "createdAt", "Created"),
                (List<Map<String, Object>>) model.get("rooms"), "room", "roomId");
        Object next = model.get("next");
        String base = "?q=" + Html.query(str(q.get("text"))) + "&state=" + Html.query(str(q.get("state")))
                + "&game=" + Html.query(str(q.get("game"))) + "&limit=" + Html.query(str(q.get("limit")));
        out.print("<p class=\"ludus-paging\">");
        if (q.get("cursor") != null) {
            out.print("<a href=\"" + Html.text(base) + "\">First page</a> ");
        }
        if (next != null) {
            out.print("<a href=\"" + Html.text(base + "&cursor=" + Html.query(String.valueOf(next))) + "\">Next page</a>");
        }
        out.println("</p>");
    }

    private static String str(Object v) {
        return v == null ? "" : String.valueOf(v);
    }

    /** Pause (or resume) and end forms for a running game. */
    private static void roomForms(Map<String, Object> room, PrintWriter out) {
        String hidden = "<input type=\"hidden\" name=\"room\" value=\"" + Html.text(room.get("roomId"))
                + "\"><input type=\"hidden\" name=\"back\" value=\"room="
                + Html.text(Html.query(String.valueOf(room.get("roomId")))) + "\">";
        String reason = "<input type=\"text\" name=\"reason\" required maxlength=\"" + MAX_REASON + "\">";
        if (Boolean.TRUE.equals(room.get("operatorPaused"))) {
            out.println("<form method=\"post\" class=\"ludus-action\" id=\"ludus-resume-room\">"
                    + "<input type=\"hidden\" name=\"action\" value=\"resume_room\">" + hidden
                    + "<button type=\"submit\">Resume the game</button></form>");
        } else {
            out.println("<form method=\"post\" class=\"ludus-action\" id=\"ludus-pause-room\">"
                    + "<input type=\"hidden\" name=\"action\" value=\"pause_room\">" + hidden + "Pause because "
                    + reason + " <button type=\"submit\">Pause the game (until resumed)</button></form>");
        }
        out.println("<form method=\"post\" class=\"ludus-action\" id=\"ludus-end-room\">"
                + "<input type=\"hidden\" name=\"action\" value=\"end_room\">" + hidden + "End because " + reason
                + " <button type=\"submit\">End the game now (players get game over)</button></form>");
    }

    @SuppressWarnings("unchecked")
    private static void renderRoom(Map<String, Object> room, HttpServletRequest req, PrintWriter out) {
        out.println("<p><a href=\"?\">All rooms</a></p>");
        if (room == null) {
            return;
        }
        out.println("<h2>" + live("room.name", room.get("name")) + "</h2>");
        out.println("<table class=\"nicetable ludus-kv\"><tbody>");
        for (String key : List.of("roomId", "gameType", "state", "version", "gameVersion", "createdAt", "pauseReason",
                "pausedBy")) {
            out.println("<tr><th>" + Html.text(key) + "</th><td>" + live("room." + key, room.get(key)) + "</td></tr>");
        }
        out.println("<tr><th>options</th><td>" + Html.text(room.get("options")) + "</td></tr>");
        out.println("</tbody></table>");
        out.println("<h3>Seats</h3>");
        table(out, "room.seatList", OverviewPage.columns("seat", "Seat", "kind", "Kind", "name", "Name", "playerId",
                "Player id", "connected", "Connected"), (List<Map<String, Object>>) room.get("seatList"), null, null);
        List<Map<String, Object>> humans = new ArrayList<>();
        for (Map<String, Object> seat : (List<Map<String, Object>>) room.get("seatList")) {
            if ("player".equals(seat.get("kind"))) {
                humans.add(seat);
            }
        }
        if (!humans.isEmpty() && !readOnly(req)) {
            out.println("<form method=\"post\" class=\"ludus-action\"><input type=\"hidden\" name=\"action\""
                    + " value=\"remove_player\"><input type=\"hidden\" name=\"room\" value=\""
                    + Html.text(room.get("roomId")) + "\"><input type=\"hidden\" name=\"back\" value=\"room="
                    + Html.text(Html.query(String.valueOf(room.get("roomId")))) + "\">Remove <select name=\"player\">");
            for (Map<String, Object> seat : humans) {
                out.println("<option value=\"" + Html.text(seat.get("playerId")) + "\">" + Html.text(seat.get("seat"))
                        + " " + Html.text(seat.get("name")) + "</option>");
            }
            out.println("</select> because <input type=\"text\" name=\"reason\" required maxlength=\"" + MAX_REASON
                    + "\"> <button type=\"submit\">Remove (a bot takes the seat)</button></form>");
        }
        if (Boolean.TRUE.equals(room.get("running")) && !readOnly(req)) {
            roomForms(room, out);
        }
        out.println("<h3>Game, as a spectator sees it</h3>");
        if (room.get("viewError") != null) {
            out.println("<p class=\"ludus-error\">" + Html.text(room.get("viewError")) + "</p>");
        }
        out.println("<pre class=\"ludus-game\" data-k=\"room.game\">" + Html.text(room.get("game")) + "</pre>");
        out.println("<pre class=\"ludus-game\" data-k=\"room.result\">" + Html.text(room.get("result")) + "</pre>");
        out.println("<h3>Last events</h3>");
        table(out, "room.events", OverviewPage.columns("version", "Version", "type", "Type", "at", "Stored",
                "data", "Data"), (List<Map<String, Object>>) room.get("events"), null, null);
    }
}
