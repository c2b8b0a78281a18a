package dev.ludus.rooms;

import java.util.List;
import java.util.Map;

/**
 * The room part of a room snapshot, stored as JSON ahead of the engine's bytes. Its field names
 * are those written since the first release; {@code startedAt} is 0 before the game starts.
 */
record SnapshotHeader(String name, String gameType, String createdBy, Map<String, String> options,
                      long createdAt, String state, long seed, long startedAt, List<Seat> seats) {

    SnapshotHeader {
        seats = List.copyOf(seats);
    }

    /** One seat as it stood when the snapshot was taken. */
    record Seat(String playerId, String name, boolean bot) {
    }
}
