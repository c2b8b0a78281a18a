package dev.ludus.api.bus;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A message bus. Implementations register this service with the property {@link #IMPLEMENTATION}
 * ({@code local}, {@code nats}, {@code rabbitmq}); publishers pick one with a target filter in
 * their configuration, as the archive picks its backend.
 */
@ProviderType
public interface MessageBus {

    /** Service property naming the implementation. */
    String IMPLEMENTATION = "ludus.bus";
    /** The largest payload, in characters. */
    int MAX_PAYLOAD_CHARS = 1 << 20;

    /**
     * Stores a message durably. The stage completes once it is on disk (or acknowledged by the
     * broker), or fails with a {@link BusException}. Invalid messages fail at once and change
     * nothing.
     */
    CompletionStage<Published> publish(OutgoingMessage message);

    /** The dead letters of {@code group} waiting for an operator, oldest first, at most {@code max}. */
    List<DeadLetter> deadLetters(String group, int max);

    /**
     * Delivers these dead letters (all of the group's when {@code ids} is empty) again, to the
     * group's handler running now, starting their attempts afresh. The stage completes with how
     * many were queued for delivery once that is durable.
     *
     * @param operator who asked, for the record
     */
    CompletionStage<Integer> replay(String group, Collection<String> ids, String operator);

    /** Drops these dead letters (all of the group's when {@code ids} is empty); completes with how many. */
    CompletionStage<Integer> discard(String group, Collection<String> ids, String operator);

    /** What the bus reports about itself; cheap, never blocks on the network. */
    BusStatus status();
}
