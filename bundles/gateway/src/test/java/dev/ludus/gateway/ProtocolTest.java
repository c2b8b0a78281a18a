package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

public class ProtocolTest {

    private final Protocol protocol = new Protocol();

    private Request good(String json) {
        Protocol.Parsed p = protocol.parse(json);
        assertTrue(json + " -> " + p, p instanceof Protocol.Good);
        return ((Protocol.Good) p).request();
    }

    private Protocol.Bad bad(String json) {
        Protocol.Parsed p = protocol.parse(json);
        assertTrue(json + " -> " + p, p instanceof Protocol.Bad);
        return (Protocol.Bad) p;
    }

    @Test
    public void anActKeepsAStringTraceparentAndIgnoresAnyOtherKind() {
        String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertEquals(tp, ((Request.Act) good("{\"id\":1,\"type\":\"act\",\"action\":\"add\",\"traceparent\":\"" + tp + "\"}"))
                .traceparent());
        assertNull(((Request.Act) good("{\"id\":1,\"type\":\"act\",\"action\":\"add\"}")).traceparent());
        assertNull(((Request.Act) good("{\"id\":1,\"type\":\"act\",\"action\":\"add\",\"traceparent\":42}")).traceparent());
        assertNull(((Request.Act) good("{\"id\":1,\"type\":\"act\",\"action\":\"add\",\"traceparent\":{}}")).traceparent());
        assertNull(((Request.Act) good("{\"id\":1,\"type\":\"act\",\"action\":\"add\",\"traceparent\":\""
                + "x".repeat(Protocol.MAX_TRACEPARENT + 1) + "\"}")).traceparent());
    }

    @Test
    public void aBatchThatIsNotTrueOrFalseIsRefused() {
        Protocol.Bad b = bad("{\"id\":1,\"type\":\"hello\",\"batch\":\"yes\"}");
        assertEquals(Codes.BAD_REQUEST, b.code());
        assertEquals("\"batch\" must be true or false", b.message());
    }

    @Test
    public void aBatchIsTheMessagesItHoldsAsTheyWouldBeSentAlone() {
        Protocol p = new Protocol();
        String one = "{\"type\":\"event\",\"seq\":3,\"data\":{\"s\":\"a]}\\\"\"}}";
        String two = "{\"type\":\"state\",\"seq\":4}";
        String batch = Protocol.batch(List.of(one, two));
        assertEquals("{\"type\":\"batch\",\"messages\":[" + one + "," + two + "]}", batch);
        Map<String, Object> read = p.read(batch);
        assertEquals(List.of(p.read(one), p.read(two)), read.get("messages"));
    }

    @Test
    public void everyRequestTypeIsRead() {
        assertEquals(new Request.Hello("a", "Ann", null, -1), good("{\"id\":\"a\",\"type\":\"hello\",\"name\":\"Ann\"}"));
        assertEquals(new Request.Hello(7L, null, "t", 12), good("{\"id\":7,\"type\":\"hello\",\"token\":\"t\",\"lastSeq\":12}"));
        assertEquals(new Request.Hello(1L, "Ann", null, -1, true), good("{\"id\":1,\"type\":\"hello\",\"name\":\"Ann\",\"batch\":true}"));
        assertEquals(new Request.Hello(1L, "Ann", null, -1, false), good("{\"id\":1,\"type\":\"hello\",\"name\":\"Ann\",\"batch\":false}"));
        assertEquals(new Request.ListRooms(1L, "liap-tui", null, null, null, 100, null), good("{\"id\":1,\"type\":\"list_rooms\",\"game\":\"liap-tui\"}"));
        assertEquals(new Request.ListRooms(1L, null, null, null, null, 500, null), good("{\"id\":1,\"type\":\"list_rooms\",\"limit\":100000}"));
        assertEquals(new Request.ListRooms(1L, null, dev.ludus.api.rooms.RoomState.WAITING, true, "ann", 20, "l1:abc"),
                good("{\"id\":1,\"type\":\"list_rooms\",\"state\":\"waiting\",\"joinable\":true,\"text\":\"ann\",\"limit\":20,\"cursor\":\"l1:abc\"}"));
        assertEquals(new Request.CreateRoom(1L, "liap-tui", "Table", Map.of("maxRounds", "2", "fast", "true")),
                good("{\"id\":1,\"type\":\"create_room\",\"game\":\"liap-tui\",\"name\":\"Table\",\"options\":{\"maxRounds\":2,\"fast\":true}}"));
        assertEquals(new Request.JoinRoom(1L, "r1", null), good("{\"id\":1,\"type\":\"join_room\",\"room\":\"r1\"}"));
        assertEquals(new Request.JoinRoom(1L, "r1", "Bo"), good("{\"id\":1,\"type\":\"join_room\",\"room\":\"r1\",\"name\":\"Bo\"}"));
        assertEquals(new Request.LeaveRoom(1L), good("{\"id\":1,\"type\":\"leave_room\"}"));
        assertEquals(new Request.AddBot(1L), good("{\"id\":1,\"type\":\"add_bot\"}"));
        assertEquals(new Request.RemoveBot(1L, 2), good("{\"id\":1,\"type\":\"remove_bot\",\"seat\":2}"));
        assertEquals(new Request.StartGame(1L), good("{\"id\":1,\"type\":\"start\"}"));
        assertEquals(new Request.Act(1L, "play", Map.of("pieces", List.of("RED_GENERAL"))),
                good("{\"id\":1,\"type\":\"act\",\"action\":\"play\",\"args\":{\"pieces\":[\"RED_GENERAL\"]}}"));
        assertEquals(new Request.Act(1L, "redeal_decline", Map.of()), good("{\"id\":1,\"type\":\"act\",\"action\":\"redeal_decline\"}"));
        assertEquals(new Request.Sync(1L), good("{\"id\":1,\"type\":\"sync\"}"));
        assertEquals(new Request.Ping(1L), good("{\"id\":1,\"type\":\"ping\",\"extra\":\"ignored\"}"));
        assertEquals(new Request.Replay(1L, "room-7", 0), good("{\"id\":1,\"type\":\"replay\",\"game\":\"room-7\"}"));
        assertEquals(new Request.Replay(1L, "room-7", 3), good("{\"id\":1,\"type\":\"replay\",\"game\":\"room-7\",\"seat\":3}"));
    }

