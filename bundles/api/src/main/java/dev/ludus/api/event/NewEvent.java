package dev.ludus.api.event;

import java.util.Objects;

/**
 * An event to append.
 *
 * @param type event type (at most 255 UTF-8 bytes)
 * @param data payload; the store keeps the bytes as given
 */
public record NewEvent(String type, byte[] data) {
    public NewEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }
}
