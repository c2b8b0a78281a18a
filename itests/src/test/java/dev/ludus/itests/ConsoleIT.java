package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The Ludus pages of the Web Console (bundle {@code dev.ludus.console}) over HTTP, logged in as
 * the console's admin, in the default distribution: what they show, that a hostile room name is
 * escaped in the HTML and in the JSON, that bad queries get a stable error, and that removing the
 * console bundle leaves Ludus running while putting it back brings the pages back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConsoleIT {

    static final String CONSOLE_BSN = "dev.ludus.console";
    static final String HOSTILE = "<script>alert(1)</script> \"double\" 'single' &amp;";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    BundleContext context;

    @Inject
    RoomService rooms;

    @Inject
    dev.ludus.api.archive.ArchiveService archiveService;

    @Inject
    org.osgi.service.cm.ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("console", List.of());
    }

    private String console() {
        return self() + "/system/console";
    }

    /** The players' WebSocket endpoint of the node under test. */
    private java.net.URI ws() {
        return java.net.URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    /** The console's own origin, which its POSTs must come from. */
    private String self() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    private Http.Response get(String path) throws Exception {
        return Http.get(console() + path, "admin", context.getProperty("ludus.itest.password"));
    }

    /** Waits for a page to be served (the Web Console picks plugins up asynchronously). */
    private Http.Response page(String path, String mustContain) throws Exception {
        Http.Response[] last = new Http.Response[1];
        Wait.until(path + " serves " + mustContain, 20_000, () -> {
            last[0] = get(path);
            return last[0].status() == 200 && last[0].body().contains(mustContain);
        });
        return last[0];
    }

    @Test
    public void overviewShowsTheNodeItsBundlesAndWhichImplementationEachServiceUses() throws Exception {
        RoomInfo room = rooms.create("liap-tui", "overview room", Map.of());
        assertNotNull(room);
        String html = page("/ludus", "Ludus bundles").body();
        for (String expected : List.of("dev.ludus.rooms", "dev.ludus.gateway", "dev.ludus.console", "ACTIVE",
                "RoomService", "ludus.store=memory", "ludus.archive.backend=fs", "Players connected", "Actions/s",
                "p99 action latency", "Event store", "ludus-console.js")) {
            assertTrue("overview shows " + expected, html.contains(expected));
        }
        Http.Response json = get("/ludus.json");
        assertEquals(200, json.status());
        JsonNode m = JSON.readTree(json.body());
        assertTrue(json.body(), m.at("/rooms/waiting").asInt() >= 1);
        assertEquals("fs", m.at("/archive/activeBackend").asText());
        assertTrue(json.body(), m.at("/players/connected").isNumber());
        assertTrue(json.body(), m.at("/node/components").size() >= 5);
        boolean consoleListed = false;
        for (JsonNode b : m.get("bundles")) {
            consoleListed |= b.get("symbolicName").asText().equals(CONSOLE_BSN) && b.get("state").asText().equals("ACTIVE");
        }
        assertTrue(json.body(), consoleListed);
    }

    @Test
    public void aHostileRoomNameIsEscapedInTheRoomsPageItsJsonAndTheRoomView() throws Exception {
        RoomInfo room = rooms.create("liap-tui", HOSTILE, Map.of());
        String html = page("/ludus-rooms?q=alert", "alert(1)").body();
        assertFalse("raw script tag in the HTML", html.contains("<script>alert(1)"));
        assertFalse("raw double quote of the name in the HTML", html.contains("\"double\""));
        assertTrue(html, html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;double&quot; &#39;single&#39; &amp;amp;"));
        assertTrue("the row links to the room", html.contains("?room=" + room.roomId()));

        Http.Response json = get("/ludus-rooms.json?q=alert");
        assertEquals(200, json.status());
        assertFalse(json.body(), json.body().contains("<script>"));
        assertFalse(json.body(), json.body().contains("'single'"));
        JsonNode m = JSON.readTree(json.body());
        assertEquals(1, m.get("rooms").size());
        assertEquals("the JSON decodes to the name exactly", HOSTILE, m.at("/rooms/0/name").asText());

        String view = page("/ludus-rooms?room=" + room.roomId(), "Seats").body();
        assertFalse(view.contains("<script>alert(1)"));
        assertTrue(view, view.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        Http.Response viewJson = get("/ludus-rooms.json?room=" + room.roomId());
        assertFalse(viewJson.body(), viewJson.body().contains("<script>"));
        assertEquals(HOSTILE, JSON.readTree(viewJson.body()).at("/room/name").asText());
        assertTrue(viewJson.body(), JSON.readTree(viewJson.body()).at("/room/events").size() >= 1);
    }

    @Test
    public void roomsPageThroughEveryRoomOnceWithoutLoadingThemAll() throws Exception {
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 120; i++) {
            created.add(rooms.create("liap-tui", "paged " + i, Map.of()).roomId());
        }
        page("/ludus-rooms", "paged");
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            Http.Response r = get("/ludus-rooms.json?q=paged&limit=50" + (cursor == null ? "" : "&cursor="
                    + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(r.body(), 200, r.status());
            JsonNode m = JSON.readTree(r.body());
            assertTrue(m.get("rooms").size() <= 50);
            for (JsonNode room : m.get("rooms")) {
                assertTrue("no room twice", seen.add(room.get("roomId").asText()));
            }
            cursor = m.get("next").isNull() ? null : m.get("next").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(3, pages);
        assertEquals(created, seen);
    }

    @Test
    @SuppressWarnings("unchecked")
    public void playersPageShowsEachSessionWithItsRoomAndCountsAndEscapesItsName() throws Exception {
        java.net.URI ws = ws();
        ProtocolClient.awaitGateway(ws, 20_000);
        String hostileName = "<img src=x onerror=alert(2)>\"'"; // names are at most 32 characters
        try (ProtocolClient c = ProtocolClient.hello(ws, hostileName)) {
            Map<String, Object> created = c.ok("create_room", Map.of("game", "liap-tui", "name", "players page"));
            String room = (String) ((Map<String, Object>) created.get("room")).get("roomId");
            c.ok("join_room", Map.of("room", room));
            String html = page("/ludus-players?q=onerror", room).body();
            assertFalse("raw tag of the player's name in the HTML", html.contains("<img src=x"));
            assertTrue(html, html.contains("&lt;img src=x onerror=alert(2)&gt;&quot;&#39;"));
            Http.Response json = get("/ludus-players.json?q=onerror");
            assertFalse(json.body(), json.body().contains("<img"));
            JsonNode m = JSON.readTree(json.body());
            assertEquals(1, m.get("players").size());
            JsonNode p = m.at("/players/0");
            assertEquals(hostileName, p.get("name").asText());
            assertEquals(c.playerId(), p.get("playerId").asText());
            assertEquals(room, p.get("roomId").asText());
            assertEquals("connected", p.get("state").asText());
            // hello, create_room and join_room came in; as many replies and more (events) went out
            assertTrue(p.toString(), p.get("in").asText().startsWith("3 / "));
            assertTrue(m.get("connected").asInt() >= 1);
        }
        Wait.until("the player shows as away, resumable", 10_000, () -> JSON.readTree(
                get("/ludus-players.json?q=onerror").body()).at("/players/0/state").asText().startsWith("away"));
    }

    /** A form POST to a console path as the admin, with an {@code Origin} header unless null. */
    private Http.Response post(String path, String origin, Map<String, String> form) throws Exception {
        return post("admin", context.getProperty("ludus.itest.password"), path, origin, form);
    }

    /** A form POST to a console path as {@code user}, with an {@code Origin} header unless null. */
    private Http.Response post(String user, String password, String path, String origin, Map<String, String> form)
            throws Exception {
        return post(user, password, path, "Origin", origin, form);
    }

    /** A form POST to a console path as {@code user}, with header {@code header} unless its value is null. */
    private Http.Response post(String user, String password, String path, String header, String value,
                               Map<String, String> form) throws Exception {
        return Http.postForm(console() + path, user, password, header, value, form);
    }

    @Test
    public void thePlayerBannedForRepeatedRefusalsIsShownOnTheLimitsPageAndAnOperatorUnbansThem() throws Exception {
        java.net.URI ws = ws();
        ProtocolClient.awaitGateway(ws, 20_000);
        String self = self();
        org.osgi.service.cm.Configuration gateway = configAdmin.getConfiguration("dev.ludus.gateway", "?");
        java.util.Dictionary<String, Object> before = gateway.getProperties();
        java.util.Hashtable<String, Object> strict = new java.util.Hashtable<>();
        if (before != null) {
            for (java.util.Enumeration<String> keys = before.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                strict.put(k, before.get(k));
            }
        }
        strict.put("limitPing", "1/1h");
        strict.put("limitWarnAt", 100);
        strict.put("limitCloseAt", 2);
        strict.put("banAfterCloses", 1);
        strict.put("banSeconds", 600);
        gateway.update(strict);
        try {
            Wait.until("the strict ping limit in force", 20_000, () -> get("/ludus-limits.json").body().contains("\"1/1h\""));
            page("/ludus-limits", "Banned players");
            String player;
            String token;
            try (ProtocolClient c = ProtocolClient.hello(ws, "Pinger")) {
                player = c.playerId();
                token = c.token();
                assertEquals("ok", c.request("ping", Map.of()).get("type"));
                assertEquals("rate_limited", c.request("ping", Map.of()).get("code"));
                c.send("ping", Map.of());
                assertTrue("closed at the second refusal, and banned", c.awaitClosed(5000));
            }
            JsonNode limits = JSON.readTree(get("/ludus-limits.json").body());
            assertEquals(limits.toString(), "enforce", limits.get("mode").asText());
            assertEquals(limits.toString(), "local", limits.get("limiter").asText());
            assertTrue("Liap Tui's own limits are in force: " + limits, limits.get("policies").toString()
                    .contains("\"name\":\"act.liap-tui.play\",\"spec\":\"20/1m\""));
            assertEquals(limits.toString(), player, limits.at("/banned/0/player").asText());
            assertEquals(limits.toString(), player, limits.at("/topPlayers/0/player").asText());
            assertTrue(page("/ludus-limits", player).body().contains("Unban"));

            Map<String, String> form = Map.of("action", "unban", "player", player);
            assertEquals("a foreign page's POST is refused", 403, post("/ludus-limits.json", "http://evil.example", form).status());
            try (ProtocolClient refused = ProtocolClient.connect(ws)) {
                assertEquals("banned", refused.request("hello", Map.of("token", token)).get("code"));
            }
            Http.Response done = post("/ludus-limits.json", self, form);
            assertEquals(done.body(), 200, done.status());
            assertEquals("admin", JSON.readTree(done.body()).get("by").asText());
            Http.Response again = post("/ludus-limits.json", self, form);
            assertEquals(404, again.status());
            assertEquals("not_banned", JSON.readTree(again.body()).get("error").asText());
            try (ProtocolClient back = ProtocolClient.connect(ws)) {
                assertEquals("unbanned: the token resumes", "ok", back.request("hello", Map.of("token", token)).get("type"));
            }
        } finally {
            if (before == null) {
                gateway.delete();
            } else {
                gateway.update(before);
            }
        }
    }

    @Test
    public void anOperatorDisconnectsAPlayerWith4004OnlyFromTheConsolesOwnOriginAndItIsAudited() throws Exception {
        java.net.URI ws = ws();
        ProtocolClient.awaitGateway(ws, 20_000);
        String self = self();
        page("/ludus-players", "Disconnect");
        try (ProtocolClient c = ProtocolClient.hello(ws, "Kicked")) {
            String reason = "<b>spam</b> & 'abuse'";
            Map<String, String> form = Map.of("action", "disconnect", "player", c.playerId(), "reason", reason);

            Http.Response crossSite = post("/ludus-players.json", "http://evil.example", form);
            assertEquals("a foreign page's POST is refused", 403, crossSite.status());
            Thread.sleep(300);
            assertFalse("the player is still connected", c.isClosed());

            Http.Response blank = post("/ludus-players.json", self, Map.of("action", "disconnect", "player",
                    c.playerId(), "reason", " "));
            assertEquals(400, blank.status());
            assertEquals("bad_reason", JSON.readTree(blank.body()).get("error").asText());
            Http.Response elsewhere = post("/ludus.json", self, form); // the overview's one action is stop_node
            assertEquals(400, elsewhere.status());
            assertEquals("unknown_action", JSON.readTree(elsewhere.body()).get("error").asText());
            assertFalse(c.isClosed());

            Http.Response done = post("/ludus-players.json", self, form);
            assertEquals(done.body(), 200, done.status());
            assertFalse(done.body(), done.body().contains("<b>"));
            JsonNode d = JSON.readTree(done.body());
            assertEquals("admin", d.get("by").asText());
            assertEquals(4004, d.get("closeCode").asInt());
            assertTrue("closed", c.awaitClosed(5000));
            assertEquals(4004, c.closeCode());
            assertEquals(reason, c.closeReason());

            Http.Response again = post("/ludus-players.json", self, form);
            assertEquals("nobody is connected as that player any more", 404, again.status());
            assertEquals("not_connected", JSON.readTree(again.body()).get("error").asText());

            // The HTML form: answered with a redirect to the page, which shows what was done, escaped.
            Http.Response formPost = post("/ludus-players", self, form);
            assertTrue(formPost.body(), formPost.status() == 302 || formPost.status() == 303);
            String location = formPost.body().substring(formPost.body().indexOf("Location: ") + 10).strip();
            assertTrue(location, location.endsWith("/ludus-players?refused=not_connected"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void anOperatorRemovesAPlayerFromARunningGameAndABotTakesTheSeat() throws Exception {
        java.net.URI ws = ws();
        ProtocolClient.awaitGateway(ws, 20_000);
        String self = self();
        try (ProtocolClient c = ProtocolClient.hello(ws, "Removed")) {
            String room = LiapTuiPlayer.startAgainstBots(c, "remove one", Map.of());
            String html = page("/ludus-rooms?room=" + room, "Remove (a bot takes the seat)").body();
            assertTrue(html, html.contains("<option value=\"" + c.playerId() + "\">"));
            Map<String, String> form = Map.of("action", "remove_player", "room", room, "player", c.playerId(),
                    "reason", "left the table <idle>");

            assertEquals(403, post("/ludus-rooms.json", "http://evil.example", form).status());
            assertEquals(0, rooms.get(room).orElseThrow().seatOf(c.playerId()));
            Http.Response noReason = post("/ludus-rooms.json", self, Map.of("action", "remove_player", "room", room,
                    "player", c.playerId()));
            assertEquals(400, noReason.status());
            assertEquals("bad_reason", JSON.readTree(noReason.body()).get("error").asText());

            Http.Response done = post("/ludus-rooms.json", self, form);
            assertEquals(done.body(), 200, done.status());
            assertEquals("admin", JSON.readTree(done.body()).get("by").asText());
            RoomInfo after = rooms.get(room).orElseThrow();
            assertEquals("the player has no seat any more", -1, after.seatOf(c.playerId()));
            assertTrue("a bot plays seat 0: " + after.seats(), after.seats().get(0).bot());
            // The room's own stream says who removed the player and why, as the room's view shows it.
            JsonNode stored = JSON.readTree(get("/ludus-rooms.json?room=" + room).body()).get("room").get("events");
            boolean recorded = false;
            for (JsonNode e : stored) {
                if ("seat".equals(e.get("type").asText())) {
                    JsonNode data = JSON.readTree(e.get("data").asText());
                    recorded |= "admin".equals(data.path("by").asText())
                            && "left the table <idle>".equals(data.path("reason").asText());
                }
            }
            assertTrue("a seat record with the operator and the reason: " + stored, recorded);

            Http.Response again = post("/ludus-rooms.json", self, form);
            assertEquals(409, again.status());
            assertEquals("not_in_room", JSON.readTree(again.body()).get("error").asText());
            Http.Response formPost = post("/ludus-rooms", self, Map.of("action", "remove_player", "room", room,
                    "player", c.playerId(), "reason", "again", "back", "room=" + room));
            assertTrue(formPost.body(), formPost.body().contains("/ludus-rooms?room=" + room + "&refused=not_in_room"));
        }
    }

    /** The events named {@code name} that {@code c} received. */
    private static List<Map<String, Object>> events(ProtocolClient c, String name) {
        return c.messages().stream().filter(m -> "event".equals(m.get("type")) && name.equals(m.get("name"))).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    public void anOperatorPausesResumesAndEndsARunningGameAndItsPlayerSeesEachStep() throws Exception {
        java.net.URI ws = ws();
        ProtocolClient.awaitGateway(ws, 20_000);
        String self = self();
        String password = context.getProperty("ludus.itest.password");
        try (ProtocolClient c = ProtocolClient.hello(ws, "Operated")) {
            String room = LiapTuiPlayer.startAgainstBots(c, "operated", Map.of());
            String html = page("/ludus-rooms?room=" + room, "Pause the game (until resumed)").body();
            assertTrue(html, html.contains("End the game now"));
            Map<String, String> pause = Map.of("action", "pause_room", "room", room, "reason", "checking <a> report");

            assertEquals(403, post("/ludus-rooms.json", "http://evil.example", pause).status());
            assertEquals("no Origin, a foreign Referer", 403, post("admin", password, "/ludus-rooms.json", "Referer",
                    "http://evil.example/page", pause).status());
            Http.Response blank = post("/ludus-rooms.json", self, Map.of("action", "pause_room", "room", room,
                    "reason", "  "));
            assertEquals(400, blank.status());
            assertEquals("bad_reason", JSON.readTree(blank.body()).get("error").asText());
            Http.Response notPaused = post("/ludus-rooms.json", self, Map.of("action", "resume_room", "room", room));
            assertEquals(409, notPaused.status());
            assertEquals("not_paused", JSON.readTree(notPaused.body()).get("error").asText());
            assertEquals("nothing refused changed the room", "", rooms.get(room).orElseThrow().pausedBy());
            assertTrue(events(c, "game_paused").isEmpty());

            Http.Response paused = post("/ludus-rooms.json", self, pause);
            assertEquals(paused.body(), 200, paused.status());
            assertEquals("admin", JSON.readTree(paused.body()).get("by").asText());
            assertEquals("PAUSED", JSON.readTree(paused.body()).get("state").asText());
            JsonNode view = JSON.readTree(get("/ludus-rooms.json?room=" + room).body()).get("room");
            assertEquals("admin", view.get("pausedBy").asText());
            assertEquals("checking <a> report", view.get("pauseReason").asText());
            assertTrue(view.get("operatorPaused").asBoolean());
            assertTrue(page("/ludus-rooms?room=" + room, "Resume the game").body().contains("checking &lt;a&gt; report"));
            Map<String, Object> told = c.await("game_paused", m -> "game_paused".equals(m.get("name")), 5000);
            assertEquals(Map.of("reason", "checking <a> report", "by", "admin"), told.get("data"));
            Map<String, Object> latest = c.latestView();
            List<String> allowed = latest == null ? List.of() : (List<String>) latest.get("allowedActions");
            Map<String, Object> move = allowed.isEmpty() ? Map.of("action", "declare", "args", Map.of("piles", 0))
                    : LiapTuiPlayer.move(latest, allowed);
            Map<String, Object> refused = c.request("act", move);
            assertEquals(refused.toString(), "error", refused.get("type"));
            assertEquals(refused.toString(), "room_paused", refused.get("code"));
            Http.Response twice = post("/ludus-rooms.json", self, pause);
            assertEquals("room_paused", JSON.readTree(twice.body()).get("error").asText());

            // The HTML form, as the page posts it: back to the room with a fixed notice.
            Http.Response resumed = post("/ludus-rooms", self, Map.of("action", "resume_room", "room", room, "back",
                    "room=" + room));
            assertTrue(resumed.body(), resumed.body().contains("/ludus-rooms?room=" + room + "&done=resume_room"));
            assertEquals("", rooms.get(room).orElseThrow().pausedBy());
            assertEquals(Map.of("by", "admin"), c.await("game_resumed", m -> "game_resumed".equals(m.get("name")), 5000)
                    .get("data"));
            get("/ludus-rooms.json?q=operated"); // the lobby's page, as of the resume
            assertEquals("the player's move is taken again", 1, LiapTuiPlayer.play(c, 60_000, 1));
            // The list shows the running game's version now, not as of the lobby's last change (the resume).
            long before = rooms.get(room).orElseThrow().version();
            JsonNode listed = JSON.readTree(get("/ludus-rooms.json?q=operated").body()).get("rooms").get(0);
            long after = rooms.get(room).orElseThrow().version();
            assertTrue(before + " <= " + listed + " <= " + after, listed.get("version").asLong() >= before
                    && listed.get("version").asLong() <= after);

            Http.Response ended = post("/ludus-rooms.json", self, Map.of("action", "end_room", "room", room, "reason",
                    "table flipped"));
            assertEquals(ended.body(), 200, ended.status());
            assertEquals("FINISHED", JSON.readTree(ended.body()).get("state").asText());
            Map<String, Object> over = c.await("game_over", ProtocolClient::isGameOver, 5000);
            Map<String, Object> data = (Map<String, Object>) over.get("data");
            assertEquals("table flipped", data.get("reason"));
            assertEquals("admin", data.get("endedBy"));
            assertEquals(false, ((Map<String, Object>) data.get("result")).get("completed"));
            Wait.until("the ended game is archived", 20_000, () -> archiveService.find(room).isPresent());
            assertTrue(new String(archiveService.find(room).orElseThrow().record(),
                    java.nio.charset.StandardCharsets.UTF_8).contains("\"ended\""));
            Http.Response again = post("/ludus-rooms.json", self, Map.of("action", "end_room", "room", room, "reason",
                    "again"));
            assertEquals(409, again.status());
            assertEquals("game_over", JSON.readTree(again.body()).get("error").asText());
            String done = get("/ludus-rooms?room=" + room + "&done=end_room").body();
            assertTrue(done, done.contains("<p class=\"ludus-done\">Game ended"));
            assertFalse("a finished game offers no pause or end", done.contains("Pause the game"));
        }
    }

    @Test
    public void aReadOnlyOperatorSeesEveryPageButEachOfItsChangesIsRefusedAndChangesNothing() throws Exception {
        java.net.URI ws = ws();
        ProtocolClient.awaitGateway(ws, 20_000);
        String self = self();
        String viewerPassword = "look-" + System.nanoTime();
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                ("salt" + viewerPassword).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (int i = 1; i < 1000; i++) {
            digest = java.security.MessageDigest.getInstance("SHA-256").digest(digest);
        }
        org.osgi.service.cm.Configuration readOnly = configAdmin.getConfiguration("dev.ludus.console.readonly", "?");
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put("user", "viewer");
        // The salted form the Web Console writes for its own password.
        props.put("password", "{sha-256}salt-1000-" + java.util.Base64.getEncoder().encodeToString(digest));
        readOnly.update(props);
        try (ProtocolClient c = ProtocolClient.hello(ws, "Watched")) {
            Wait.until("the read-only operator logs in", 20_000,
                    () -> Http.get(console() + "/ludus.json", "viewer", viewerPassword).status() == 200);
            for (String path : List.of("/ludus", "/ludus-rooms", "/ludus-archive", "/ludus-bus", "/bundles", "/configMgr")) {
                assertEquals(path, 200, Http.get(console() + path, "viewer", viewerPassword).status());
            }
            String players = Http.get(console() + "/ludus-players?q=" + c.playerId(), "viewer", viewerPassword).body();
            assertTrue(players, players.contains(c.playerId()));
            assertTrue(players, players.contains("Logged in read-only"));
            assertFalse("no action is offered to it", players.contains("Disconnect (close"));
            assertTrue("the admin is offered the action", get("/ludus-players").body().contains("Disconnect (close"));

            Map<String, String> form = Map.of("action", "disconnect", "player", c.playerId(), "reason", "watching");
            Http.Response refused = post("viewer", viewerPassword, "/ludus-players.json", self, form);
            assertEquals(refused.body(), 403, refused.status());
            assertEquals("read_only", JSON.readTree(refused.body()).get("error").asText());
            Http.Response htmlForm = post("viewer", viewerPassword, "/ludus-players", self, form);
            assertEquals(403, htmlForm.status());
            RoomInfo game = rooms.create("liap-tui", "watched game", Map.of());
            rooms.start(game.roomId());
            assertFalse("no room action is offered to it", Http.get(console() + "/ludus-rooms?room=" + game.roomId(),
                    "viewer", viewerPassword).body().contains("Pause the game"));
            for (Map<String, String> op : List.of(Map.of("action", "pause_room", "room", game.roomId(), "reason", "look"),
                    Map.of("action", "end_room", "room", game.roomId(), "reason", "look"))) {
                Http.Response r = post("viewer", viewerPassword, "/ludus-rooms.json", self, op);
                assertEquals(r.body(), 403, r.status());
                assertEquals("read_only", JSON.readTree(r.body()).get("error").asText());
            }
            RoomInfo untouched = rooms.get(game.roomId()).orElseThrow();
            assertEquals(dev.ludus.api.rooms.RoomState.PLAYING, untouched.state());
            assertEquals("", untouched.pausedBy());
            Thread.sleep(300);
            assertFalse("the player is still connected", c.isClosed());

            // The Web Console's own changes are refused as well: stopping a bundle, writing a configuration.
            Bundle consoleBundle = java.util.Arrays.stream(context.getBundles())
                    .filter(b -> b.getSymbolicName().equals(CONSOLE_BSN)).findFirst().orElseThrow();
            Http.Response stop = post("viewer", viewerPassword, "/bundles/" + consoleBundle.getBundleId(), self,
                    Map.of("action", "stop"));
            assertEquals(403, stop.status());
            assertEquals(Bundle.ACTIVE, consoleBundle.getState());
            Http.Response config = post("viewer", viewerPassword, "/configMgr/dev.ludus.itest.viewer", self,
                    Map.of("apply", "true", "action", "ajaxConfigManager", "propertylist", "x", "x", "1"));
            assertEquals(403, config.status());
            assertNull(configAdmin.listConfigurations("(service.pid=dev.ludus.itest.viewer)"));

            assertEquals("a wrong password", 401, Http.get(console() + "/ludus", "viewer", "guess").status());
            assertEquals("the admin's password is not the viewer's", 401,
                    Http.get(console() + "/ludus", "viewer", context.getProperty("ludus.itest.password")).status());

            Http.Response done = post("/ludus-players.json", self, form);
            assertEquals(done.body(), 200, done.status());
            assertEquals("admin", JSON.readTree(done.body()).get("by").asText());
            assertTrue("the admin's action still works", c.awaitClosed(5000));
        } finally {
            readOnly.delete();
        }
        Wait.until("no read-only login without its configuration", 20_000,
                () -> Http.get(console() + "/ludus.json", "viewer", viewerPassword).status() == 401);
        assertEquals(200, get("/ludus.json").status());
    }

    @Test
    public void aLinkCannotMakeAPageSayWhatItLikesOnlyFixedNoticesShow() throws Exception {
        page("/ludus-players", "Disconnect");
        String crafted = get("/ludus-players?done=" + java.net.URLEncoder.encode("Your password expired, call the helpdesk",
                java.nio.charset.StandardCharsets.UTF_8) + "&refused=also_not_a_code").body();
        assertFalse(crafted, crafted.contains("helpdesk"));
        assertFalse(crafted, crafted.contains("also_not_a_code"));
        assertFalse(crafted, crafted.contains("ludus-done"));
        assertFalse(crafted, crafted.contains("ludus-error\">"));
        String done = get("/ludus-players?done=disconnect").body();
        assertTrue(done, done.contains("<p class=\"ludus-done\">Player disconnected with close code 4004"));
        String refused = get("/ludus-rooms?refused=not_in_room").body();
        assertTrue(refused, refused.contains("<p class=\"ludus-error\">Refused (not_in_room)"));
    }

    @Test
    public void badQueriesAndMissingCredentialsAreRefused() throws Exception {
        page("/ludus-rooms", "Search");
        Http.Response state = get("/ludus-rooms.json?state=sleeping");
        assertEquals(400, state.status());
        assertEquals("bad_state", JSON.readTree(state.body()).get("error").asText());
        Http.Response cursor = get("/ludus-rooms.json?cursor=forged");
        assertEquals(400, cursor.status());
        assertEquals("bad_cursor", JSON.readTree(cursor.body()).get("error").asText());
        Http.Response missing = get("/ludus-rooms.json?room=no-such-room");
        assertEquals(404, missing.status());
        assertEquals("no_such_room", JSON.readTree(missing.body()).get("error").asText());
        assertEquals(401, Http.get(console() + "/ludus.json").status());
    }

    /**
     * The message bus page: groups with lag and dead letters, one group's dead letters (a hostile
     * error text shown as text), a replay to the handler running now, refusals with stable codes.
     */
    @Test
    public void busPageShowsGroupsAndDeadLettersAndReplaysThem() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean fixed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.Set<String> applied = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(dev.ludus.api.bus.MessageHandler.GROUP, "console-check");
        props.put(dev.ludus.api.bus.MessageHandler.TOPICS, "console.check");
        org.osgi.framework.ServiceRegistration<dev.ludus.api.bus.MessageHandler> handler = context.registerService(
                dev.ludus.api.bus.MessageHandler.class, d -> {
                    if (!fixed.get()) {
                        throw new dev.ludus.api.bus.PoisonMessageException(HOSTILE, null);
                    }
                    applied.add(d.message().id());
                }, props);
        try {
            org.osgi.util.tracker.ServiceTracker<dev.ludus.api.bus.MessageBus, dev.ludus.api.bus.MessageBus> t =
                    new org.osgi.util.tracker.ServiceTracker<>(context, dev.ludus.api.bus.MessageBus.class, null);
            t.open();
            dev.ludus.api.bus.MessageBus bus = t.waitForService(20_000);
            t.close();
            bus.publish(dev.ludus.api.bus.OutgoingMessage.of("console.check", null, "{}").withId("cc-1"))
                    .toCompletableFuture().get();
            Wait.until("a dead letter", 20_000, () -> bus.deadLetters("console-check", 10).size() == 1);

            String overview = page("/ludus-bus", "console-check").body();
            assertTrue(overview, overview.contains("Bus local"));
            assertTrue(overview, overview.contains("stats"));
            JsonNode model = JSON.readTree(get("/ludus-bus.json").body());
            assertEquals("local", model.at("/buses/0/bus").asText());
            String letters = get("/ludus-bus?group=console-check").body();
            assertTrue(letters, letters.contains("cc-1"));
            assertFalse("the error is shown as text", letters.contains("<script>alert(1)</script>"));
            assertTrue(letters, letters.contains("&lt;script&gt;"));
            assertTrue(letters, letters.contains("Replay to the handler running now"));

            Http.Response unknown = post("/ludus-bus.json", self(), Map.of("action", "replay", "group", "console-check",
                    "id", "999999"));
            assertEquals(unknown.body(), 404, unknown.status());
            assertEquals("unknown_dead_letter", JSON.readTree(unknown.body()).get("error").asText());
            Http.Response noGroup = post("/ludus-bus.json", self(), Map.of("action", "replay"));
            assertEquals("bad_group", JSON.readTree(noGroup.body()).get("error").asText());
            assertEquals(1, bus.deadLetters("console-check", 10).size());

            fixed.set(true);
            Http.Response replayed = post("/ludus-bus.json", self(), Map.of("action", "replay", "group", "console-check"));
            assertEquals(replayed.body(), 200, replayed.status());
            assertEquals(1, JSON.readTree(replayed.body()).get("count").asInt());
            Wait.until("the replay applied", 20_000, () -> applied.contains("cc-1"));
            assertEquals(0, bus.deadLetters("console-check", 10).size());
        } finally {
            handler.unregister();
        }
    }

    @Test
    public void archivePageNamesTheActiveBackendAndTheQueue() throws Exception {
        String html = page("/ludus-archive", "Active backend").body();
        assertTrue(html, html.contains("Queue"));
        JsonNode m = JSON.readTree(get("/ludus-archive.json").body());
        assertEquals("fs", m.get("activeBackend").asText());
        assertTrue(m.at("/queue/depth").isNumber());
        assertTrue(m.get("backends").size() >= 1);
        assertTrue(m.at("/backends/0/active").asBoolean());
    }

    @Test
    public void cachesPageShowsTheArchivesCacheAndEmptiesItOnlyFromTheConsolesOwnOrigin() throws Exception {
        String id = "cached-" + System.nanoTime();
        java.time.Instant now = java.time.Instant.now();
        archiveService.submit(new dev.ludus.api.archive.CompletedGame(id, "liap-tui", now.minusSeconds(60), now,
                List.of("p1", "p2"), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Wait.until("the game archived", 20_000, () -> archiveService.status().queueDepth() == 0);
        for (int i = 0; i < 5; i++) {
            assertTrue(archiveService.find(id).isPresent()); // the first from the backend, then from the cache
        }
        Wait.until("the archive's cache listed with its hits", 20_000, () -> {
            com.fasterxml.jackson.databind.JsonNode rows = JSON.readTree(get("/ludus-caches.json").body()).get("caches");
            for (com.fasterxml.jackson.databind.JsonNode r : rows) {
                if (r.get("owner").asText().equals("dev.ludus.archive") && r.get("cache").asText().equals("games")
                        && r.get("type").asText().equals("caffeine") && r.get("hits").asLong() >= 4) {
                    return true;
                }
            }
            return false;
        });
        page("/ludus-caches", "Hit ratio");
        String self = self();
        Map<String, String> form = Map.of("action", "invalidate", "type", "caffeine", "owner", "dev.ludus.archive",
                "cache", "games");
        assertEquals(403, post("/ludus-caches.json", "http://evil.example", form).status());
        Http.Response unknown = post("/ludus-caches.json", self, Map.of("action", "invalidate", "type", "caffeine",
                "owner", "dev.ludus.archive", "cache", "nothing"));
        assertEquals(404, unknown.status());
        assertEquals("unknown_cache", JSON.readTree(unknown.body()).get("error").asText());
        assertEquals("bad_cache", JSON.readTree(post("/ludus-caches.json", self, Map.of("action", "invalidate",
                "type", "caffeine", "owner", "dev.ludus.archive")).body()).get("error").asText());
        Http.Response done = post("/ludus-caches.json", self, form);
        assertEquals(done.body(), 200, done.status());
        assertEquals("admin", JSON.readTree(done.body()).get("by").asText());
    }

    @Test
    public void archivePageLooksAGameUpAndSwitchesTheBackendThroughConfigAdmin() throws Exception {
        String id = "console-" + System.nanoTime();
        java.time.Instant now = java.time.Instant.now();
        archiveService.submit(new dev.ludus.api.archive.CompletedGame(id, "liap-tui", now.minusSeconds(60), now,
                List.of("p1", "p2"), "{\"name\":\"<script>alert(3)</script>\"}".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)));
        String html = page("/ludus-archive?game=" + id, "Record").body();
        assertFalse(html, html.contains("<script>alert(3)"));
        assertTrue(html, html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"));
        assertTrue(html, html.contains("p1, p2"));
        assertEquals(404, get("/ludus-archive.json?game=no-such-game").status());

        String self = self();
        Http.Response unknown = post("/ludus-archive.json", self, Map.of("action", "switch_backend", "backend", "nope"));
        assertEquals(400, unknown.status());
        assertEquals("unknown_backend", JSON.readTree(unknown.body()).get("error").asText());
        assertEquals(403, post("/ludus-archive.json", "http://evil.example", Map.of("action", "switch_backend",
                "backend", "fs")).status());
        Http.Response switched = post("/ludus-archive.json", self, Map.of("action", "switch_backend", "backend", "fs"));
        assertEquals(switched.body(), 200, switched.status());
        assertEquals("(ludus.archive.backend=fs)", configAdmin.getConfiguration("dev.ludus.archive", "?").getProperties()
                .get("backend.target"));
        Wait.until("the archive still writes to fs", 10_000, () -> "fs".equals(JSON.readTree(
                get("/ludus-archive.json").body()).get("activeBackend").asText()));

        Http.Response same = post("/ludus-archive.json", self, Map.of("action", "start_migration", "from", "fs", "to",
                "fs"));
        assertEquals("bad_backend", JSON.readTree(same.body()).get("error").asText());
        Http.Response none = post("/ludus-archive.json", self, Map.of("action", "stop_migration"));
        assertEquals(409, none.status());
        assertEquals("no_migration", JSON.readTree(none.body()).get("error").asText());
    }

    @Test
    public void removingTheConsoleLeavesLudusRunningAndReinstallingBringsThePagesBack() throws Exception {
        page("/ludus", "Ludus bundles");
        Bundle console = bundle(CONSOLE_BSN);
        String location = console.getLocation();
        int startLevel = console.adapt(org.osgi.framework.startlevel.BundleStartLevel.class).getStartLevel();
        console.uninstall();
        Wait.until("the overview page is gone", 10_000, () -> get("/ludus").status() == 404);
        String health = self() + "/health";
        assertEquals(200, Http.get(health).status());
        RoomInfo room = rooms.create("liap-tui", "while the console is away", Map.of());
        assertTrue(rooms.get(room.roomId()).isPresent());

        Bundle again = context.installBundle(location);
        again.adapt(org.osgi.framework.startlevel.BundleStartLevel.class).setStartLevel(startLevel);
        again.start();
        String html = page("/ludus-rooms?q=console", "while the console is away").body();
        assertTrue(html, html.contains(room.roomId()));
        page("/ludus", "Ludus bundles");
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(bsn + " is not installed");
    }
}
