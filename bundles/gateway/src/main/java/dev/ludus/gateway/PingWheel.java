package dev.ludus.gateway;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Which connections the gateway's once-a-second maintenance looks at: those whose turn it is to
 * be pinged (a connection's turn comes once per ping interval, by its id, so the pings of many
 * connections are spread over the interval's seconds), and those that may pass the idle timeout
 * before their next turn. Everything else is left alone, so an idle node with thousands of
 * connections touches a ping interval's share of them each second instead of all of them (at
 * 15,500 idle connections walking them all took more of the node's CPU than the pings).
 * <p>
 * A connection is closed for silence within a second of passing the idle timeout, as when every
 * connection was looked at every second: at its turn, one silent for so long that it could pass
 * the timeout before its next turn is watched, and watched connections are looked at every second
 * until they are heard from again or closed.
 * <p>
 * {@link #joined} and {@link #left} may be called by any thread; {@link #tick} by one thread only
 * (the maintenance thread), which alone owns the turns.
 */
final class PingWheel {

    private final ConcurrentLinkedQueue<Connection> joining = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Connection> leaving = new ConcurrentLinkedQueue<>();
    /** By turn: a connection's turn is its id modulo the ping interval in seconds. */
    private List<Set<Connection>> turns = List.of(new HashSet<>());
    /** Connections that could pass the idle timeout before their next turn. */
    private final Set<Connection> watched = new HashSet<>();
    private long ticks;

    /** A connection opened: it takes part from the next tick. */
    void joined(Connection c) {
        joining.add(c);
    }

    /** A connection closed: it is let go at the next tick (the tick's {@code open} test also drops it). */
    void left(Connection c) {
        leaving.add(c);
    }

    /**
     * One second of maintenance.
     *
     * @param every      the ping interval in seconds (at least 1): the number of turns
     * @param nowMillis  the gateway's clock
     * @param idleMillis a connection silent for longer than this is closed
     * @param open       whether a connection is still open and not closing (others are dropped)
     * @param ping       pings a connection (called for those whose turn it is, silent for half the interval)
     * @param idle       closes a connection silent for longer than {@code idleMillis}
     */
    void tick(int every, long nowMillis, long idleMillis, Predicate<Connection> open, Consumer<Connection> ping,
              Consumer<Connection> idle) {
        if (turns.size() != every) {
            List<Set<Connection>> next = new ArrayList<>(every);
            for (int i = 0; i < every; i++) {
                next.add(new HashSet<>());
            }
            for (Set<Connection> t : turns) {
                for (Connection c : t) {
                    next.get(turnOf(c, every)).add(c);
                }
            }
            turns = next;
        }
        long intervalMillis = every * 1000L;
        for (Connection c; (c = joining.poll()) != null; ) {
            turns.get(turnOf(c, every)).add(c);
            if (nowMillis - c.lastHeardMillis() + intervalMillis > idleMillis) {
                watched.add(c); // its first turn may come after the timeout (an interval longer than it)
            }
        }
        for (Connection c; (c = leaving.poll()) != null; ) {
            turns.get(turnOf(c, every)).remove(c);
            watched.remove(c);
        }
        long quietMillis = every * 500L;
        Set<Connection> due = turns.get((int) (ticks++ % every));
        for (Iterator<Connection> it = due.iterator(); it.hasNext(); ) {
            Connection c = it.next();
            if (!open.test(c)) {
                it.remove();
                watched.remove(c);
                continue;
            }
            long silent = nowMillis - c.lastHeardMillis();
            if (silent > idleMillis) {
                watched.remove(c);
                idle.accept(c);
                continue;
            }
            if (silent >= quietMillis) {
                ping.accept(c);
            }
            if (silent + intervalMillis > idleMillis) {
                watched.add(c);
            }
        }
        for (Iterator<Connection> it = watched.iterator(); it.hasNext(); ) {
            Connection c = it.next();
            if (!open.test(c)) {
                it.remove();
                continue;
            }
            long silent = nowMillis - c.lastHeardMillis();
            if (silent > idleMillis) {
                it.remove();
                idle.accept(c);
            } else if (silent + intervalMillis <= idleMillis) {
                it.remove(); // heard from since: safe until its next turn
            }
        }
    }

    /** Connections taking part (for tests): those of every turn, joined or not yet dropped. */
    int size() {
        int n = 0;
        for (Set<Connection> t : turns) {
            n += t.size();
        }
        return n;
    }

    /** Connections watched for the idle timeout (for tests). */
    int watched() {
        return watched.size();
    }

    private static int turnOf(Connection c, int every) {
        return (int) Math.floorMod(c.id, (long) every);
    }
}
