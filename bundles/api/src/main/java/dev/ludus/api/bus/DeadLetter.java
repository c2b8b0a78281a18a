package dev.ludus.api.bus;

import java.time.Instant;

/**
 * A message a consumer group gave up on.
 *
 * @param id             the dead letter's own id (to replay or discard it)
 * @param group          the consumer group
 * @param message        the message, as published
 * @param handlerBundle  symbolic name of the bundle whose handler failed
 * @param handlerVersion that bundle's version
 * @param error          the last failure (exception class and message)
 * @param attempts       deliveries made
 * @param deadAt         when it was given up
 */
public record DeadLetter(String id, String group, Message message, String handlerBundle, String handlerVersion,
                         String error, int attempts, Instant deadAt) {
}
