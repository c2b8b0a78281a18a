package dev.ludus.api.bus;

/**
 * A publish that is durable.
 *
 * @param id       the message's id (the publisher's, or the one the bus made)
 * @param topic    its topic
 * @param sequence its position in the topic on this bus (see {@link Message#sequence()})
 */
public record Published(String id, String topic, long sequence) {
}
