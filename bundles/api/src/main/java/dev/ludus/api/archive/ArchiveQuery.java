package dev.ludus.api.archive;

import java.time.Instant;
import java.util.Optional;

/**
 * Which archived games to list: completed in {@code [from, to)}, optionally only those a player
 * took part in, newest first, at most {@code limit}.
 */
public record ArchiveQuery(Instant from, Instant to, Optional<String> playerId, int limit) {
    public ArchiveQuery {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new IllegalArgumentException("need from < to");
        }
        playerId = playerId == null ? Optional.empty() : playerId;
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
    }
}