    @Test
    public void aReplayNeedsAGameIdOfSaneLength() {
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"replay\"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"replay\",\"game\":\" \"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"replay\",\"game\":7}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"replay\",\"game\":\"" + "g".repeat(201) + "\"}").code());
        for (String seat : List.of("-1", "64", "\"two\"", "1.5", "99999999999")) {
            assertEquals(seat, "bad_request", bad("{\"id\":1,\"type\":\"replay\",\"game\":\"g\",\"seat\":" + seat + "}").code());
        }
    }

    @Test
    public void aReplayShowsTheGameAndItsRecordedEvents() throws Exception {
        java.time.Instant end = java.time.Instant.parse("2026-12-01T10:00:00Z");
        String record = "{\"format\":\"ludus-room-record/1\",\"roomId\":\"r1\",\"records\":["
                + "{\"version\":1,\"type\":\"created\",\"timestamp\":5,\"data\":{\"name\":\"<b>T</b>\"}},"
                + "{\"version\":2,\"type\":\"played\",\"timestamp\":9,\"data\":{\"seat\":0}}]}";
        com.fasterxml.jackson.databind.JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                protocol.replayResult(new dev.ludus.api.archive.CompletedGame("r1", "liap-tui", end.minusSeconds(60), end,
                        List.of("p1", "p2"), record.getBytes(java.nio.charset.StandardCharsets.UTF_8)), null, null));
        assertEquals("r1", r.at("/game/id").asText());
        assertEquals("liap-tui", r.at("/game/type").asText());
        assertEquals("2026-12-01T10:00:00Z", r.at("/game/completedAt").asText());
        assertEquals("p2", r.at("/game/players/1").asText());
        assertEquals(2, r.at("/game/events").size());
        assertEquals("played", r.at("/game/events/1/type").asText());
        assertEquals("<b>T</b>", r.at("/game/events/0/data/name").asText());
        com.fasterxml.jackson.databind.JsonNode other = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                protocol.replayResult(new dev.ludus.api.archive.CompletedGame("x", "chess", end.minusSeconds(60), end,
                        List.of(), "not json at all".getBytes(java.nio.charset.StandardCharsets.UTF_8)), null,
                        new dev.ludus.api.rooms.RoomException("bad_record", "cannot replay this record: not JSON")));
        assertEquals("a record of another producer has no events", 0, other.at("/game/events").size());
        assertEquals("bad_record", other.at("/game/stepsUnavailable/code").asText());
        assertTrue(other.at("/game/steps").isMissingNode());

        dev.ludus.api.rooms.GameReplay steps = new dev.ludus.api.rooms.GameReplay("r1", "liap-tui", 1,
                List.of(new dev.ludus.api.rooms.GameReplay.Player("p1", "Ann", false),
                        new dev.ludus.api.rooms.GameReplay.Player(null, "bot 2", true)),
                List.of(new dev.ludus.api.rooms.GameReplay.Step(3, -1, "start", Map.of(), null, 5,
                                Map.of("hand", List.of("a"), "values", Map.of("a", 1, "b", 2), "turn", Map.of("n", 1, "who", 0))),
                        new dev.ludus.api.rooms.GameReplay.Step(4, 0, "play", Map.of("pieces", List.of("a")), "player", 9,
                                Map.of("hand", List.of(), "values", Map.of("a", 1, "b", 2), "turn", Map.of("n", 1, "who", 1),
                                        "table", List.of("a")))), Map.of("winners", List.of(0)));
        com.fasterxml.jackson.databind.JsonNode moves = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                protocol.replayResult(new dev.ludus.api.archive.CompletedGame("r1", "liap-tui", end.minusSeconds(60), end,
                        List.of("p1"), record.getBytes(java.nio.charset.StandardCharsets.UTF_8)), steps, null));
        assertEquals(1, moves.at("/game/seat").asInt());
        assertEquals("Ann", moves.at("/game/seats/0/name").asText());
        assertTrue(moves.at("/game/seats/1/playerId").isNull());
        assertEquals(2, moves.at("/game/steps").size());
        assertEquals("start", moves.at("/game/steps/0/action").asText());
        assertTrue(moves.at("/game/steps/0/cause").isMissingNode());
        assertEquals("a", moves.at("/game/steps/1/args/pieces/0").asText());
        assertEquals("player", moves.at("/game/steps/1/cause").asText());
        assertEquals("the first view whole", "a", moves.at("/game/steps/0/view/hand/0").asText());
        assertTrue("later views as patches", moves.at("/game/steps/1/view").isMissingNode());
        assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"hand\":[],\"turn\":{\"who\":1},\"table\":[\"a\"]}"),
                moves.at("/game/steps/1/viewPatch"));
        assertEquals(0, moves.at("/game/result/winners/0").asInt());
    }

    @Test
    public void aMergePatchTurnsOneViewIntoTheNext() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode a = m.readTree("{\"x\":1,\"o\":{\"p\":1,\"q\":[1,2]},\"gone\":true,\"same\":[1]}");
        com.fasterxml.jackson.databind.JsonNode b = m.readTree("{\"x\":2,\"o\":{\"p\":1,\"q\":[1]},\"same\":[1],\"new\":{\"k\":0}}");
        assertEquals("{\"x\":2,\"o\":{\"q\":[1]},\"new\":{\"k\":0},\"gone\":null}", Protocol.mergePatch(a, b).toString());
        assertEquals("{}", Protocol.mergePatch(b, b).toString());
        assertEquals("[1]", Protocol.mergePatch(a, m.readTree("[1]")).toString());
    }

    @Test
    public void malformedInputGetsAStableCodeAndTheIdWhenItCanBeRead() {
        assertEquals("bad_json", bad("{\"id\":1,").code());
        assertEquals("bad_json", bad("\u0000\u0001garbage").code());
        assertEquals("bad_request", bad("[1,2]").code());
        assertEquals("bad_request", bad("42").code());
        assertEquals("bad_request", bad("").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"list_rooms\",\"state\":\"OVER\"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"list_rooms\",\"joinable\":\"yes\"}").code());
        Protocol.Bad noId = bad("{\"type\":\"ping\"}");
        assertEquals("bad_request", noId.code());
        assertNull(noId.id());
        assertEquals("bad_request", bad("{\"id\":1.5,\"type\":\"ping\"}").code());
        assertEquals("bad_request", bad("{\"id\":\"" + "x".repeat(65) + "\",\"type\":\"ping\"}").code());
        Protocol.Bad unknown = bad("{\"id\":\"q\",\"type\":\"fly\"}");
        assertEquals("unknown_type", unknown.code());
        assertEquals("q", unknown.id());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":7}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"join_room\"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"join_room\",\"room\":5}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"remove_bot\",\"seat\":\"1\"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"act\"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"act\",\"action\":\"x\",\"args\":[1]}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"act\",\"action\":\"x\",\"args\":{\"a\":null}}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"create_room\",\"game\":\"g\",\"name\":\"n\",\"options\":{\"o\":{}}}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"hello\",\"lastSeq\":\"5\"}").code());
        assertEquals(1L, bad("{\"id\":1,\"type\":\"join_room\"}").id());
    }

    @Test
    public void repliesAndErrorsAreJsonObjectsCarryingTheId() {
        Map<String, Object> ok = protocol.read(protocol.ok("x", Map.of("a", 1)));
        assertEquals(Map.of("type", "ok", "id", "x", "result", Map.of("a", 1)), ok);
        Map<String, Object> err = protocol.read(protocol.error(3L, "room_full", "full"));
        assertEquals("error", err.get("type"));
        assertEquals(3, err.get("id"));
        assertEquals("room_full", err.get("code"));
        assertEquals("full", err.get("message"));
        assertTrue(protocol.read(protocol.error(null, "bad_json", "x")).containsKey("id"));
    }

    @Test
    public void utf8LengthCountsBytesAndStopsEarly() {
        assertEquals(3, Gateway.utf8Length("abc", 10));
        assertEquals(6, Gateway.utf8Length("ééé", 5));
        assertEquals(4, Gateway.utf8Length("\uD83D\uDE00", 3));
        assertTrue(Gateway.utf8Length("€".repeat(10_000), 100) <= 103);
    }

    @Test
    public void aFrameHoldsExactlyOneJsonValue() {
        assertEquals("bad_json", bad("{\"id\":\"a\",\"type\":\"ping\"}{\"id\":\"b\",\"type\":\"ping\"}").code());
        assertEquals("bad_json", bad("{\"id\":\"a\",\"type\":\"ping\"} 1").code());
        assertEquals(new Request.Ping("a"), good("  {\"id\":\"a\",\"type\":\"ping\"}\n"));
    }

    @Test
    public void aKeyTwiceInOneObjectIsRefusedWhereverItIs() {
        Protocol.Bad top = bad("{\"id\":1,\"type\":\"act\",\"action\":\"x\",\"type\":\"hello\",\"name\":\"n\"}");
        assertEquals("bad_json", top.code());
        assertEquals("not valid JSON: the key \"type\" appears twice in one object", top.message());
        assertNull(top.id());
        Protocol.Bad nested = bad("{\"id\":1,\"type\":\"act\",\"action\":\"x\",\"args\":{\"pit\":1,\"pit\":2}}");
        assertEquals("bad_json", nested.code());
        assertTrue(nested.message(), nested.message().contains("\"pit\""));
        assertEquals("bad_json", bad("{\"id\":1,\"id\":2,\"type\":\"ping\"}").code());
        // The same key in two objects, or a key only differing in case, is not a duplicate.
        assertEquals(new Request.Ping("a"), good("{\"id\":\"a\",\"type\":\"ping\",\"x\":{\"id\":1},\"ID\":2}"));
    }

    @Test
    public void lastSeqMustBeACountAClientCanHold() {
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"hello\",\"token\":\"t\",\"lastSeq\":9223372036854775807}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"hello\",\"token\":\"t\",\"lastSeq\":-5}").code());
        assertEquals(new Request.Hello(1L, null, "t", Protocol.MAX_SEQ),
                good("{\"id\":1,\"type\":\"hello\",\"token\":\"t\",\"lastSeq\":" + Protocol.MAX_SEQ + "}"));
    }

    @Test
    public void statisticsRequestsAreReadWithTheirLimits() {
        assertEquals(new Request.Profile(1L, null), good("{\"id\":1,\"type\":\"profile\"}"));
        assertEquals(new Request.Profile(1L, "p-1"), good("{\"id\":1,\"type\":\"profile\",\"player\":\"p-1\"}"));
        assertEquals(new Request.Leaderboard(2L, "liap-tui", 20), good("{\"id\":2,\"type\":\"leaderboard\",\"game\":\"liap-tui\"}"));
        assertEquals(new Request.Leaderboard(2L, "liap-tui", 100),
                good("{\"id\":2,\"type\":\"leaderboard\",\"game\":\"liap-tui\",\"limit\":100}"));
        assertEquals(new Request.History(3L, null, 5), good("{\"id\":3,\"type\":\"history\",\"limit\":5}"));
        assertEquals("bad_request", bad("{\"id\":2,\"type\":\"leaderboard\"}").code());
        assertEquals("bad_request", bad("{\"id\":2,\"type\":\"leaderboard\",\"game\":\"g\",\"limit\":101}").code());
        assertEquals("bad_request", bad("{\"id\":2,\"type\":\"leaderboard\",\"game\":\"g\",\"limit\":0}").code());
        assertEquals("bad_request", bad("{\"id\":3,\"type\":\"history\",\"limit\":\"5\"}").code());
        assertEquals("bad_request", bad("{\"id\":3,\"type\":\"history\",\"player\":\"" + "p".repeat(129) + "\"}").code());
        assertEquals("bad_request", bad("{\"id\":1,\"type\":\"profile\",\"player\":7}").code());
    }
}
