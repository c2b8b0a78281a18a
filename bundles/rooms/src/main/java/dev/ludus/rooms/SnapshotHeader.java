package dev.ludus.rooms;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The room part of a room snapshot, stored as JSON ahead of the engine's bytes. Its field names
 * are those written since the first release; {@code startedAt} is 0 before the game starts.
 * {@code lastMoveAt} (when the latest action was taken, from which timers count) is absent from
 * snapshots written before it existed: then recovery counts timers from the moment it restores
 * the room, as it always did. {@code operatorPause} (an operator's pause in force) and {@code ended}
 * (an operator ended the game) are absent unless so; snapshots written before they existed have
 * neither, which is what they mean. {@code lastChangeAt} (when the room last changed, its game's
 * end for a finished one) is absent from older snapshots; then the room's later records, or its
 * other times, stand for it.
 */
record SnapshotHeader(String name, String gameType, String createdBy, Map<String, String> options,
                      long createdAt, String state, long seed, long startedAt, List<Seat> seats,
                      @JsonInclude(JsonInclude.Include.NON_DEFAULT) long lastMoveAt,
                      @JsonInclude(JsonInclude.Include.NON_NULL) OperatorPause operatorPause,
                      @JsonInclude(JsonInclude.Include.NON_NULL) OperatorPause ended,
                      @JsonInclude(JsonInclude.Include.NON_DEFAULT) long lastChangeAt) {

    SnapshotHeader {
        seats = List.copyOf(seats);
    }

    /** A header of a room no operator paused or ended. */
    SnapshotHeader(String name, String gameType, String createdBy, Map<String, String> options, long createdAt,
                   String state, long seed, long startedAt, List<Seat> seats, long lastMoveAt) {
        this(name, gameType, createdBy, options, createdAt, state, seed, startedAt, seats, lastMoveAt, null, null, 0);
    }

    /** A header without the room's last change (as snapshots before it was kept). */
    SnapshotHeader(String name, String gameType, String createdBy, Map<String, String> options, long createdAt,
                   String state, long seed, long startedAt, List<Seat> seats, long lastMoveAt,
                   OperatorPause operatorPause, OperatorPause ended) {
        this(name, gameType, createdBy, options, createdAt, state, seed, startedAt, seats, lastMoveAt, operatorPause,
                ended, 0);
    }

    /** Why and by whom an operator paused (or ended) the room. */
    record OperatorPause(String reason, String by) {
    }

    /** One seat as it stood when the snapshot was taken. */
    record Seat(String playerId, String name, boolean bot) {
    }
}
