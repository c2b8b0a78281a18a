package dev.ludus.bus.support;

import java.util.List;

import dev.ludus.api.bus.MessageHandler;

/**
 * A registered {@link MessageHandler} with its settings, as read from its service properties.
 *
 * @param identity         what registered it (its service reference), to unregister it by
 * @param maxDeliveries    deliveries of one message before it is dead-lettered
 * @param backoffMillis    the first retry's wait; doubled each time
 * @param maxBackoffMillis the longest wait
 * @param bundle           symbolic name of the handler's bundle
 * @param version          that bundle's version
 */
public record Subscriber(Object identity, String group, List<String> topics, MessageHandler handler, int maxDeliveries,
                  long backoffMillis, long maxBackoffMillis, String bundle, String version) {

    public static final int DEFAULT_MAX_DELIVERIES = 5;
    public static final long DEFAULT_BACKOFF_MILLIS = 500;
    public static final long DEFAULT_MAX_BACKOFF_MILLIS = 60_000;

    public Subscriber {
        topics = List.copyOf(topics);
        try {
            Checks.group(group);
            topics.forEach(Checks::topic);
        } catch (dev.ludus.api.bus.BusException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("consumer group " + group + " names no topic ("
                    + MessageHandler.TOPICS + ")");
        }
        if (maxDeliveries < 1 || maxDeliveries > 1000) {
            throw new IllegalArgumentException(MessageHandler.MAX_DELIVERIES + " must be 1 to 1000, got " + maxDeliveries);
        }
        if (backoffMillis < 0 || maxBackoffMillis < backoffMillis || maxBackoffMillis > 3_600_000) {
            throw new IllegalArgumentException(MessageHandler.BACKOFF_MILLIS + " must be 0 to "
                    + MessageHandler.MAX_BACKOFF_MILLIS + ", which is at most an hour");
        }
    }

    /**
     * What the handler made of one delivery.
     *
     * @param error  null when it took the message, else what it threw
     * @param poison it threw {@link dev.ludus.api.bus.PoisonMessageException}: no retry
     */
    public record Outcome(String error, boolean poison) {
        public boolean taken() {
            return error == null;
        }
    }

    /**
     * Hands {@code d} to the handler, timing the call for {@code pace}: whatever it throws
     * (a {@link LinkageError} too: its bundle went away under it) is its refusal of the message.
     */
    public Outcome deliver(dev.ludus.api.bus.Delivery d, HandlerPace pace) {
        long started = System.nanoTime();
        try {
            handler.handle(d);
            return new Outcome(null, false);
        } catch (dev.ludus.api.bus.PoisonMessageException e) {
            return new Outcome(e.toString(), true);
        } catch (Exception | LinkageError e) {
            return new Outcome(e.toString(), false);
        } finally {
            pace.took(System.nanoTime() - started);
        }
    }

    /**
     * Deliveries a broker may make of one message on top of {@link #maxDeliveries} without the
     * handler failing it: a node stopping or a connection lost gives the message back, and a swap of
     * the bus under traffic does that again and again. They must not use up the handler's attempts.
     */
    public static final int GIVE_BACKS = 20;

    /**
     * Whether a message the handler just failed is given up on (dead-lettered): its handler has
     * failed it {@code failures} times on this node, as many as {@link #maxDeliveries}; or the
     * broker has delivered it {@code deliveries} times, {@link #brokerDeliveryLimit()} (a handler
     * that takes its node down on every delivery never fails it anywhere).
     */
    public boolean exhausted(int deliveries, int failures) {
        return failures >= maxDeliveries || deliveries >= brokerDeliveryLimit();
    }

    /** The most deliveries of one message a broker makes for this group: {@link #maxDeliveries} and {@link #GIVE_BACKS}. */
    public int brokerDeliveryLimit() {
        return maxDeliveries + GIVE_BACKS;
    }

    /** The wait before delivery {@code attempt + 1}, after {@code attempt} failed ones. */
    public long backoff(int attempt) {
        long wait = backoffMillis;
        for (int i = 1; i < attempt && wait < maxBackoffMillis; i++) {
            wait *= 2;
        }
        return Math.min(wait, maxBackoffMillis);
    }

    /** Bundle and version, as dead letters and the status name the handler. */
    public String handlerName() {
        return bundle + " " + version;
    }
}
