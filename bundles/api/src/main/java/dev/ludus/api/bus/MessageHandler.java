package dev.ludus.api.bus;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A consumer group's handler, registered as an OSGi service with the properties below. Every bus
 * implementation that runs picks it up; when the handler's bundle is updated, deliveries continue
 * with the new version, and dead letters name the version that failed.
 *
 * <pre>{@code
 * @Component(property = {MessageHandler.GROUP + "=stats", MessageHandler.TOPICS + "=game.finished"})
 * public class Stats implements MessageHandler {
 *     public void handle(Delivery d) throws Exception { if (applied.add(d.message().id())) ... }
 * }
 * }</pre>
 *
 * <p>Returning acknowledges the message. Throwing asks for it again after a backoff, until the
 * group's {@link #MAX_DELIVERIES}; then (or at once for {@link PoisonMessageException}) it becomes a
 * dead letter. Messages with the same key are handed over one at a time, in order; others may be
 * handled concurrently, so a handler must be thread-safe. A handler should finish within seconds:
 * a slow one holds up its keys.
 */
@ConsumerType
public interface MessageHandler {

    /** Service property (String, required): the consumer group, same rules as a topic name. */
    String GROUP = "ludus.bus.group";
    /** Service property (String or String[], required): the topics the group reads. */
    String TOPICS = "ludus.bus.topics";
    /**
     * Service property (Integer, default 5): times the handler may fail one message before it is
     * dead-lettered. On a broker bus the failures are counted on the node handling it, and
     * deliveries given back without a failure (a node stopping, a connection lost) do not count,
     * up to a bound of twenty more deliveries.
     */
    String MAX_DELIVERIES = "ludus.bus.maxDeliveries";
    /** Service property (Long, default 500): the first retry's backoff in ms; it doubles each time. */
    String BACKOFF_MILLIS = "ludus.bus.backoffMillis";
    /** Service property (Long, default 60000): the longest backoff in ms. */
    String MAX_BACKOFF_MILLIS = "ludus.bus.maxBackoffMillis";

    /**
     * Handles one delivery.
     *
     * @throws Exception to have the message delivered again later (or dead-lettered)
     */
    void handle(Delivery delivery) throws Exception;
}
