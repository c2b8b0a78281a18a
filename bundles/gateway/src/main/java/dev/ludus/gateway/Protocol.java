package dev.ludus.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;

/**
 * Reads client frames into {@link Request}s and writes server messages, as JSON text. Thread safe.
 * Parsing never throws: a frame that is not a request becomes a {@link Bad} with a stable code.
 */
final class Protocol {

    /** Longest string id, room id, name or action type the protocol accepts. */
    static final int MAX_ID = 64;
    /** A version-00 traceparent has 55 characters; later versions may append fields. */
    static final int MAX_TRACEPARENT = 512;
    static final int MAX_NAME = 100;
    /** Longest player id a statistics request may name. */
    static final int MAX_PLAYER_ID = 128;
    /** Longest archived game id (the archive's own bound). */
    static final int MAX_GAME_ID = 200;
    /**
     * The largest {@code seq} a client may send: the largest integer a JavaScript number holds
     * exactly. A session's numbering continues from a resumed {@code lastSeq}, so a larger one could
     * overflow it.
     */
    static final long MAX_SEQ = (1L << 53) - 1;
    /** Longest lobby cursor; the rooms service makes far shorter ones. */
    static final int MAX_CURSOR = 256;

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private static final int SHARED_SLOTS = 256;

    // A frame holds exactly one JSON value: anything after it is refused, not silently dropped.
    private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /**
     * What reads a player's frame: as {@link #mapper}, and a key twice in one object is refused. Read
     * last-wins, {@code {"type":"act",…,"type":"hello"}} means one thing to a proxy or log reader that
     * keeps the first and another to the server.
     */
    private final ObjectReader requests = mapper.reader().with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private final AtomicReferenceArray<Object[]> shared = new AtomicReferenceArray<>(SHARED_SLOTS);

    /** The outcome of parsing one frame. */
    sealed interface Parsed {
    }

    record Good(Request request) implements Parsed {
    }

    /** Not a usable request; {@code id} is the request's id when it could be read, else null. */
    record Bad(Object id, String code, String message) implements Parsed {
    }

    /** A refusal while reading a request's fields. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message, null, false, false);
        }
    }

    Parsed parse(String text) {
        JsonNode root;
        try {
            root = requests.readTree(text);
        } catch (JsonProcessingException e) {
            String duplicate = duplicateKey(e);
            return new Bad(null, Codes.BAD_JSON, duplicate != null
                    ? "not valid JSON: the key \"" + clip(duplicate) + "\" appears twice in one object"
                    : "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            return new Bad(null, Codes.BAD_REQUEST, "a request is a JSON object with \"id\" and \"type\"");
        }
        Object id;
        try {
            id = id(root.get("id"));
        } catch (Refusal r) {
            return new Bad(null, Codes.BAD_REQUEST, r.getMessage());
        }
        JsonNode typeNode = root.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            return new Bad(id, Codes.BAD_REQUEST, "\"type\" must be a string");
        }
        try {
            return new Good(request(typeNode.asText(), id, root));
        } catch (Refusal r) {
            return new Bad(id, Codes.BAD_REQUEST, r.getMessage());
        } catch (UnknownType u) {
            return new Bad(id, Codes.UNKNOWN_TYPE, "unknown request type '" + clip(typeNode.asText()) + "'; known: "
                    + "hello, list_rooms, create_room, join_room, leave_room, add_bot, remove_bot, start, act, sync, ping, "
                    + "profile, leaderboard, history");
        }
    }

    /** The key Jackson found twice in one object, or null when that is not what {@code e} is. */
    private static String duplicateKey(JsonProcessingException e) {
        if (!(e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException)) {
            return null;
        }
        String m = e.getOriginalMessage();
        String prefix = "Duplicate field '";
        if (m == null || !m.startsWith(prefix)) {
            return null;
        }
        int end = m.indexOf('\'', prefix.length());
        return end < 0 ? null : m.substring(prefix.length(), end);
    }

