package dev.ludus.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fair shares of a hot CPU between the rooms playing (docs/protocol.md, "Load shedding").
 * <p>
 * Admission keeps new rooms out while the CPU is busy, but a room once started cannot be sent
 * away, and a few tables whose players act the instant they may (bots run elsewhere, scripts,
 * a load test) can keep the CPU at 100 % by themselves. Then every thread of the node waits for
 * the processor and every player's reply is late, however short the node's own queues. So while
 * the node's CPU is over {@code admitCpuPercent}, each room gets an equal share of what the node
 * can serve at that CPU: a room that asks for more has its next actions started later (in order,
 * delayed, never refused), which slows only its own players; a room that asks for less, as people
 * playing at human speed do, is never delayed. What the node can serve is learnt from the readings
 * (actions served per second, scaled from the CPU used to the CPU allowed, averaged), and pacing,
 * once begun, lasts until the CPU has stayed under half its limit for two seconds: turned off at
 * the first quiet reading, the hungry rooms would take the CPU back at once.
 * <p>
 * {@link #reading} is called by the pressure thread; {@link #delayNanos} by any thread.
 */
final class RoomPacer {

    /** No room is held below this many actions a second, however many rooms there are. */
    static final double MIN_SHARE_PER_SECOND = 2;
    /** Actions a room may make at once, above its share, before any is held: people's turns come in bursts. */
    static final int BURST = 4;

    private final Map<String, AtomicLong> nextStart = new ConcurrentHashMap<>();
    private final LongAdder delayed = new LongAdder();
    private volatile long intervalNanos; // 0: not pacing
    private volatile double sharePerSecond;
    private int readingsSinceClear;
    /** What the node serves per second at its allowed CPU, averaged over the readings (0: not learnt yet). */
    private double capacity;
    private int quietReadings;

    /**
     * Takes a reading: whether the CPU is hot, and if so each room's share.
     *
     * @param cpuPercent the process's share of its processors since the last reading (NaN: unknown)
     * @param actions    actions answered since the last reading
     * @param windowNanos the time since the last reading
     * @param playing    rooms playing
     */
    void reading(double cpuPercent, long actions, long windowNanos, int playing, GatewayConfig c) {
        int limit = c.admitCpuPercent();
        if (limit <= 0 || "off".equals(c.shedding()) || Double.isNaN(cpuPercent) || windowNanos <= 0) {
            stop();
            return;
        }
        if (cpuPercent > 10 && actions > 0) {
            // What the node serves per second at the CPU it is allowed, from what it served at the CPU it used.
            double sample = actions * 1e9 / windowNanos * (limit / cpuPercent);
            capacity = capacity == 0 ? sample : 0.7 * capacity + 0.3 * sample;
        }
        boolean on = intervalNanos != 0;
        if (!on && cpuPercent <= limit) {
            return;
        }
        quietReadings = cpuPercent < limit / 2.0 ? quietReadings + 1 : 0;
        if (on && quietReadings >= 8) {
            stop();
            return;
        }
        if (capacity == 0) {
            return;
        }
        double share = Math.max(MIN_SHARE_PER_SECOND, capacity / Math.max(1, playing));
        sharePerSecond = share;
        intervalNanos = (long) (1e9 / share);
        if (++readingsSinceClear >= 40) { // rooms that ended meanwhile
            readingsSinceClear = 0;
            long now = System.nanoTime();
            nextStart.values().removeIf(n -> n.get() < now - 60_000_000_000L);
        }
    }

    private void stop() {
        intervalNanos = 0;
        sharePerSecond = 0;
        quietReadings = 0;
        nextStart.clear();
    }

    /**
     * How long to hold this room's next action before starting it (0 when the CPU is not hot or
     * the room is within its share); books its place, so the room's later actions come after it.
     */
    long delayNanos(String room, long now) {
        long interval = intervalNanos;
        if (interval == 0 || room == null) {
            return 0;
        }
        // The room's theoretical next start, as a token bucket of BURST actions refilled at its share.
        long tolerance = (BURST - 1) * interval;
        AtomicLong next = nextStart.computeIfAbsent(room, r -> new AtomicLong(now));
        while (true) {
            long n = next.get();
            long due = Math.max(n, now);
            if (next.compareAndSet(n, due + interval)) {
                long delay = Math.max(0, due - tolerance - now);
                if (delay > 0) {
                    delayed.increment();
                }
                return delay;
            }
        }
    }

    /** Whether rooms are paced now. */
    boolean pacing() {
        return intervalNanos != 0;
    }

    long delayedSoFar() {
        return delayed.sum();
    }

    Map<String, Object> details() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pacing", pacing());
        if (pacing()) {
            m.put("actionsPerSecondPerRoom", Math.round(sharePerSecond * 10) / 10.0);
        }
        m.put("actionsDelayed", delayed.sum());
        return m;
    }
}
