package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.SeatInfo;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * The gateway over real WebSockets (Jetty 12 server, JDK client) in front of the real rooms
 * runtime, with a small test game. The same behaviour is proven with Liap Tui in the distribution
 * by the integration tests.
 */
public class GatewayTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    private TestServer server(TestConfig cfg) throws Exception {
        return fixture.server(cfg);
    }

    private ProtocolClient hello(TestServer s, String name) throws Exception {
        return fixture.hello(s, name);
    }

    private RoomService service() {
        return fixture.service();
    }

    @SuppressWarnings("unchecked")
    static String roomId(Map<String, Object> result) {
        return (String) ((Map<String, Object>) result.get("room")).get("roomId");
    }

    /** Creates a room for {@code target}, seats the client and fills the other seats with bots. */
    static String roomWithBots(ProtocolClient c, int target) throws Exception {
        String room = roomId(c.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "t", "options", Map.of("target", target))));
        c.ok("join_room", Map.of("room", room));
        for (int i = 0; i < 3; i++) {
            c.ok("add_bot", Map.of());
        }
        return room;
    }

    @SuppressWarnings("unchecked")
    static boolean myMove(Map<String, Object> m) {
        Object allowed = m.get("allowedActions");
        return ("state".equals(m.get("type")) || "snapshot".equals(m.get("type")))
                && allowed instanceof List<?> l && ((List<Object>) l).contains("add");
    }

    /** Makes the client's moves (add 1) until the game is over; returns the number of moves made. */
    static int playUntilOver(ProtocolClient c, long timeoutMillis) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        long actedOn = -1;
        int moves = 0;
        while (System.currentTimeMillis() < end) {
            List<Map<String, Object>> all = c.messages();
            if (all.stream().anyMatch(ProtocolClient::isGameOver)) {
                return moves;
            }
            Map<String, Object> latest = c.latestView();
            if (latest != null && myMove(latest) && ((Number) latest.get("seq")).longValue() > actedOn) {
                actedOn = ((Number) latest.get("seq")).longValue();
                Map<String, Object> reply = c.request("act", Map.of("action", "add", "args", Map.of("n", 1)));
                // Right after a resume, a bot that was already about to move for the seat may move first.
                if (!"not_your_turn".equals(reply.get("code"))) {
                    assertEquals(reply.toString(), "ok", reply.get("type"));
                    moves++;
                }
            } else {
                c.awaitAfter(all.size(), "a new message", m -> true, Math.max(1, end - System.currentTimeMillis()));
            }
        }
        throw new AssertionError("the game did not end in time; last messages " + c.tail(5));
    }

    /** Each client plays its moves until the game is over, all at once; the moves made in all. */
    private int playTogether(List<ProtocolClient> cs) throws Exception {
        List<Future<Integer>> games = new ArrayList<>();
        for (ProtocolClient c : cs) {
            games.add(fixture.players.submit(() -> playUntilOver(c, 30_000)));
        }
        int moves = 0;
        for (Future<Integer> g : games) {
            moves += g.get(40, TimeUnit.SECONDS);
        }
        return moves;
    }

    static void assertContiguous(List<Long> seqs, long first) {
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals("seq at position " + i + " of " + seqs, first + i, (long) seqs.get(i));
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    public void helloGivesASignedTokenAndEveryRequestGetsOneReplyCarryingItsId() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient c = ProtocolClient.connect(s.uri());
        fixture.track(c);
        Map<String, Object> early = c.request("list_rooms", Map.of());
        assertEquals("error", early.get("type"));
        assertEquals("no_session", early.get("code"));

        Map<String, Object> welcome = c.request("hello", Map.of("name", "Ann"));
        assertEquals("ok", welcome.get("type"));
        Map<String, Object> r = ProtocolClient.result(welcome);
        assertEquals("Ann", r.get("name"));
        assertEquals("new", r.get("resumed"));
        assertTrue(((String) r.get("token")).startsWith("v1." + r.get("playerId") + "."));
        Map<String, Object> snap = c.await("first snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertEquals(1L, ((Number) snap.get("seq")).longValue());
        assertNull("no room yet", snap.get("room"));

        c.sendRaw("{\"id\":42,\"type\":\"ping\"}");
        Map<String, Object> pong = c.await("pong", m -> m.get("id") instanceof Number n && n.longValue() == 42, 5000);
        assertEquals("ok", pong.get("type"));
        Map<String, Object> again = c.request("hello", Map.of("name", "Ann"));
        assertEquals("bad_request", again.get("code"));
        Map<String, Object> created = c.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "Table"));
        Map<String, Object> listed = c.ok("list_rooms", Map.of("game", TurnGame.TYPE));
        assertEquals(roomId(created), ((Map<?, ?>) ((List<?>) listed.get("rooms")).get(0)).get("roomId"));
        assertEquals("unknown_game", c.request("create_room", Map.of("game", "chess", "name", "x")).get("code"));
        assertEquals("no_such_room", c.request("join_room", Map.of("room", "nope")).get("code"));
        assertEquals("not_in_room", c.request("act", Map.of("action", "add")).get("code"));
    }

    /**
     * Names every player sees must read as what they are: a player's name loses control characters
     * and bidirectional overrides (a name written backwards with U+202E could pass for another
     * player's), and a room name holding them is refused; other scripts and joined emoji stay.
     */
    @Test
    public void namesLoseControlCharactersAndBidirectionalOverridesAndRoomNamesWithThemAreRefused() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient c = ProtocolClient.connect(s.uri());
        fixture.track(c);
        Map<String, Object> welcome = c.request("hello", Map.of("name", " \u202enna\u202c\u0000 \u2066B\u2069 "));
        assertEquals("nna B", ProtocolClient.result(welcome).get("name"));
        ProtocolClient d = ProtocolClient.connect(s.uri());
        fixture.track(d);
        assertEquals("only overrides: the default name", "player",
                ProtocolClient.result(d.request("hello", Map.of("name", "\u202e\u202d"))).get("name"));

        for (String bad : List.of("\u202etable", "line\nbreak", "bell\u0007", "iso\u2067late")) {
            Map<String, Object> refused = c.request("create_room", Map.of("game", TurnGame.TYPE, "name", bad));
            assertEquals(bad, "bad_options", refused.get("code"));
            assertTrue(String.valueOf(refused.get("message")), String.valueOf(refused.get("message")).contains("bidirectional"));
        }
        assertTrue("nothing was made", ((List<?>) c.ok("list_rooms", Map.of()).get("rooms")).isEmpty());
        String fine = "\u0637\u0627\u0648\u0644\u0629 \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 \u05e9\u05d5\u05dc\u05d7\u05df";
        Map<String, Object> created = c.ok("create_room", Map.of("game", TurnGame.TYPE, "name", fine));
        assertEquals(fine, ((Map<?, ?>) created.get("room")).get("name"));
    }

    /**
     * The guard behind every delivery path: a player whose events are held back for a snapshot
     * that never comes (as a lost snapshot would leave them) is caught up within a few seconds,
     * finishes the game, and health counts it.
     */
    @Test
    public void aConnectedPlayerWhoStopsHearingOfAMovingRoomIsSentASnapshot() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient c = hello(s, "ann");
        roomWithBots(c, 200);
        c.ok("start", Map.of());
        c.await("the first view", GatewayTest::myMove, 10_000);
        s.gateway.session(c.playerId()).hold(); // from here on, nothing reaches Ann by itself
        int before = c.count();
        Map<String, Object> snapshot = c.awaitAfter(before, "a snapshot", m -> "snapshot".equals(m.get("type")), 10_000);
        assertNotNull(snapshot);
        assertEquals(1L, s.gateway.health().details().get("playersCaughtUp"));
        assertTrue("Ann plays on to the end", playUntilOver(c, 60_000) > 0);
        assertContiguous(c.seqs(), 1);
    }

    /**
     * A request's correlation fields (the logging context) go with it into the rooms runtime: the
     * events its step publishes are delivered with the gateway's {@code requestId} ({@code c<connection>:<id>}),
     * the player's id and the room's id, so the lines the rooms log for it carry the same fields.
     */
    @Test
    public void aRequestsCorrelationFieldsGoWithItIntoTheRooms() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient c = hello(s, "ann");
        String room = roomWithBots(c, 20);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        service().subscribe(room, "watcher", e -> seen.add(e.type() + " " + org.slf4j.MDC.get("requestId") + " "
                + org.slf4j.MDC.get("playerId") + " " + org.slf4j.MDC.get("roomId")));
        c.ok("start", Map.of());
        String started = null;
        for (long end = System.nanoTime() + 10_000_000_000L; started == null && System.nanoTime() < end; Thread.sleep(20)) {
            started = seen.stream().filter(l -> l.startsWith("game_started ")).findFirst().orElse(null);
        }
        assertNotNull(seen.toString(), started);
        assertTrue(started, started.matches("game_started c\\d+:\\S+ " + java.util.regex.Pattern.quote(c.playerId()) + " "
                + java.util.regex.Pattern.quote(room)));
    }

    /**
     * An action sent with a W3C {@code traceparent} carries the client's trace id into the logging
     * context of everything its step does in the rooms runtime, beside its {@code requestId}, even
     * with no tracing SDK installed: the log lines of one action, gateway to event store, share it.
     */
    @Test
    public void anActionsTraceIdFromTheClientGoesWithItIntoTheRooms() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient c = hello(s, "ann");
        String room = roomWithBots(c, 20);
        c.ok("start", Map.of());
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        service().subscribe(room, "watcher", e -> seen.add(e.type() + " " + org.slf4j.MDC.get("traceId") + " "
                + org.slf4j.MDC.get("requestId")));
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Map<String, Object> reply = null;
        for (long end = System.nanoTime() + 20_000_000_000L; reply == null && System.nanoTime() < end; ) {
            Map<String, Object> latest = c.latestView();
            if (latest != null && myMove(latest)) {
                Map<String, Object> r = c.request("act", Map.of("action", "add", "args", Map.of("n", 1),
                        "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
                if ("ok".equals(r.get("type"))) {
                    reply = r;
                }
            } else {
                Thread.sleep(20);
            }
        }
        assertNotNull("ann got to make a move", reply);
        java.util.regex.Pattern traced = java.util.regex.Pattern.compile("\\S+ " + traceId + " c\\d+:\\S+");
        String line = null;
        for (long end = System.nanoTime() + 10_000_000_000L; line == null && System.nanoTime() < end; Thread.sleep(20)) {
            synchronized (seen) {
                line = seen.stream().filter(l -> traced.matcher(l).matches()).findFirst().orElse(null);
            }
        }
        assertNotNull("an event of ann's action published with her trace id and request id: " + seen, line);
    }

    @Test
    public void fourPlayersPlayAFullGameAndSeeOnlyTheirOwnSecrets() throws Exception {
        TestServer s = server(new TestConfig());
        List<ProtocolClient> cs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            cs.add(hello(s, "p" + i));
        }
        String room = roomId(cs.get(0).ok("create_room", Map.of("game", TurnGame.TYPE, "name", "four", "options", Map.of("target", 40))));
        for (ProtocolClient c : cs) {
            c.ok("join_room", Map.of("room", room));
        }
        assertEquals("room_full", hello(s, "late").request("join_room", Map.of("room", room)).get("code"));
        cs.get(0).ok("start", Map.of());
        int moves = playTogether(cs);
        assertEquals("every move was a person's", 40, moves);
        RoomInfo info = service().get(room).orElseThrow();
        assertTrue(info.seats().stream().noneMatch(SeatInfo::bot));
        for (int seat = 0; seat < 4; seat++) {
            ProtocolClient c = cs.get(seat);
            c.await("won", m -> "event".equals(m.get("type")) && "won".equals(m.get("name")), 5000);
            int mine = seat;
            for (Map<String, Object> m : c.messages()) {
                if ("event".equals(m.get("type")) && "secret".equals(m.get("name"))) {
                    assertEquals("a private event reaches only its seat", mine, ((Number) ((Map<?, ?>) m.get("data")).get("seat")).intValue());
                }
            }
            assertContiguous(c.seqs(), 1);
        }
        Map<String, Object> over = cs.get(2).await("game over", ProtocolClient::isGameOver, 5000);
        assertNotNull(((Map<?, ?>) over.get("data")).get("result"));
    }

    @Test
    public void aPlayerWhoAsksForBatchesGetsWhatEachActionGivesThemAsOneMessageOthersOneEach() throws Exception {
        TestServer s = server(new TestConfig());
        List<ProtocolClient> cs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            cs.add(i % 2 == 0 ? fixture.helloBatching(s, "b" + i) : hello(s, "p" + i));
        }
        assertEquals(true, cs.get(0).welcome().get("batch"));
        assertEquals(false, cs.get(1).welcome().get("batch"));
        String room = roomId(cs.get(0).ok("create_room", Map.of("game", TurnGame.TYPE, "name", "four", "options", Map.of("target", 24))));
        for (ProtocolClient c : cs) {
            c.ok("join_room", Map.of("room", room));
        }
        cs.get(0).ok("start", Map.of());
        int moves = playTogether(cs);
        assertEquals("every move was a person's", 24, moves);
        for (int seat = 0; seat < 4; seat++) {
            ProtocolClient c = cs.get(seat);
            c.await("game over", ProtocolClient::isGameOver, 5000);
            assertContiguous(c.seqs(), 1);
            List<List<Map<String, Object>>> batches = c.batches();
            if (seat % 2 == 1) {
                assertEquals("no batches for a player who did not ask", List.of(), batches);
                continue;
            }
            // Each of the 24 actions gives every player its event(s) and its new state, together.
            assertTrue("a batch per action: " + batches.size(), batches.size() >= 24);
            for (List<Map<String, Object>> b : batches) {
                assertTrue("a batch holds events and then the state: " + b, b.size() >= 2);
                Map<String, Object> last = b.get(b.size() - 1);
                assertEquals("the state comes last: " + b, "state", last.get("type"));
                for (Map<String, Object> m : b) {
                    assertEquals("one action's messages share its version: " + b, last.get("v"), m.get("v"));
                }
                for (Map<String, Object> m : b.subList(0, b.size() - 1)) {
                    assertEquals(b.toString(), "event", m.get("type"));
                }
            }
            long statesOutside = c.messages().stream().filter(m -> "state".equals(m.get("type"))).count()
                    - batches.stream().filter(b -> "state".equals(b.get(b.size() - 1).get("type"))).count();
            assertEquals("every state after an action came in its action's batch", 0, statesOutside);
        }
        // Both kinds of player saw the same game: the same public events, in the same order.
        assertEquals(publicEvents(cs.get(0)), publicEvents(cs.get(1)));
    }

    private static List<Object> publicEvents(ProtocolClient c) {
        return c.messages().stream().filter(m -> "event".equals(m.get("type")) && !"secret".equals(m.get("name")))
                .map(m -> List.of(m.get("v"), m.get("name"), m.get("data"))).collect(java.util.stream.Collectors.toList());
    }

    @Test
    public void garbageGetsStableErrorsOrACloseCodeAndOthersAreServedNormally() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.flood = 60;
        // Small enough that an oversized frame is read whole before the server closes: a big one can
        // end in a TCP reset instead of the close frame, depending on timing.
        cfg.maxMessage = 4096;
        cfg.maxFrame = 8192;
        TestServer s = server(cfg);
        ProtocolClient good = hello(s, "good");
        roomWithBots(good, 60);
        good.ok("start", Map.of());

        ProtocolClient bad = hello(s, "bad");
        bad.sendRaw("{not json");
        assertEquals("bad_json", bad.await("bad_json", m -> "bad_json".equals(m.get("code")), 5000).get("code"));
        bad.sendRaw("[1,2,3]");
        bad.sendRaw("{\"type\":\"ping\"}");
        bad.sendRaw("{\"id\":{},\"type\":\"ping\"}");
        bad.await("three bad_request", m -> bad.messages().stream().filter(x -> "bad_request".equals(x.get("code"))).count() == 3, 5000);
        assertEquals("unknown_type", bad.request("teleport", Map.of()).get("code"));
        assertEquals("bad_request", bad.request("remove_bot", Map.of("seat", "two")).get("code"));
        assertEquals("bad_request", bad.request("act", Map.of("action", "add", "args", List.of(1))).get("code"));
        bad.sendRaw("{\"id\":\"big\",\"type\":\"ping\",\"pad\":\"" + "x".repeat(5000) + "\"}");
        assertEquals("too_large", bad.await("too_large", m -> "too_large".equals(m.get("code")), 5000).get("code"));
        bad.sendBinary(new byte[] {1, 2, 3});
        assertEquals("bad_frame", bad.await("bad_frame", m -> "bad_frame".equals(m.get("code")), 5000).get("code"));
        assertEquals("still usable", "ok", bad.request("ping", Map.of()).get("type"));

        // A frame over the hard limit closes the connection with 1009.
        ProtocolClient huge = hello(s, "huge");
        try {
            huge.sendRaw("{\"id\":1,\"type\":\"ping\",\"pad\":\"" + "y".repeat(9000) + "\"}");
        } catch (Exception e) {
            // the server may close before the client finishes writing
        }
        assertTrue(huge.awaitClosed(5000));
        assertEquals(1009, huge.closeCode());

        // Random bytes after the handshake, invalid UTF-8, and bytes that are not even HTTP.
        Random random = new Random(1);
        try (RawClient raw = new RawClient(s.port())) {
            byte[] noise = new byte[4096];
            random.nextBytes(noise);
            raw.sendBytes(noise);
            RawClient.Frame f = raw.readUntilClose(5000);
            assertTrue("closed with an error code, or dropped", f == null || f.closeCode() >= 1002);
        }
        try (RawClient raw = new RawClient(s.port())) {
            raw.sendFrame(1, new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xff});
            RawClient.Frame f = raw.readUntilClose(5000);
            assertNotNull(f);
            assertEquals("invalid UTF-8", 1007, f.closeCode());
        }
        try (Socket junk = new Socket("127.0.0.1", s.port())) {
            OutputStream out = junk.getOutputStream();
            byte[] noise = new byte[2048];
            random.nextBytes(noise);
            out.write(noise);
            out.flush();
            junk.setSoTimeout(5000);
            byte[] answer = junk.getInputStream().readNBytes(12);
            assertTrue(new String(answer, StandardCharsets.ISO_8859_1), answer.length == 0
                    || new String(answer, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 4"));
        }

        // A flood: over the budget the messages are refused with rate_limited, then the connection closes.
        ProtocolClient flood = hello(s, "flood");
        for (int i = 0; i < 150 && !flood.awaitClosed(0); i++) {
            try {
                flood.sendRaw("{\"id\":" + i + ",\"type\":\"ping\"}");
            } catch (Exception e) {
                break;
            }
        }
        assertTrue(flood.awaitClosed(5000));
        assertEquals(Codes.CLOSE_FLOOD, flood.closeCode());
        assertTrue(flood.messages().stream().anyMatch(m -> "rate_limited".equals(m.get("code")) && m.get("id") != null));

        // Meanwhile the good client's game went on normally.
        assertEquals("ok", good.request("ping", Map.of()).get("type"));
        playUntilOver(good, 30_000);
        assertContiguous(good.seqs(), 1);
        Map<String, Object> health = s.gateway.health().details();
        assertTrue(health.toString(), ((Number) health.get("closedFlood")).longValue() >= 1);
        assertTrue(health.toString(), ((Number) health.get("tooLarge")).longValue() >= 1);
    }

    @Test
    public void aPlayerWhoDropsMidGameIsCoveredByABotAndResumesWithTheMissedEvents() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient a = hello(s, "Ann");
        String room = roomWithBots(a, 200);
        a.ok("start", Map.of());
        String player = a.playerId();
        a.await("first move", GatewayTest::myMove, 5000);
        a.ok("act", Map.of("action", "add", "args", Map.of("n", 2)));
        long versionAtDrop = service().get(room).orElseThrow().version();
        a.drop();
        // The bots, one of them on Ann's seat, play on.
        waitUntil(() -> service().get(room).orElseThrow().version() >= versionAtDrop + 10, 10_000);
        SeatInfo away = service().get(room).orElseThrow().seats().get(0);
        assertEquals(player, away.playerId());
        assertFalse("disconnected while away", away.connected());

        long lastSeq = a.lastSeq();
        ProtocolClient back = ProtocolClient.connect(s.uri());
        fixture.track(back);
        Map<String, Object> welcome = back.request("hello", Map.of("token", a.token(), "lastSeq", lastSeq));
        assertEquals("ok", welcome.get("type"));
        assertEquals("events", ProtocolClient.result(welcome).get("resumed"));
        assertEquals(player, ProtocolClient.result(welcome).get("playerId"));
        playUntilOver(back, 30_000);
        assertContiguous(back.seqs(), lastSeq + 1);
        RoomInfo info = service().get(room).orElseThrow();
        assertEquals("one seat, not two", 1, info.seats().stream().filter(x -> player.equals(x.playerId())).count());
        assertTrue(info.seats().get(0).connected());
        assertTrue("the bot made moves for the seat while she was away",
                back.messages().stream().anyMatch(m -> "event".equals(m.get("type")) && "added".equals(m.get("name"))
                        && ((Number) ((Map<?, ?>) m.get("data")).get("seat")).intValue() == 0));
        assertTrue("and the replay says which moves were played for her",
                back.messages().stream().anyMatch(m -> "event".equals(m.get("type"))
                        && "played_for_player".equals(m.get("name"))
                        && Map.of("seat", 0, "cause", "away", "action", "add").equals(m.get("data"))));
    }

    @Test
    public void aResumeFromTooFarBackGetsASnapshotAndThenNewEvents() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.replay = PlayerSession.KEEP_WHILE_CONNECTED;
        TestServer s = server(cfg);
        ProtocolClient a = hello(s, "Ann");
        String room = roomWithBots(a, 1000);
        a.ok("start", Map.of());
        a.await("first move", GatewayTest::myMove, 5000);
        a.drop();
        long before = service().get(room).orElseThrow().version();
        waitUntil(() -> service().get(room).orElseThrow().version() >= before + 60, 15_000);
        ProtocolClient back = ProtocolClient.connect(s.uri());
        fixture.track(back);
        Map<String, Object> welcome = back.request("hello", Map.of("token", a.token(), "lastSeq", a.lastSeq()));
        assertEquals("snapshot", ProtocolClient.result(welcome).get("resumed"));
        Map<String, Object> snap = back.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertEquals(room, ((Map<?, ?>) snap.get("room")).get("roomId"));
        assertEquals(0, ((Number) snap.get("seat")).intValue());
        assertTrue(((Number) snap.get("seq")).longValue() > a.lastSeq());
        long snapTotal = ((Number) ((Map<?, ?>) snap.get("game")).get("total")).longValue();
        if (myMove(snap)) {
            back.request("act", Map.of("action", "add", "args", Map.of("n", 3))); // or a bot moved first
        }
        Map<String, Object> next = back.await("an event after the snapshot", m -> "event".equals(m.get("type"))
                && "added".equals(m.get("name")), 10_000);
        assertEquals("the first event after the snapshot continues from it", snapTotal + ((Number) ((Map<?, ?>) next.get("data")).get("n")).longValue(),
                ((Number) ((Map<?, ?>) next.get("data")).get("total")).longValue());
        List<Long> seqs = back.seqs();
        assertContiguous(seqs, seqs.get(0));
    }

    @Test
    public void resumingOnASecondConnectionClosesTheFirstWith4001() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient a = hello(s, "Ann");
        String room = roomWithBots(a, 100);
        ProtocolClient twin = ProtocolClient.connect(s.uri());
        fixture.track(twin);
        assertEquals("ok", twin.request("hello", Map.of("token", a.token(), "lastSeq", a.lastSeq())).get("type"));
        assertTrue(a.awaitClosed(5000));
        assertEquals(Codes.CLOSE_REPLACED, a.closeCode());
        twin.ok("start", Map.of());
        assertEquals(1, service().get(room).orElseThrow().seats().stream().filter(x -> a.playerId().equals(x.playerId())).count());
        playUntilOver(twin, 30_000);
    }

    @Test
    public void aForgedOrExpiredTokenIsRefused() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient a = hello(s, "Ann");
        String token = a.token();
        // One character of the signature changed, inside it: the last character carries only 4 of
        // its 6 bits, so changing it can leave the decoded bytes (and the token) valid.
        int at = token.length() - 10;
        String forged = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
        ProtocolClient b = ProtocolClient.connect(s.uri());
        fixture.track(b);
        assertEquals("bad_token", b.request("hello", Map.of("token", forged)).get("code"));
        String otherPlayer = token.replace(a.playerId(), "someone-else");
        assertEquals("bad_token", b.request("hello", Map.of("token", otherPlayer)).get("code"));
        ResumeTokens old = new ResumeTokens(fixture.key, java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofDays(-2)));
        assertEquals("token_expired", b.request("hello", Map.of("token", old.issue(a.playerId(), 3600))).get("code"));
        assertEquals("ok", b.request("hello", Map.of("name", "fresh")).get("type"));
    }

    @Test
    public void newRoomsArePacedPerReadingAndTheRestAreRefusedWithAShortRetryThatThenSucceeds() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.admitRoomsMin = 4;
        cfg.admitRoomsPercent = 1; // rooms other tests left playing must not make the window large
        cfg.admitTargetMillis = 0; // latency and CPU on a busy test machine must not close the window: pacing alone here
        cfg.admitCpuPercent = 0;
        cfg.perSecond = 1000;
        cfg.burst = 1000;
        TestServer s = server(cfg);
        ProtocolClient a = hello(s, "Ann");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(a.send("create_room", Map.of("game", TurnGame.TYPE, "name", "rush " + i, "options", Map.of())));
        }
        int ok = 0;
        List<Map<String, Object>> refused = new ArrayList<>();
        for (String id : ids) {
            Map<String, Object> reply = a.await("reply " + id, m -> id.equals(m.get("id")), 10_000);
            if ("ok".equals(reply.get("type"))) {
                ok++;
            } else {
                refused.add(reply);
            }
        }
        assertTrue("at least one window's worth is taken: " + ok, ok >= 4);
        assertFalse("40 at once are more than the windows they arrive in", refused.isEmpty());
        for (Map<String, Object> r : refused) {
            assertEquals(r.toString(), Codes.OVERLOADED, r.get("code"));
            long after = ((Number) r.get("retryAfterMillis")).longValue();
            assertTrue(r.toString(), after >= 500 && after < 1500);
            assertTrue(r.toString(), String.valueOf(r.get("message")).contains("new rooms per 250 ms"));
        }
        assertEquals("every refused room is counted", Long.valueOf(refused.size()),
                s.gateway.metrics.shedCounts(false).get("new_room"));
        assertEquals("what was refused was not created (this test's rooms)", (long) ok,
                service().list().stream().filter(i -> i.name().startsWith("rush ")).count());
        Map<String, Object> load = (Map<String, Object>) s.gateway.health().details().get("load");
        assertTrue(load.toString(), ((Map<?, ?>) load.get("admission")).containsKey("window"));
        assertFalse("pacing is normal work, not an overload", String.valueOf(s.gateway.health().reason()).contains("overloaded"));
        assertEquals(false, load.get("overloaded"));

        Thread.sleep(((Number) refused.get(0).get("retryAfterMillis")).longValue());
        assertEquals("ok", a.request("create_room", Map.of("game", TurnGame.TYPE, "name", "later", "options", Map.of()))
                .get("type"));

        // Shadow mode counts what it would refuse and refuses nothing; off neither.
        cfg.shedding = "shadow";
        s.gateway.configure(cfg);
        Thread.sleep(300);
        List<String> shadowIds = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            shadowIds.add(a.send("create_room", Map.of("game", TurnGame.TYPE, "name", "shadow " + i, "options", Map.of())));
        }
        for (String id : shadowIds) {
            Map<String, Object> reply = a.await("reply " + id, m -> id.equals(m.get("id")), 10_000);
            assertEquals(reply.toString(), "ok", reply.get("type"));
        }
        assertTrue(s.gateway.metrics.shedCounts(true).getOrDefault("new_room", 0L) > 0);
    }

    @Test
    public void whenTheGracePeriodEndsTheSeatStaysWithTheBot() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.grace = 1;
        TestServer s = server(cfg);
        ProtocolClient a = hello(s, "Ann");
        String room = roomWithBots(a, 100_000);
        a.ok("start", Map.of());
        a.drop();
        waitUntil(() -> service().get(room).orElseThrow().seats().get(0).bot(), 10_000);
        assertNotEquals(a.playerId(), service().get(room).orElseThrow().seats().get(0).playerId());
        ProtocolClient back = ProtocolClient.connect(s.uri());
        fixture.track(back);
        Map<String, Object> welcome = back.request("hello", Map.of("token", a.token(), "lastSeq", a.lastSeq()));
        assertEquals("snapshot", ProtocolClient.result(welcome).get("resumed"));
        Map<String, Object> snap = back.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertNull("the player sits nowhere now", snap.get("room"));
    }

    @Test
    public void aPlayerWhoseGameEndedWhileAwaySeesTheFinishedRoomAndItsResultOnResume() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.grace = 1;
        TestServer s = server(cfg);
        ProtocolClient a = hello(s, "Ann");
        String room = roomWithBots(a, 40);
        a.ok("start", Map.of());
        a.drop();
        waitUntil(() -> service().get(room).orElseThrow().state() == dev.ludus.api.rooms.RoomState.FINISHED, 20_000);
        waitUntil(() -> s.gateway.session(a.playerId()) == null, 10_000); // the gateway forgot the session
        ProtocolClient back = ProtocolClient.connect(s.uri());
        fixture.track(back);
        Map<String, Object> welcome = back.request("hello", Map.of("token", a.token(), "lastSeq", a.lastSeq()));
        assertEquals("snapshot", ProtocolClient.result(welcome).get("resumed"));
        Map<String, Object> snap = back.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertNotNull("the finished room is shown", snap.get("room"));
        assertEquals("FINISHED", ((Map<?, ?>) snap.get("room")).get("state"));
        assertNotNull("with its result", snap.get("result"));
        assertEquals(0L, ((Number) snap.get("seat")).longValue());
        // Once the player leaves it, it is gone for them.
        back.ok("leave_room", Map.of());
        back.close();
        ProtocolClient later = ProtocolClient.connect(s.uri());
        fixture.track(later);
        s.gateway.session(a.playerId()).end();
        later.request("hello", Map.of("token", a.token()));
        Map<String, Object> none = later.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertNull(none.get("room"));
    }

    @Test
    public void theLobbyPagesJoinableRoomsNewestFirstAndWritesEachPageOncePerChange() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.perSecond = 100_000;
        cfg.burst = 100_000;
        TestServer s = server(cfg);
        ProtocolClient c = hello(s, "Ann");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            made.add(service().create(TurnGame.TYPE, "table " + i, Map.of()).roomId());
            Thread.sleep(2); // distinct creation times, so "newest first" is one order
        }
        RoomInfo full = service().create(TurnGame.TYPE, "full", Map.of());
        for (int i = 0; i < 4; i++) {
            service().addBot(full.roomId());
        }
        List<String> walked = new ArrayList<>();
        Object cursor = null;
        do {
            Map<String, Object> fields = new java.util.HashMap<>(Map.of("limit", 10));
            if (cursor != null) {
                fields.put("cursor", cursor);
            }
            Map<String, Object> page = c.ok("list_rooms", fields);
            for (Object r : (List<?>) page.get("rooms")) {
                walked.add((String) ((Map<?, ?>) r).get("roomId"));
            }
            cursor = page.get("next");
        } while (cursor != null);
        List<String> expected = new ArrayList<>(made);
        java.util.Collections.reverse(expected);
        expected.add(full.roomId());
        assertEquals("joinable first, newest first, then the full room", expected, walked);
        assertEquals("joinable filter", 25, ((List<?>) c.ok("list_rooms", Map.of("joinable", true, "limit", 100)).get("rooms")).size());
        assertEquals("name filter", List.of(full.roomId()), ((List<?>) c.ok("list_rooms", Map.of("text", "FULL")).get("rooms"))
                .stream().map(r -> ((Map<?, ?>) r).get("roomId")).toList());
        assertEquals("bad_cursor", c.request("list_rooms", Map.of("cursor", "nonsense")).get("code"));

        long written = s.gateway.lobbyPages()[0];
        for (int i = 0; i < 50; i++) {
            Map<String, Object> again = c.ok("list_rooms", Map.of("limit", 10));
            assertEquals(10, ((List<?>) again.get("rooms")).size());
        }
        assertEquals("the walk's first page is not written again, however often it is asked", written,
                s.gateway.lobbyPages()[0]);
        String newest = service().create(TurnGame.TYPE, "newest", Map.of()).roomId();
        Map<String, Object> after = c.ok("list_rooms", Map.of("limit", 10));
        assertEquals("a change is seen at once", newest, ((Map<?, ?>) ((List<?>) after.get("rooms")).get(0)).get("roomId"));
        assertEquals(written + 1, s.gateway.lobbyPages()[0]);
    }

    @Test
    public void aPlayerCannotCreateRoomsWithoutLimit() throws Exception {
        fixture.rooms.limitRoomsPerPlayer(3);
        TestServer s = server(new TestConfig());
        ProtocolClient c = hello(s, "Eve");
        for (int i = 0; i < 3; i++) {
            c.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "r" + i));
        }
        assertEquals("too_many_rooms", c.request("create_room", Map.of("game", TurnGame.TYPE, "name", "one more")).get("code"));
        assertEquals(3, service().list().size());
    }

    @Test
    public void limitsChangedInTheConfigurationApplyToNewConnections() throws Exception {
        TestServer s = server(new TestConfig());
        TestConfig smaller = new TestConfig();
        smaller.maxFrame = 1000;
        s.gateway.configure(smaller);
        ProtocolClient c = hello(s, "x");
        try {
            c.sendRaw("{\"id\":1,\"type\":\"ping\",\"pad\":\"" + "p".repeat(2000) + "\"}");
        } catch (Exception e) {
            // closed while sending
        }
        assertTrue(c.awaitClosed(5000));
        assertEquals(1009, c.closeCode());
    }

    static void waitUntil(java.util.concurrent.Callable<Boolean> c, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (c.call()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not met within " + millis + " ms");
    }

    /** A stats service that knows one player and one leaderboard. */
    private static final class FixedStats implements dev.ludus.api.stats.PlayerStats {
        @Override
        public java.util.Optional<dev.ludus.api.stats.PlayerProfile> profile(String playerId) {
            return "known".equals(playerId) ? java.util.Optional.of(new dev.ludus.api.stats.PlayerProfile("known", "Kim", 3, 1,
                    40, 10, 4, java.time.Instant.parse("2026-12-01T10:00:00Z"), Map.of("liap-tui",
                    new dev.ludus.api.stats.PlayerProfile.Totals(3, 1, 40, 10, 4)))) : java.util.Optional.empty();
        }

        @Override
        public List<dev.ludus.api.stats.Standing> leaderboard(String gameType, int limit) {
            return List.of(new dev.ludus.api.stats.Standing(1, "known", "Kim <b>", 3, 1, 40)).subList(0, Math.min(1, limit));
        }

        @Override
        public List<dev.ludus.api.stats.GameRecord> history(String playerId, int limit) {
            return List.of(new dev.ludus.api.stats.GameRecord("r1", "liap-tui", java.time.Instant.parse("2026-12-01T10:00:00Z"),
                    0, 52, true, List.of("Kim", "bot 2", "bot 3", "bot 4"), List.of(52, 1, 2, 3)));
        }
    }

    @Test
    public void statisticsAreServedWhileAStatsServiceRunsAndRefusedWithACodeOtherwise() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient p = hello(s, "ann");
        Map<String, Object> refused = p.request("profile", Map.of());
        assertEquals("stats_unavailable", refused.get("code"));

        s.gateway.stats(new FixedStats());
        Map<?, ?> mine = (Map<?, ?>) ((Map<?, ?>) p.request("profile", Map.of()).get("result")).get("profile");
        assertEquals(0, ((Number) mine.get("gamesPlayed")).intValue());
        assertNull(mine.get("lastPlayedAt"));
        Map<?, ?> kim = (Map<?, ?>) ((Map<?, ?>) p.request("profile", Map.of("player", "known")).get("result")).get("profile");
        assertEquals("Kim", kim.get("name"));
        assertEquals(0.4, ((Number) kim.get("declarationAccuracy")).doubleValue(), 1e-9);
        Map<?, ?> board = (Map<?, ?>) p.request("leaderboard", Map.of("game", "liap-tui", "limit", 5)).get("result");
        assertEquals("Kim <b>", ((Map<?, ?>) ((List<?>) board.get("players")).get(0)).get("name"));
        Map<?, ?> history = (Map<?, ?>) p.request("history", Map.of()).get("result");
        assertEquals(52, ((Number) ((Map<?, ?>) ((List<?>) history.get("games")).get(0)).get("score")).intValue());
        assertEquals("bad_request", p.request("leaderboard", Map.of("game", "liap-tui", "limit", 1000)).get("code"));

        s.gateway.stats(null);
        assertEquals("stats_unavailable", p.request("leaderboard", Map.of("game", "liap-tui")).get("code"));
    }

    @Test
    public void playersConnectingAndLeavingAreAnnouncedOnTheBusWhenOneIsBound() throws Exception {
        TestServer s = server(new TestConfig());
        List<dev.ludus.api.bus.OutgoingMessage> sent = Collections.synchronizedList(new ArrayList<>());
        s.gateway.bus(new dev.ludus.api.bus.MessageBus() {
            @Override
            public java.util.concurrent.CompletionStage<dev.ludus.api.bus.Published> publish(dev.ludus.api.bus.OutgoingMessage m) {
                sent.add(m);
                return java.util.concurrent.CompletableFuture.completedFuture(new dev.ludus.api.bus.Published(m.id(), m.topic(), sent.size()));
            }
            @Override public List<dev.ludus.api.bus.DeadLetter> deadLetters(String g, int max) { return List.of(); }
            @Override public java.util.concurrent.CompletionStage<Integer> replay(String g, java.util.Collection<String> ids, String op) {
                return java.util.concurrent.CompletableFuture.completedFuture(0);
            }
            @Override public java.util.concurrent.CompletionStage<Integer> discard(String g, java.util.Collection<String> ids, String op) {
                return java.util.concurrent.CompletableFuture.completedFuture(0);
            }
            @Override public dev.ludus.api.bus.BusStatus status() { return new dev.ludus.api.bus.BusStatus("test", true, "", List.of()); }
        });
        ProtocolClient ann = hello(s, "ann");
        String id = ann.playerId();
        long deadline = System.currentTimeMillis() + 5000;
        while (sent.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals("player.connected", sent.get(0).topic());
        assertEquals(id, sent.get(0).key());
        assertTrue(sent.get(0).payload(), sent.get(0).payload().contains("\"how\":\"new\""));
        ann.close();
        while (sent.size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals("player.disconnected", sent.get(1).topic());
        assertEquals(id, sent.get(1).key());
        assertNotEquals(sent.get(0).id(), sent.get(1).id());

        s.gateway.bus(null); // no bus: no announcement, and the player notices nothing
        ProtocolClient bob = hello(s, "bob");
        assertEquals("ok", bob.request("ping", Map.of()).get("type"));
        assertEquals(2, sent.size());
    }
}
