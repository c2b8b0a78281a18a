package dev.ludus.api.event;

import java.util.Objects;

/**
 * An event as stored.
 *
 * @param stream    the stream it belongs to
 * @param version   its position in the stream, starting at 1
 * @param type      the event's type, as given on append
 * @param timestamp when it was made durable, in epoch milliseconds
 * @param data      the payload bytes exactly as appended (the array is not copied: do not modify)
 */
public record RecordedEvent(String stream, long version, String type, long timestamp, byte[] data) {
    public RecordedEvent {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }
}
