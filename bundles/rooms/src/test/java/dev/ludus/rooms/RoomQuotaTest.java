package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.Set;
import java.util.function.BiFunction;

import org.junit.Test;

import dev.ludus.api.rooms.RoomException;

public class RoomQuotaTest {

    /** Open rooms of the player, as the runtime counts them: visible ones, less the reserved ones. */
    private static BiFunction<String, Set<String>, Integer> visible(String... rooms) {
        return (player, reserved) -> (int) Set.of(rooms).stream().filter(r -> !reserved.contains(r)).count();
    }

    @Test
    public void aRoomThatIsVisibleButStillReservedCountsOnce() {
        RoomQuota q = new RoomQuota();
        Runnable first = q.reserve("mallory", "r1", 2, visible());
        // r1 has become visible; its creator has not released its reservation yet.
        Runnable second = q.reserve("mallory", "r2", 2, visible("r1"));
        RoomException e = assertThrows(RoomException.class, () -> q.reserve("mallory", "r3", 2, visible("r1", "r2")));
        assertEquals(RoomException.TOO_MANY_ROOMS, e.code());
        first.run();
        second.run();
        assertEquals(RoomException.TOO_MANY_ROOMS,
                assertThrows(RoomException.class, () -> q.reserve("mallory", "r3", 2, visible("r1", "r2"))).code());
        q.reserve("ann", "r4", 2, visible()).run();
    }

    @Test
    public void aFailedCreationGivesItsReservationBack() {
        RoomQuota q = new RoomQuota();
        q.reserve("eve", "r1", 1, visible()).run(); // refused later, nothing visible
        q.reserve("eve", "r2", 1, visible()).run();
    }
}
