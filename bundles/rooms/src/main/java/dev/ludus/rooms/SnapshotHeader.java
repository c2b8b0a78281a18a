package dev.ludus.rooms;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The room part of a room snapshot, stored as JSON ahead of the engine's bytes. Its field names
 * are those written since the first release; {@code startedAt} is 0 before the game starts.
 * {@code lastMoveAt} (when the latest action was taken, from which timers count) is absent from
 * snapshots written before it existed: then recovery counts timers from the moment it restores
 * the room, as it always did.
 */
record SnapshotHeader(String name, String gameType, String createdBy, Map<String, String> options,
                      long createdAt, String state, long seed, long startedAt, List<Seat> seats,
                      @JsonInclude(JsonInclude.Include.NON_DEFAULT) long lastMoveAt) {

    SnapshotHeader {
        seats = List.copyOf(seats);
    }

    /** One seat as it stood when the snapshot was taken. */
    record Seat(String playerId, String name, boolean bot) {
    }
}
