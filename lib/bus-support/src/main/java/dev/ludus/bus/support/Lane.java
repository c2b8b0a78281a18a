package dev.ludus.bus.support;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane of a consumer group on a broker bus: the messages of some keys, handled one at a time
 * in arrival order by the lane's thread ({@link #run}), or by the delivering thread itself while
 * the lane is idle and the group's handler quick ({@link #offer}). A message the handler failed is
 * {@linkplain #hold held} here, unacknowledged, until its backoff has passed; the lane's later
 * messages wait behind it, so its keys stay in order.
 *
 * @param <M> the broker client's message
 */
public final class Lane<M> {

    private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

    /** What the bus does with one message: hands it to the handler once and settles it. */
    public interface Handling<M> {
        /**
         * @param lane     to {@linkplain Lane#hold hold} the message for its retry
         * @param message  the message
         * @param attempt  0 for a message's first time in this lane (the bus counts the broker's
         *                 deliveries), else the attempt it holds
         * @param failures how often the handler failed it in this lane
         */
        void handle(Lane<M> lane, M message, int attempt, int failures);
    }

    private final String group;
    private final Handling<M> handling;
    private final BooleanSupplier running;
    private final long keepAliveNanos;
    private final Consumer<M> keepAlive;
    private final Deque<M> waiting = new ArrayDeque<>();
    private M held;
    private int heldAttempt;
    private int heldFailures;
    private long heldUntil;
    private long lastKeepAlive = System.nanoTime();
    /** A message of this lane is being handled (by its thread or by the delivering thread). */
    private boolean busy;

    /**
     * @param group          for logs
     * @param handling       what the bus does with a message
     * @param running        whether the lane's group still runs
     * @param keepAliveNanos how often to tell the broker that what the lane holds is being worked
     *                       on (0: never; a broker whose unacknowledged messages do not time out)
     * @param keepAlive      tells the broker so for one message
     */
    public Lane(String group, Handling<M> handling, BooleanSupplier running, long keepAliveNanos,
                Consumer<M> keepAlive) {
        this.group = group;
        this.handling = handling;
        this.running = running;
        this.keepAliveNanos = keepAliveNanos;
        this.keepAlive = keepAlive;
    }

    /**
     * A message delivered for this lane: handled here on the calling thread when the handler has
     * been quick and nothing of the lane is before it or in hand, otherwise queued for the lane's
     * thread.
     */
    public void offer(M message, HandlerPace pace) {
        if (pace.quick() && claimIdle()) {
            try {
                handling.handle(this, message, 0, 0);
            } catch (RuntimeException | LinkageError e) {
                LOG.error("bus group {}: a message could not be handled: {}", group, e.toString(), e);
            } finally {
                release();
            }
        } else {
            add(message);
        }
    }

    synchronized void add(M message) {
        waiting.addLast(message);
        notifyAll();
    }

    /** Wakes the lane's thread (to see that its group stopped). */
    public synchronized void wake() {
        notifyAll();
    }

    private synchronized boolean claimIdle() {
        if (busy || held != null || !waiting.isEmpty() || !running.getAsBoolean()) {
            return false;
        }
        busy = true;
        return true;
    }

    private synchronized void release() {
        busy = false;
        // Wake the lane's thread only when it has something to do: a wake-up per message handled on
        // the delivering thread would cost more than the handler (a context switch each).
        if (held != null || !waiting.isEmpty()) {
            notifyAll();
        }
    }

    /**
     * Holds {@code message} (the one in hand) for its next attempt, after {@code backoffMillis};
     * the lane's later messages wait behind it.
     */
    public synchronized void hold(M message, int attempt, int failures, long backoffMillis) {
        held = message;
        heldAttempt = attempt;
        heldFailures = failures;
        heldUntil = System.nanoTime() + backoffMillis * 1_000_000L;
        if (keepAliveNanos > 0) {
            keepAlive.accept(message);
        }
    }

    /** Empties the lane (its group stopped), handing each message it held to {@code back}. */
    public synchronized void giveBack(Consumer<M> back) {
        if (held != null) {
            back.accept(held);
            held = null;
        }
        waiting.forEach(back);
        waiting.clear();
    }

    /** The lane's thread: until the group stops. */
    public void run() {
        while (running.getAsBoolean()) {
            M next;
            int attempt = 0;
            int failures = 0;
            synchronized (this) {
                long now = System.nanoTime();
                // What the lane holds is the broker's until acknowledged: keep telling it that it is
                // being worked on, also while the lane is behind, or it delivers it again elsewhere.
                if (keepAliveNanos > 0 && now - lastKeepAlive > keepAliveNanos) {
                    if (held != null) {
                        keepAlive.accept(held);
                    }
                    waiting.forEach(keepAlive);
                    lastKeepAlive = now;
                }
                long waitMillis = 200;
                next = null;
                if (!busy && held != null) {
                    if (now - heldUntil >= 0) {
                        next = held;
                        attempt = heldAttempt;
                        failures = heldFailures;
                        held = null;
                    } else {
                        waitMillis = Math.max(1, Math.min(200, (heldUntil - now) / 1_000_000L));
                    }
                } else if (!busy && !waiting.isEmpty()) {
                    next = waiting.pollFirst();
                }
                if (next == null) {
                    try {
                        wait(waitMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    continue;
                }
                busy = true;
            }
            try {
                handling.handle(this, next, attempt, failures);
            } catch (RuntimeException | LinkageError e) {
                // never lose the lane's thread: the message stays unacknowledged and comes again
                LOG.error("bus group {}: a message could not be handled: {}", group, e.toString(), e);
            } finally {
                release();
            }
        }
    }
}
