package dev.ludus.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission by capacity: how many new rooms the node takes in the next pressure window
 * (docs/protocol.md, "Load shedding").
 * <p>
 * Latency signals react after the fact: a crowd that arrives at once has all its rooms created
 * before one reading has seen the load they make, and a game once started cannot be sent away.
 * So new rooms are paced instead. At every reading the node opens a window of
 * {@code max(admitRoomsMin, admitRoomsPercent % of the rooms playing - the rooms waiting)} new
 * rooms, and none while the node's process used more than {@code admitCpuPercent} of its
 * processors since the last reading (a started room cannot be sent away: new ones wait for room
 * on the CPU, before any queue has grown), while the reading shows the games under way slowing
 * down (action p99 or executor lag over {@code admitTargetMillis}), or while the node is
 * overloaded. New load is so added
 * in steps of a fixed share of the load there is, and the rooms still waiting for their players
 * (admitted, but not playing yet: load a reading has not seen) are taken from the step, so a step
 * is seen by the readings before the next grows from it: admission grows geometrically while the
 * node keeps up and stops within a window of the games slowing down.
 * <p>
 * {@link #take()} is called by any thread, {@link #open} by the one pressure thread.
 */
final class Admission {

    private final Window rooms = new Window();
    private volatile int playing;
    private volatile int waiting;
    private volatile String closedBecause = "";
    private volatile double cpuPercent = Double.NaN;

    /**
     * Opens the next window from a pressure reading.
     *
     * @param playing    the rooms whose game is under way (or paused), -1 when the rooms service is away
     * @param waiting    the rooms waiting for their game to start
     * @param overloaded whether the node is overloaded (its state, with its hysteresis)
     * @param cpuPercent the share of its processors the process used since the last reading, NaN if unknown
     * @return the window's size
     */
    int open(Pressure.Reading r, int playing, int waiting, boolean overloaded, double cpuPercent, GatewayConfig c) {
        this.cpuPercent = cpuPercent;
        this.playing = playing;
        this.waiting = waiting;
        int size;
        String because = "";
        if (c.admitRoomsPercent() <= 0) {
            size = Integer.MAX_VALUE;
        } else if (overloaded) {
            size = 0;
            because = "the node is overloaded";
        } else if (c.admitCpuPercent() > 0 && !Double.isNaN(cpuPercent) && cpuPercent > c.admitCpuPercent()) {
            size = 0;
            because = "CPU " + Math.round(cpuPercent) + " % over " + c.admitCpuPercent() + " %";
        } else if ((because = slowing(r, c.admitTargetMillis())) != null) {
            size = 0;
        } else {
            because = "";
            long share = (long) Math.ceil(Math.max(0, playing) * c.admitRoomsPercent() / 100.0) - Math.max(0, waiting);
            size = (int) Math.min(Integer.MAX_VALUE, Math.max(c.admitRoomsMin(), share));
        }
        closedBecause = because;
        rooms.open(size);
        return size;
    }

    /** What shows the games under way slowing down, said for people, or null when nothing does. */
    private static String slowing(Pressure.Reading r, int targetMillis) {
        if (targetMillis <= 0) {
            return null;
        }
        double p99 = r.get(Pressure.Signal.ACTION_P99);
        if (!Double.isNaN(p99) && p99 > targetMillis) {
            return "action p99 " + Math.round(p99) + " ms over " + targetMillis + " ms";
        }
        double lag = r.get(Pressure.Signal.EXECUTOR_LAG);
        if (!Double.isNaN(lag) && lag > targetMillis) {
            return "executor lag " + Math.round(lag) + " ms over " + targetMillis + " ms";
        }
        return null;
    }

    /** Takes one new room from this window; false when it is used up. Lock-free. */
    boolean take() {
        return rooms.take();
    }

    /** Why this window admits nothing ("" when it was only used up, or is open). */
    String closedBecause() {
        return closedBecause;
    }

    /** Why a refused room was refused, said for people. */
    String refusal() {
        String because = closedBecause;
        return because.isEmpty()
                ? "the node takes at most " + rooms.size() + " new rooms per " + Pressure.SAMPLE_MILLIS + " ms now (" + playing
                        + " playing, " + waiting + " waiting) and has taken them"
                : "the node takes no new rooms now: " + because;
    }

    /** For health and the console. */
    Map<String, Object> details() {
        Map<String, Object> m = new LinkedHashMap<>();
        int w = rooms.size();
        m.put("window", w == Integer.MAX_VALUE ? "unpaced" : w);
        if (w != Integer.MAX_VALUE) {
            m.put("left", rooms.left());
        }
        double cpu = cpuPercent;
        if (!Double.isNaN(cpu)) {
            m.put("cpuPercent", Math.round(cpu * 10) / 10.0);
        }
        m.put("roomsPlaying", playing);
        m.put("roomsWaiting", waiting);
        if (!closedBecause.isEmpty()) {
            m.put("closedBecause", closedBecause);
        }
        return m;
    }

    /** This window's size, or -1 when new rooms are not paced. */
    int windowOrMinusOne() {
        int w = rooms.size();
        return w == Integer.MAX_VALUE ? -1 : w;
    }

    /** Rooms left in this window (Integer.MAX_VALUE when unpaced). */
    int left() {
        return rooms.left();
    }

    /** A count taken from until the next reading refills it; Integer.MAX_VALUE: unbounded. Lock-free. */
    static final class Window {
        private final AtomicInteger left = new AtomicInteger(Integer.MAX_VALUE);
        private volatile int size = Integer.MAX_VALUE;

        void open(int n) {
            size = n;
            left.set(n);
        }

        boolean take() {
            while (true) {
                int n = left.get();
                if (n <= 0) {
                    return false;
                }
                if (n == Integer.MAX_VALUE || left.compareAndSet(n, n - 1)) {
                    return true;
                }
            }
        }

        int size() {
            return size;
        }

        int left() {
            return Math.max(0, left.get());
        }
    }

    /**
     * New connections per reading: {@code max(admitConnectionsMin, admitConnectionsPercent % of
     * the connections open)}. An upgrade and its hello cost the node far more than an action, so a
     * crowd connecting at once would stall the games under way for as long as it takes to take
     * them all in; paced, the crowd is taken in over a few readings (the rest get 503 with
     * Retry-After) and the games go on. Only the window: a connection cannot say at its upgrade
     * whether it is a new player or one resuming, so neither CPU nor latency closes it (the
     * overloaded state does).
     */
    static final class Connections {
        private final Window window = new Window();

        int open(int openConnections, GatewayConfig c) {
            int size = c.admitConnectionsPercent() <= 0 ? Integer.MAX_VALUE
                    : (int) Math.min(Integer.MAX_VALUE, Math.max((long) c.admitConnectionsMin(),
                            (long) Math.ceil(Math.max(0, openConnections) * c.admitConnectionsPercent() / 100.0)));
            window.open(size);
            return size;
        }

        boolean take() {
            return window.take();
        }

        int window() {
            return window.size();
        }
    }
}
