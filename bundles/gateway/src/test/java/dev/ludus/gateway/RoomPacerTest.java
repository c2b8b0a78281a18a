package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Fair shares of a hot CPU: which rooms' actions are held, by how much, and when pacing ends. */
public class RoomPacerTest {

    private static final long WINDOW = 250_000_000L;
    private static final long MS = 1_000_000L;

    private static TestConfig config() {
        TestConfig c = new TestConfig();
        c.admitCpuPercent = 80;
        return c;
    }

    @Test
    public void aCoolNodeHoldsNothing() {
        RoomPacer p = new RoomPacer();
        p.reading(50, 250, WINDOW, 10, config());
        assertFalse(p.pacing());
        for (int i = 0; i < 100; i++) {
            assertEquals(0, p.delayNanos("r", 1000));
        }
    }

    @Test
    public void onAHotCpuARoomOverItsShareIsHeldInOrderAndARoomWithinItIsNot() {
        RoomPacer p = new RoomPacer();
        // 250 actions in 250 ms at 100 % CPU: 1000/s, so 800/s at the 80 % allowed; 10 rooms: 80/s each.
        p.reading(100, 250, WINDOW, 10, config());
        assertTrue(p.pacing());
        long interval = 12_500_000L;
        long now = 1_000_000_000L;
        for (int i = 0; i < RoomPacer.BURST; i++) {
            assertEquals("a burst of " + RoomPacer.BURST + " goes at once", 0, p.delayNanos("hungry", now));
        }
        assertEquals(interval, p.delayNanos("hungry", now));
        assertEquals("the next waits behind it", 2 * interval, p.delayNanos("hungry", now));
        // A room at human speed: one action every 100 ms, never held.
        for (int i = 0; i < 50; i++) {
            assertEquals(0, p.delayNanos("people", now + i * 100 * MS));
        }
        assertEquals(2, p.delayedSoFar());
        assertEquals(80.0, (Double) p.details().get("actionsPerSecondPerRoom"), 0.1);
    }

    @Test
    public void pacingLastsUntilTheCpuHasBeenQuietForTwoSecondsAndOffStopsItAtOnce() {
        RoomPacer p = new RoomPacer();
        TestConfig c = config();
        p.reading(95, 200, WINDOW, 20, c);
        assertTrue(p.pacing());
        p.reading(60, 150, WINDOW, 20, c);
        assertTrue("under the limit but over half of it: still pacing", p.pacing());
        for (int i = 0; i < 7; i++) {
            p.reading(30, 40, WINDOW, 20, c);
            assertTrue("quiet for " + (i + 1) + " readings", p.pacing());
        }
        p.reading(30, 40, WINDOW, 20, c);
        assertFalse("eight quiet readings: two seconds", p.pacing());
        assertEquals(0, p.delayNanos("r", 0));

        p.reading(99, 200, WINDOW, 20, c);
        assertTrue(p.pacing());
        c.shedding = "off";
        p.reading(99, 200, WINDOW, 20, c);
        assertFalse(p.pacing());
        c.shedding = "on";
        c.admitCpuPercent = 0;
        p.reading(99, 200, WINDOW, 20, c);
        assertFalse("CPU not watched", p.pacing());
    }

    @Test
    public void aRoomIsNeverHeldBelowTheMinimumShare() {
        RoomPacer p = new RoomPacer();
        p.reading(100, 10, WINDOW, 1000, config()); // 32/s for 1000 rooms
        long now = 0;
        for (int i = 0; i < RoomPacer.BURST; i++) {
            p.delayNanos("r", now);
        }
        assertEquals((long) (1e9 / RoomPacer.MIN_SHARE_PER_SECOND), p.delayNanos("r", now));
    }
}
