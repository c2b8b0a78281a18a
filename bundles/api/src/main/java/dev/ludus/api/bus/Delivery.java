package dev.ludus.api.bus;

/**
 * One delivery of a message to a consumer group's handler.
 *
 * @param message what was published
 * @param group   the consumer group it is delivered to
 * @param attempt 1 for the first delivery, 2 for the first retry, ...; a replayed dead letter
 *                starts again at 1
 * @param replay  whether this is a dead letter an operator replayed
 */
public record Delivery(Message message, String group, int attempt, boolean replay) {
}
