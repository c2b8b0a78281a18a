package dev.ludus.api.event;

import java.util.Objects;

/**
 * A saved state of a stream's aggregate after applying events up to {@code version}.
 *
 * @param stream  the stream
 * @param version the last event version included in the state
 * @param data    the state bytes (format owned by whoever saved it)
 */
public record Snapshot(String stream, long version, byte[] data) {
    public Snapshot {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(data, "data");
    }
}
