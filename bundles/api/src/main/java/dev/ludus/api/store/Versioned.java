package dev.ludus.api.store;

import java.util.Objects;

/**
 * A value with the version it was stored at. Versions start at 1 and grow by one per successful
 * write of the same key.
 */
public record Versioned<V>(long version, V value) {
    public Versioned {
        Objects.requireNonNull(value, "value");
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1: " + version);
        }
    }
}
