package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;

import java.util.Map;

import org.junit.Test;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * {@code archiveRetrySeconds = 0} once stopped the runtime from activating ("Service factory
 * returned null"). The configuration guard refuses it; without the guard the runtime must still
 * start.
 */
public class ArchiveRetryZeroTest {

    @Test
    public void theRuntimeActivatesAndServesRoomsWithArchiveRetryZero() {
        RoomsConfig zero = RoomRuntimeTest.config(Map.of("archiveRetrySeconds", 0, "threads", 1));
        MemoryEventStore events = new MemoryEventStore();
        RoomRuntime r = new RoomRuntime();
        r.bindGame(new TurnGame("count", 2));
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(zero);
        try {
            RoomInfo room = r.create("count", "t", Map.of());
            assertEquals(room.roomId(), r.get(room.roomId()).orElseThrow().roomId());
        } finally {
            r.deactivate();
        }
    }
}
