package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

public class PingWheelTest {

    private static final long T0 = 1_000_000L;

    /** A connection with this id, last heard from at {@code heardAt} (it opened then). */
    private static Connection connection(long id, long heardAt) {
        return new Connection(null, id, "127.0.0.1:1", "127.0.0.1", null, null, 16, 1 << 20, new OutboundBytes(1 << 20), heardAt);
    }

    private final Map<Connection, Integer> pings = new HashMap<>();
    private final List<Connection> closed = new ArrayList<>();
    private final Set<Connection> gone = new HashSet<>();
    private final AtomicInteger looked = new AtomicInteger();

    private void tick(PingWheel wheel, int every, long now, long idleMillis) {
        wheel.tick(every, now, idleMillis, c -> {
            looked.incrementAndGet();
            return !gone.contains(c) && !closed.contains(c);
        }, c -> pings.merge(c, 1, Integer::sum), closed::add);
    }

    @Test
    public void eachConnectionIsPingedOncePerIntervalAtItsTurnAndOnlyItsTurnsShareIsLookedAt() {
        PingWheel wheel = new PingWheel();
        List<Connection> all = new ArrayList<>();
        for (int id = 0; id < 300; id++) {
            Connection c = connection(id, T0);
            all.add(c);
            wheel.joined(c);
        }
        // silent for 8 s of an interval of 15 s: pinged (silent for half of it), far from the 60 s timeout
        for (int second = 0; second < 15; second++) {
            looked.set(0);
            tick(wheel, 15, T0 + 8_000, 60_000);
            assertEquals("a fifteenth of them is looked at each second", 20, looked.get());
            for (Connection c : all) {
                int expected = Math.floorMod(c.id, 15) <= second ? 1 : 0;
                assertEquals("connection " + c.id + " after second " + second, expected, (int) pings.getOrDefault(c, 0));
            }
        }
        assertEquals(0, wheel.watched());
        assertTrue(closed.isEmpty());
    }

    @Test
    public void aConnectionHeardFromWithinHalfTheIntervalIsNotPinged() {
        PingWheel wheel = new PingWheel();
        Connection c = connection(0, T0);
        wheel.joined(c);
        tick(wheel, 4, T0 + 1_999, 60_000);
        assertEquals(0, pings.size());
        for (int i = 0; i < 3; i++) {
            tick(wheel, 4, T0 + 2_000, 60_000);
        }
        tick(wheel, 4, T0 + 2_000, 60_000);
        assertEquals(1, (int) pings.get(c));
    }

    @Test
    public void aSilentConnectionIsClosedWithinASecondOfTheIdleTimeoutWhateverItsTurn() {
        for (int every : new int[] {1, 3, 15, 60}) {
            for (long id = 0; id < every; id++) {
                PingWheel wheel = new PingWheel();
                closed.clear();
                Connection c = connection(id, T0);
                wheel.joined(c);
                long closedAt = -1;
                for (int second = 1; second <= 80 && closedAt < 0; second++) {
                    tick(wheel, every, T0 + second * 1000L, 30_000);
                    if (!closed.isEmpty()) {
                        closedAt = second;
                    }
                }
                assertEquals("ping interval " + every + " s, id " + id + ": closed at the first second past 30 s",
                        31, closedAt);
                assertEquals(1, closed.size());
            }
        }
    }

    @Test
    public void aWatchedConnectionThatIsHeardFromAgainIsLetGoAndStaysOpen() {
        PingWheel wheel = new PingWheel();
        Connection c = connection(0, T0);
        Connection far = connection(1, T0);
        wheel.joined(c);
        wheel.joined(far);
        // interval 15 s, timeout 20 s: silent 8 s, either could pass the timeout before its next turn
        tick(wheel, 15, T0 + 8_000, 20_000);
        assertEquals(2, wheel.watched());
        assertEquals(1, (int) pings.get(c));
        c.heard(T0 + 8_500); // it answered the ping
        tick(wheel, 15, T0 + 9_000, 20_000);
        assertEquals("heard from: safe until its next turn, no longer watched; the other still is", 1, wheel.watched());
        // it answers every ping, 0.5 s after it
        for (int second = 10; second < 100; second++) {
            int before = pings.getOrDefault(c, 0);
            tick(wheel, 15, T0 + second * 1000L, 20_000);
            if (pings.getOrDefault(c, 0) > before) {
                c.heard(T0 + second * 1000L + 500);
            }
        }
        assertTrue("an answering connection is never closed: " + closed, !closed.contains(c));
        assertTrue("pinged once per interval", pings.get(c) >= 6);
        assertTrue("the other, never heard from, is closed", closed.contains(far));
    }

    @Test
    public void closedConnectionsAreDroppedAndAChangedIntervalKeepsEveryConnection() {
        PingWheel wheel = new PingWheel();
        List<Connection> all = new ArrayList<>();
        for (int id = 0; id < 12; id++) {
            Connection c = connection(id, T0);
            all.add(c);
            wheel.joined(c);
        }
        tick(wheel, 3, T0, 60_000);
        assertEquals(12, wheel.size());
        wheel.left(all.get(4));
        gone.add(all.get(4));
        gone.add(all.get(5)); // closed without a left(): dropped at its turn
        tick(wheel, 3, T0, 60_000);
        assertEquals(11, wheel.size());
        tick(wheel, 3, T0, 60_000);
        tick(wheel, 3, T0, 60_000);
        assertEquals(10, wheel.size());
        // the interval changes from 3 to 4 s: every open connection is pinged once in the next 4 s
        for (int i = 0; i < 4; i++) {
            tick(wheel, 4, T0 + 3_000, 60_000);
        }
        assertEquals(10, wheel.size());
        for (Connection c : all) {
            assertEquals("connection " + c.id, gone.contains(c) ? 0 : 1, (int) pings.getOrDefault(c, 0));
        }
    }
}
