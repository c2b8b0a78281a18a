package dev.ludus.api.bus;

import java.util.Map;
import java.util.Objects;

/**
 * A message to publish.
 *
 * @param topic   where it goes: 1 to 128 characters of {@code a-z 0-9 . _ -}, starting with a letter
 *                or digit, e.g. {@code game.finished}
 * @param key     what orders it: messages with the same key are delivered in publish order; null
 *                for none (at most 256 characters)
 * @param payload a JSON value as text, at most {@link MessageBus#MAX_PAYLOAD_CHARS} characters
 * @param headers small text attributes (at most 32, names of {@code a-z 0-9 . _ -}, values up to
 *                1,024 characters); never null
 * @param id      the message's id, or null to let the bus make one. A publisher that may publish
 *                the same fact twice (a retry after a crash) gives it an id of its own, so
 *                consumers see the same id both times
 */
public record OutgoingMessage(String topic, String key, String payload, Map<String, String> headers, String id) {

    public OutgoingMessage {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A message without headers, with an id the bus makes. */
    public static OutgoingMessage of(String topic, String key, String payload) {
        return new OutgoingMessage(topic, key, payload, Map.of(), null);
    }

    /** This message with the given id. */
    public OutgoingMessage withId(String newId) {
        return new OutgoingMessage(topic, key, payload, headers, Objects.requireNonNull(newId, "id"));
    }

    /** This message with these headers. */
    public OutgoingMessage withHeaders(Map<String, String> newHeaders) {
        return new OutgoingMessage(topic, key, payload, newHeaders, id);
    }
}
