package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;

public class LobbyTest {

    private final List<RoomInfo> rooms = new ArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final Lobby lobby = new Lobby(() -> {
        reads.incrementAndGet();
        return List.copyOf(rooms);
    });

    private RoomInfo room(String id, String name, String game, RoomState state, boolean freeSeat, long createdAt) {
        List<SeatInfo> seats = List.of(new SeatInfo(0, "p-" + id, "P", false, true),
                freeSeat ? new SeatInfo(1, null, null, false, false) : new SeatInfo(1, null, "bot 2", true, false));
        RoomInfo r = new RoomInfo(id, name, game, state, seats, 1, "", Instant.ofEpochMilli(createdAt), Map.of());
        rooms.add(r);
        lobby.changed();
        return r;
    }

    private static List<String> ids(RoomPage p) {
        return p.rooms().stream().map(RoomInfo::roomId).toList();
    }

    @Test
    public void joinableRoomsComeFirstThenTheOthersEachNewestFirstAndFinishedOnesNever() {
        room("old-open", "a", "g", RoomState.WAITING, true, 1);
        room("new-open", "b", "g", RoomState.WAITING, true, 5);
        room("full", "c", "g", RoomState.WAITING, false, 9);
        room("playing", "d", "g", RoomState.PLAYING, false, 7);
        room("done", "e", "g", RoomState.FINISHED, false, 8);
        assertEquals(List.of("new-open", "old-open", "full", "playing"), ids(lobby.page(RoomQuery.first(10))));
    }

    @Test
    public void aWalkWithTheCursorSeesEveryRoomOnceEvenWhenNewRoomsArrive() {
        for (int i = 0; i < 25; i++) {
            room("r" + (100 + i), "room " + i, "g", RoomState.WAITING, true, 1000 + i);
        }
        List<String> seen = new ArrayList<>();
        RoomPage p = lobby.page(RoomQuery.first(10));
        seen.addAll(ids(p));
        room("newest", "late", "g", RoomState.WAITING, true, 5000); // lands before the cursor: not repeated
        while (p.next() != null) {
            p = lobby.page(new RoomQuery(null, null, null, null, 10, p.next()));
            seen.addAll(ids(p));
        }
        assertEquals(25, seen.size());
        assertEquals(25, seen.stream().distinct().count());
        assertEquals("r124", seen.get(0));
        assertEquals("the newest room is on the first page of a new walk", "newest", ids(lobby.page(RoomQuery.first(1))).get(0));
    }

    @Test
    public void filtersByGameStateJoinableAndName() {
        room("a", "Ann's table", "liap-tui", RoomState.WAITING, true, 1);
        room("b", "Bob's table", "chess", RoomState.WAITING, true, 2);
        room("c", "ANN again", "liap-tui", RoomState.PLAYING, false, 3);
        assertEquals(List.of("a", "c"), ids(lobby.page(new RoomQuery("liap-tui", null, null, null, 10, null))));
        assertEquals(List.of("c"), ids(lobby.page(new RoomQuery(null, RoomState.PLAYING, null, null, 10, null))));
        assertEquals(List.of("b", "a"), ids(lobby.page(new RoomQuery(null, null, true, null, 10, null))));
        assertEquals(List.of("c"), ids(lobby.page(new RoomQuery(null, null, false, null, 10, null))));
        assertEquals(List.of("a", "c"), ids(lobby.page(new RoomQuery(null, null, null, "ann", 10, null))));
        RoomPage one = lobby.page(new RoomQuery("liap-tui", null, null, null, 1, null));
        assertNotNull("a filtered walk pages too", one.next());
        RoomPage two = lobby.page(new RoomQuery("liap-tui", null, null, null, 1, one.next()));
        assertEquals(List.of("c"), ids(two));
        assertNull(two.next());
    }

    @Test
    public void theOrderIsBuiltOncePerVersionNotPerQuestion() {
        for (int i = 0; i < 50; i++) {
            room("r" + i, "n", "g", RoomState.WAITING, true, i);
        }
        long v = lobby.version();
        for (int i = 0; i < 1000; i++) {
            assertEquals(v, lobby.page(RoomQuery.first(20)).lobbyVersion());
        }
        assertEquals(1, reads.get());
        room("another", "n", "g", RoomState.WAITING, true, 99);
        lobby.page(RoomQuery.first(20));
        assertEquals(2, reads.get());
    }

    @Test
    public void aCursorThatTheLobbyDidNotMakeIsRefused() {
        for (String bad : List.of("x", "l1:!!!", "l1:" + java.util.Base64.getUrlEncoder().encodeToString("7.1.x".getBytes()))) {
            RoomException e = assertThrows(RoomException.class, () -> lobby.page(new RoomQuery(null, null, null, null, 5, bad)));
            assertEquals("bad_cursor", e.code());
        }
    }
}
