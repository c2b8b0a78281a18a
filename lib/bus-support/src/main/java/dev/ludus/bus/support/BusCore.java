package dev.ludus.bus.support;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.Published;

/** What a running bus does (the local log, NATS, RabbitMQ); {@link BusComponent} serves it as the API. */
public interface BusCore {

    CompletionStage<Published> publish(OutgoingMessage m);

    List<DeadLetter> deadLetters(String group, int max);

    CompletionStage<Integer> replay(String group, Collection<String> ids, String operator);

    CompletionStage<Integer> discard(String group, Collection<String> ids, String operator);

    BusStatus status();

    /** Starts delivering to {@code s} (or queues it behind its group's running handler). */
    void subscribe(Subscriber s);

    /** Stops delivering to the subscriber with this identity; the next of its group takes over. */
    void unsubscribe(Object identity);

    void close();
}