    private static final class UnknownType extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownType() {
            super(null, null, false, false);
        }
    }

    private Request request(String type, Object id, JsonNode r) throws Refusal, UnknownType {
        return switch (type) {
            case "hello" -> new Request.Hello(id, optionalText(r, "name", 32), optionalText(r, "token", 512),
                    lastSeq(r), Boolean.TRUE.equals(optionalBoolean(r, "batch")));
            case "list_rooms" -> new Request.ListRooms(id, optionalText(r, "game", MAX_ID), roomState(r),
                    optionalBoolean(r, "joinable"), optionalText(r, "text", MAX_NAME),
                    (int) Math.min(RoomQuery.MAX_LIMIT, Math.max(1, optionalLong(r, "limit", 100))),
                    optionalText(r, "cursor", MAX_CURSOR));
            case "create_room" -> new Request.CreateRoom(id, text(r, "game", MAX_ID), text(r, "name", MAX_NAME),
                    options(r.get("options")));
            case "join_room" -> new Request.JoinRoom(id, text(r, "room", MAX_NAME), optionalText(r, "name", 32));
            case "leave_room" -> new Request.LeaveRoom(id);
            case "add_bot" -> new Request.AddBot(id);
            case "remove_bot" -> new Request.RemoveBot(id, (int) Math.max(-1, Math.min(1000, longValue(r, "seat"))));
            case "start" -> new Request.StartGame(id);
            case "act" -> new Request.Act(id, text(r, "action", MAX_ID), args(r.get("args")), traceparent(r));
            case "sync" -> new Request.Sync(id);
            case "ping" -> new Request.Ping(id);
            case "profile" -> new Request.Profile(id, optionalText(r, "player", MAX_PLAYER_ID));
            case "leaderboard" -> new Request.Leaderboard(id, text(r, "game", MAX_ID), statsLimit(r, 20));
            case "history" -> new Request.History(id, optionalText(r, "player", MAX_PLAYER_ID), statsLimit(r, 20));
            case "replay" -> new Request.Replay(id, text(r, "game", MAX_GAME_ID), replaySeat(r));
            default -> throw new UnknownType();
        };
    }

    /**
     * The optional W3C {@code traceparent} of a request. Tracing must never cost a player an
     * action: anything but a string of a sane length is ignored here, and a string that is not a
     * valid trace context is ignored when the span is started (a new trace is begun instead).
     */
    static String traceparent(JsonNode r) {
        JsonNode n = r.get("traceparent");
        return n != null && n.isTextual() && n.asText().length() <= MAX_TRACEPARENT ? n.asText() : null;
    }

    private static Object id(JsonNode n) throws Refusal {
        if (n != null && n.isTextual() && !n.asText().isEmpty() && n.asText().length() <= MAX_ID) {
            return n.asText();
        }
        if (n != null && n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        throw new Refusal("\"id\" must be a string of 1 to " + MAX_ID + " characters or an integer");
    }

    private static String text(JsonNode r, String field, int max) throws Refusal {
        String s = optionalText(r, field, max);
        if (s == null || s.isBlank()) {
            throw new Refusal("\"" + field + "\" is required: a string of 1 to " + max + " characters");
        }
        return s;
    }

    private static String optionalText(JsonNode r, String field, int max) throws Refusal {
        JsonNode n = r.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().length() > max) {
            throw new Refusal("\"" + field + "\" must be a string of at most " + max + " characters");
        }
        return n.asText();
    }

    private static RoomState roomState(JsonNode r) throws Refusal {
        String s = optionalText(r, "state", 16);
        if (s == null) {
            return null;
        }
        try {
            return RoomState.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Refusal("\"state\" must be one of WAITING, PLAYING, PAUSED, FINISHED");
        }
    }

    private static Boolean optionalBoolean(JsonNode r, String field) throws Refusal {
        JsonNode n = r.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isBoolean()) {
            throw new Refusal("\"" + field + "\" must be true or false");
        }
        return n.asBoolean();
    }

    private static long longValue(JsonNode r, String field) throws Refusal {
        JsonNode n = r.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new Refusal("\"" + field + "\" is required: an integer");
        }
        return n.asLong();
    }

    private static long lastSeq(JsonNode r) throws Refusal {
        long v = optionalLong(r, "lastSeq", -1);
        if (r.hasNonNull("lastSeq") && (v < 0 || v > MAX_SEQ)) {
            throw new Refusal("\"lastSeq\" must be an integer from 0 to " + MAX_SEQ + ": the seq of the last event received");
        }
        return v;
    }

    private static long optionalLong(JsonNode r, String field, long fallback) throws Refusal {
        JsonNode n = r.get(field);
        return n == null || n.isNull() ? fallback : longValue(r, field);
    }

    private static Map<String, String> options(JsonNode n) throws Refusal {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject() || n.size() > 32) {
            throw new Refusal("\"options\" must be an object of at most 32 string or number values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (e.getKey().length() > MAX_ID || !(v.isTextual() || v.isNumber() || v.isBoolean())
                    || v.asText().length() > MAX_NAME) {
                throw new Refusal("option \"" + clip(e.getKey()) + "\" must be a short string, number or boolean");
            }
            out.put(e.getKey(), v.asText());
        }
        return out;
    }

    private Map<String, Object> args(JsonNode n) throws Refusal {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new Refusal("\"args\" must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            if (it.next().getValue().isNull()) {
                throw new Refusal("\"args\" values must not be null");
            }
        }
        return mapper.convertValue(n, MAP);
    }

    /** {@code seat} of a {@code replay}: 0 to {@value #MAX_SEAT}, 0 when absent. */
    private static int replaySeat(JsonNode r) throws Refusal {
        long seat = optionalLong(r, "seat", 0);
        if (seat < 0 || seat > MAX_SEAT) {
            throw new Refusal("\"seat\" must be 0 to " + MAX_SEAT + ", got " + seat);
        }
        return (int) seat;
    }

    /** The largest seat number a request may name. */
    static final int MAX_SEAT = 63;

    /** {@code limit} of a statistics request: 1 to {@link PlayerStats#MAX_LIMIT}, else refused. */
    private static int statsLimit(JsonNode r, int otherwise) throws Refusal {
        long limit = optionalLong(r, "limit", otherwise);
        if (limit < 1 || limit > dev.ludus.api.stats.PlayerStats.MAX_LIMIT) {
            throw new Refusal("\"limit\" must be 1 to " + dev.ludus.api.stats.PlayerStats.MAX_LIMIT + ", got " + limit);
        }
        return (int) limit;
    }

    private static final Map<Class<?>, String> TYPES = Map.ofEntries(Map.entry(Request.Hello.class, "hello"),
            Map.entry(Request.ListRooms.class, "list_rooms"), Map.entry(Request.CreateRoom.class, "create_room"),
            Map.entry(Request.JoinRoom.class, "join_room"), Map.entry(Request.LeaveRoom.class, "leave_room"),
            Map.entry(Request.AddBot.class, "add_bot"), Map.entry(Request.RemoveBot.class, "remove_bot"),
            Map.entry(Request.StartGame.class, "start"), Map.entry(Request.Act.class, "act"),
            Map.entry(Request.Sync.class, "sync"), Map.entry(Request.Ping.class, "ping"),
            Map.entry(Request.Profile.class, "profile"), Map.entry(Request.Leaderboard.class, "leaderboard"),
            Map.entry(Request.History.class, "history"),
            Map.entry(Request.Replay.class, "replay"));

    /** A profile as the protocol shows it; a player without finished games has zeros. */
    static Map<String, Object> profile(String playerId, java.util.Optional<dev.ludus.api.stats.PlayerProfile> found) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("playerId", playerId);
        if (found.isEmpty()) {
            m.put("name", "");
            m.put("gamesPlayed", 0);
            m.put("gamesWon", 0);
            m.put("points", 0);
            m.put("roundsPlayed", 0);
            m.put("roundsExact", 0);
            m.put("declarationAccuracy", 0.0);
            m.put("lastPlayedAt", null);
            m.put("byGameType", Map.of());
            return m;
        }
        dev.ludus.api.stats.PlayerProfile p = found.get();
        m.put("name", p.name());
        m.put("gamesPlayed", p.gamesPlayed());
        m.put("gamesWon", p.gamesWon());
        m.put("points", p.points());
        m.put("roundsPlayed", p.roundsPlayed());
        m.put("roundsExact", p.roundsExact());
        m.put("declarationAccuracy", Math.round(p.declarationAccuracy() * 1000) / 1000.0);
        m.put("lastPlayedAt", p.lastPlayedAt().toString());
        Map<String, Object> types = new java.util.TreeMap<>();
        p.byGameType().forEach((type, t) -> types.put(type, Map.of("gamesPlayed", t.gamesPlayed(), "gamesWon",
                t.gamesWon(), "points", t.points(), "roundsPlayed", t.roundsPlayed(), "roundsExact", t.roundsExact())));
        m.put("byGameType", types);
        return m;
    }

    static List<Map<String, Object>> standings(List<dev.ludus.api.stats.Standing> board) {
        List<Map<String, Object>> out = new java.util.ArrayList<>(board.size());
        for (dev.ludus.api.stats.Standing s : board) {
            out.add(Map.of("rank", s.rank(), "playerId", s.playerId(), "name", s.name(), "gamesPlayed", s.gamesPlayed(),
                    "gamesWon", s.gamesWon(), "points", s.points()));
        }
        return out;
    }

    static List<Map<String, Object>> games(List<dev.ludus.api.stats.GameRecord> games) {
        List<Map<String, Object>> out = new java.util.ArrayList<>(games.size());
        for (dev.ludus.api.stats.GameRecord g : games) {
            out.add(Map.of("roomId", g.roomId(), "gameType", g.gameType(), "finishedAt", g.finishedAt().toString(),
                    "seat", g.seat(), "score", g.score(), "won", g.won(), "players", g.players(), "scores", g.scores()));
        }
        return out;
    }

    /**
     * The result of a {@code replay}: {@code {"game":{"id","type","startedAt","completedAt","players",
     * "events":[{"version","type","timestamp","data"},…]}}}, the events as the room recorded them.
     * A record in another format than the rooms' ({@code ludus-room-record/1}) has no events. With
     * {@code steps} (the rooms service rebuilt the game): {@code "seat"}, {@code "seats":[{"playerId",
     * "name","bot"}]}, {@code "steps":[{"version","seat","action","args","cause","at","view"}]} (the first
     * step's {@code view} whole, every later one as {@code viewPatch}, a merge patch of the view before) and
     * {@code "result"}; without, {@code noSteps} says why as {@code "stepsUnavailable":{"code","message"}}.
     */
    String replayResult(dev.ludus.api.archive.CompletedGame g, dev.ludus.api.rooms.GameReplay steps,
                        dev.ludus.api.rooms.RoomException noSteps) {
        com.fasterxml.jackson.databind.node.ObjectNode game = mapper.createObjectNode();
        game.put("id", g.gameId());
        game.put("type", g.gameType());
        game.put("startedAt", g.startedAt().toString());
        game.put("completedAt", g.completedAt().toString());
        g.playerIds().forEach(game.putArray("players")::add);
        JsonNode events = null;
        try {
            JsonNode doc = mapper.readTree(g.record());
            if (doc != null && "ludus-room-record/1".equals(doc.path("format").asText())) {
                events = doc.get("records");
            }
        } catch (java.io.IOException notJson) {
            // a record of another producer: no events to show
        }
        game.set("events", events != null && events.isArray() ? events : mapper.createArrayNode());
        if (steps != null) {
            game.put("seat", steps.seat());
            com.fasterxml.jackson.databind.node.ArrayNode seats = game.putArray("seats");
            for (dev.ludus.api.rooms.GameReplay.Player p : steps.players()) {
                com.fasterxml.jackson.databind.node.ObjectNode s = seats.addObject();
                s.put("playerId", p.playerId());
                s.put("name", p.name());
                s.put("bot", p.bot());
            }
            com.fasterxml.jackson.databind.node.ArrayNode list = game.putArray("steps");
            JsonNode previous = null;
            for (dev.ludus.api.rooms.GameReplay.Step st : steps.steps()) {
                com.fasterxml.jackson.databind.node.ObjectNode o = list.addObject();
                o.put("version", st.version());
                o.put("seat", st.seat());
                o.put("action", st.action());
                o.set("args", mapper.valueToTree(st.args()));
                if (st.cause() != null) {
                    o.put("cause", st.cause());
                }
                o.put("at", st.at());
                JsonNode view = mapper.valueToTree(st.view());
                if (previous == null) {
                    o.set("view", view);
                } else {
                    o.set("viewPatch", mergePatch(previous, view));
                }
                previous = view;
            }
            game.set("result", mapper.valueToTree(steps.result()));
        } else if (noSteps != null) {
            com.fasterxml.jackson.databind.node.ObjectNode why = game.putObject("stepsUnavailable");
            why.put("code", noSteps.code());
            why.put("message", noSteps.getMessage());
        }
        com.fasterxml.jackson.databind.node.ObjectNode result = mapper.createObjectNode();
        result.set("game", game);
        return json(result);
    }

    /**
     * A JSON merge patch (RFC 7386) that turns {@code from} into {@code to}: the members that
     * changed, {@code null} for those removed. A member whose new value is {@code null} is removed
     * by it too (absent and null mean the same to the views it carries).
     */
    static JsonNode mergePatch(JsonNode from, JsonNode to) {
        if (from == null || !from.isObject() || !to.isObject()) {
            return to;
        }
        com.fasterxml.jackson.databind.node.ObjectNode patch =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode before = from.get(e.getKey());
            if (before == null || !before.equals(e.getValue())) {
                patch.set(e.getKey(), before != null && before.isObject() && e.getValue().isObject()
                        ? mergePatch(before, e.getValue()) : e.getValue());
            }
        }
        for (java.util.Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!to.has(name)) {
                patch.putNull(name);
            }
        }
        return patch;
    }

    /** The protocol's name of a request's type ({@code act}, {@code list_rooms}, …). */
    static String typeOf(Request r) {
        return TYPES.getOrDefault(r.getClass(), "other");
    }

    static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    // ---------------------------------------------------------------- writing

    /** A success reply: {@code {"type":"ok","id":…,"result":{…}}}. */
    String ok(Object id, Map<String, Object> result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ok");
        m.put("id", id);
        m.put("result", result);
        return write(m);
    }

    /**
     * A success reply whose result is already JSON (a lobby page serialised once and sent to many):
     * the same text {@link #ok} would write.
     */
    String okJson(Object id, String resultJson) {
        return "{\"type\":\"ok\",\"id\":" + json(id) + ",\"result\":" + resultJson + "}";
    }

    /**
     * Messages already written, as one {@code batch} message: {@code {"type":"batch","messages":[…]}},
     * each member the text it would have been sent as alone.
     */
    static String batch(List<String> messages) {
        int size = 32;
        for (String m : messages) {
            size += m.length() + 1;
        }
        StringBuilder b = new StringBuilder(size).append("{\"type\":\"batch\",\"messages\":[");
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(messages.get(i));
        }
        return b.append("]}").toString();
    }

    /** An error reply: {@code {"type":"error","id":…,"code":…,"message":…}}; id may be null. */
    String error(Object id, String code, String message) {
        return error(id, code, message, Map.of());
    }

    /** An error reply with fields of its own after the usual ones ({@code retryAfterMillis}...). */
    String error(Object id, String code, String message, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "error");
        m.put("id", id);
        m.put("code", code);
        m.put("message", message == null ? code : message);
        m.putAll(extra);
        return write(m);
    }

    /** A warning, not tied to a request: {@code {"type":"warning","code":…,"message":…}}. */
    String warning(String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "warning");
        m.put("code", code);
        m.put("message", message);
        return write(m);
    }

    /**
     * A player's {@code state} message: {@code game}, a seat's view, is the engine's, as handed to
     * every player at that seat after one change of the room at version {@code v}.
     */
    String state(long seq, String roomId, long v, Object game, Object allowedActions) {
        return json(new ServerEvent.State(seq, roomId, v, game, allowedActions));
    }

    /** Any JSON-compatible value (map, list, string, number...) as JSON. */
    String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A room as the protocol shows it, in replies ({@code create_room}, {@code join_room},
     * {@code list_rooms}...), {@code room} events and snapshots: {@code roomId, name, gameType,
     * state, version, pauseReason, pausedBy, seats[{seat, playerId, name, bot, connected}]}. The one
     * definition of that shape; {@code createdAt} and {@code options} stay on the server.
     */
    static Map<String, Object> room(RoomInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("roomId", info.roomId());
        m.put("name", info.name());
        m.put("gameType", info.gameType());
        m.put("state", info.state().name());
        m.put("version", info.version());
        m.put("pauseReason", info.pauseReason());
        m.put("pausedBy", info.pausedBy());
        List<Map<String, Object>> seats = new ArrayList<>(info.seats().size());
        for (SeatInfo s : info.seats()) {
            Map<String, Object> seat = new LinkedHashMap<>();
            seat.put("seat", s.seat());
            seat.put("playerId", s.playerId());
            seat.put("name", s.name());
            seat.put("bot", s.bot());
            seat.put("connected", s.connected());
            seats.add(seat);
        }
        m.put("seats", seats);
        return m;
    }

    /** A string as a JSON string literal. */
    String quote(String s) {
        return json(s);
    }

    /**
     * The JSON of a value that is never changed once made and is handed to several players (the
     * data of one event, the room of one change): written once, then taken from a small cache keyed
     * by identity. A {@link RoomInfo} is written as {@link #room}.
     */
    String sharedJson(Object value) {
        int i = System.identityHashCode(value) & (SHARED_SLOTS - 1);
        Object[] slot = shared.get(i);
        if (slot != null && slot[0] == value) {
            return (String) slot[1];
        }
        String json = json(value instanceof RoomInfo info ? room(info) : value);
        shared.set(i, new Object[] {value, json});
        return json;
    }

    /** Any JSON-compatible map as a JSON object. */
    String write(Map<String, Object> message) {
        try {
            return mapper.writeValueAsString(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a JSON object (for tests and tools). */
    Map<String, Object> read(String json) {
        try {
            return mapper.readValue(json, MAP);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
