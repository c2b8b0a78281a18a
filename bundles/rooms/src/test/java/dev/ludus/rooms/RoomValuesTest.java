package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * The runtime hands out rooms as {@link RoomInfo} values, never as maps: how a room is written
 * on the wire belongs to the gateway, so the API and the runtime hold no second copy of it.
 */
public class RoomValuesTest {

    private final MemoryEventStore events = new MemoryEventStore();
    private final RoomRuntime runtime = new RoomRuntime();

    @After
    public void stop() {
        runtime.deactivate();
    }

    @Test
    public void roomChangedEventsAndViewsCarryTheRoomInfoItself() throws Exception {
        runtime.bindGame(new TurnGame("count", 2));
        runtime.bindEventStore(events);
        runtime.bindSnapshotStore(events);
        runtime.activate(RoomRuntimeTest.config(50, 600_000));
        RoomInfo created = runtime.create("count", "values", Map.of());
        List<RoomEvent> received = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = runtime.subscribe(created.roomId(), "ann", received::add)) {
            RoomInfo joined = runtime.join(created.roomId(), "ann", "Ann");

            // The event is published within the join's room step, before the join returns.
            RoomEvent changed = received.stream().filter(e -> e.type().equals("room_changed")).findFirst().orElseThrow();
            assertTrue("room_changed carries a RoomInfo: " + changed.data(), changed.data().get("room") instanceof RoomInfo);
            assertEquals(joined, changed.data().get("room"));
            assertEquals(changed.version(), joined.version());

            Map<String, Object> view = runtime.view(created.roomId(), "ann");
            assertEquals(runtime.get(created.roomId()).orElseThrow(), view.get("room"));
            assertEquals(0, view.get("seat"));
        }
        assertEquals(RoomException.NO_SUCH_ROOM,
                assertThrows(RoomException.class, () -> runtime.view("nope", "ann")).code());
    }
}
