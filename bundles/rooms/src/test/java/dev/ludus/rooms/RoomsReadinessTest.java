package dev.ludus.rooms;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/** The rooms check holds {@code /health/ready} until the rooms of before the restart are back. */
public class RoomsReadinessTest {

    @Test
    public void notReadyUntilRecoveryHasRun() throws Exception {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(new TurnGame("count", 2));
        r.activate(RoomRuntimeTest.config(50, 600_000));
        try {
            assertFalse("no event store yet: nothing could be recovered", r.ready());
            MemoryEventStore events = new MemoryEventStore();
            r.bindSnapshotStore(events);
            r.bindEventStore(events);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!r.ready() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue("ready once recovery has run", r.ready());
        } finally {
            r.deactivate();
        }
    }
}
