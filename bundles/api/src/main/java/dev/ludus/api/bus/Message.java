package dev.ludus.api.bus;

import java.time.Instant;
import java.util.Map;

/**
 * A stored message, as consumers receive it.
 *
 * @param id          unique per published fact: consumers remember it to apply each effect once
 * @param topic       the topic it was published to
 * @param key         its ordering key, or null
 * @param payload     the JSON text as published
 * @param headers     as published
 * @param publishedAt when the bus accepted it
 * @param sequence    its position in the topic on the bus that stored it (1, 2, ...); for
 *                    diagnostics only, it is not comparable between bus implementations
 */
public record Message(String id, String topic, String key, String payload, Map<String, String> headers,
                      Instant publishedAt, long sequence) {

    public Message {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
