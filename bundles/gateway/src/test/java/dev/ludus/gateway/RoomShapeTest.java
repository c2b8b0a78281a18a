package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * A room has one JSON shape in the protocol, wherever it appears: replies, lobby pages, {@code room}
 * events and snapshots (docs/protocol.md). The rooms runtime hands the gateway {@link RoomInfo}
 * values; only the gateway decides how they are written.
 */
public class RoomShapeTest {

    private static final List<String> ROOM_KEYS = List.of("roomId", "name", "gameType", "state", "version",
            "pauseReason", "pausedBy", "seats");
    private static final List<String> SEAT_KEYS = List.of("seat", "playerId", "name", "bot", "connected");

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    @Test
    public void theProtocolWritesARoomWithTheDocumentedFieldsOnly() {
        RoomInfo info = new RoomInfo("r1", "table", "turn", RoomState.PAUSED,
                List.of(new SeatInfo(0, "p1", "Ann", false, true), new SeatInfo(1, null, "bot 2", true, false)),
                7, "game 'turn' is not available", Instant.ofEpochMilli(5), Map.of("target", "9"));
        Protocol protocol = new Protocol();
        Map<String, Object> written = protocol.read(protocol.sharedJson(info));
        assertEquals(protocol.read(protocol.json(Protocol.room(info))), written);
        assertShape(written);
        assertEquals("PAUSED", written.get("state"));
        assertEquals(7, written.get("version"));
        assertEquals("game 'turn' is not available", written.get("pauseReason"));
        assertEquals("no operator paused it", "", written.get("pausedBy"));
        RoomInfo byOperator = new RoomInfo("r1", "table", "turn", RoomState.PAUSED, info.seats(), 8, "under review",
                Instant.ofEpochMilli(5), Map.of(), "admin");
        Map<String, Object> paused = protocol.read(protocol.sharedJson(byOperator));
        assertShape(paused);
        assertEquals("admin", paused.get("pausedBy"));
        assertEquals("under review", paused.get("pauseReason"));
        Map<?, ?> bot = (Map<?, ?>) ((List<?>) written.get("seats")).get(1);
        assertEquals(null, bot.get("playerId"));
        assertEquals(true, bot.get("bot"));
        assertEquals(false, bot.get("connected"));
    }

    @Test
    public void aRoomHasTheSameShapeInRepliesListsEventsAndSnapshots() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        ProtocolClient ann = fixture.hello(s, "Ann");
        Map<String, Object> created = ann.ok("create_room",
                Map.of("game", TurnGame.TYPE, "name", "shape", "options", Map.of("target", 50)));
        assertShape(created.get("room"));
        String room = (String) ((Map<?, ?>) created.get("room")).get("roomId");

        Map<String, Object> joined = ann.ok("join_room", Map.of("room", room));
        assertShape(joined.get("room"));
        Map<String, Object> snap = ann.await("a snapshot of the room",
                m -> "snapshot".equals(m.get("type")) && m.get("room") != null, 5000);
        assertShape(snap.get("room"));
        assertEquals(room, ((Map<?, ?>) snap.get("room")).get("roomId"));

        Map<String, Object> withBot = ann.ok("add_bot", Map.of());
        assertShape(withBot.get("room"));
        Map<String, Object> event = ann.await("a room event with the bot",
                m -> "room".equals(m.get("type")) && hasBot(m.get("room")), 5000);
        assertShape(event.get("room"));

        Map<String, Object> listed = ann.ok("list_rooms", Map.of("game", TurnGame.TYPE));
        List<?> rooms = (List<?>) listed.get("rooms");
        assertEquals(1, rooms.size());
        assertShape(rooms.get(0));
        // The lobby and the event show the room as it is now, field for field.
        Protocol protocol = new Protocol();
        assertEquals(protocol.read(protocol.json(Protocol.room(fixture.service().get(room).orElseThrow()))), rooms.get(0));
        assertEquals(rooms.get(0), event.get("room"));
    }

    private static boolean hasBot(Object room) {
        return room instanceof Map<?, ?> m && m.get("seats") instanceof List<?> seats
                && seats.stream().anyMatch(x -> x instanceof Map<?, ?> seat && Boolean.TRUE.equals(seat.get("bot")));
    }

    private static void assertShape(Object room) {
        assertTrue("a room is an object: " + room, room instanceof Map<?, ?>);
        Map<?, ?> m = (Map<?, ?>) room;
        assertEquals("room fields, in order", ROOM_KEYS, new ArrayList<>(m.keySet()));
        for (Object seat : (List<?>) m.get("seats")) {
            assertEquals("seat fields, in order", SEAT_KEYS, new ArrayList<>(((Map<?, ?>) seat).keySet()));
        }
    }
}
