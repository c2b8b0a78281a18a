package dev.ludus.api.rooms;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A room as the lobby shows it. Immutable. How a room is written on the wire is the gateway's
 * business (docs/protocol.md), not this value's.
 *
 * @param roomId      unique id; also the game id and the event stream's name suffix
 * @param name        display name
 * @param gameType    the {@code GameDefinition} type
 * @param state       where the room is in its life
 * @param seats       every seat, in order
 * @param version     the room's event stream version: grows with every persisted change
 * @param pauseReason why a PAUSED room is paused (an operator's reason, when one paused it), else empty
 * @param createdAt   when the room was created
 * @param options     game options the room was created with
 * @param pausedBy    who paused the room, when an operator did ({@link RoomOperations#pause}), else
 *                    empty; since 2.1
 */
public record RoomInfo(String roomId, String name, String gameType, RoomState state, List<SeatInfo> seats,
                       long version, String pauseReason, Instant createdAt, Map<String, String> options,
                       String pausedBy) {
    public RoomInfo {
        Objects.requireNonNull(roomId, "roomId");
        seats = List.copyOf(seats);
        pauseReason = pauseReason == null ? "" : pauseReason;
        options = options == null ? Map.of() : Map.copyOf(options);
        pausedBy = pausedBy == null ? "" : pausedBy;
    }

    /** A room no operator paused: the form of 2.0. */
    public RoomInfo(String roomId, String name, String gameType, RoomState state, List<SeatInfo> seats,
                    long version, String pauseReason, Instant createdAt, Map<String, String> options) {
        this(roomId, name, gameType, state, seats, version, pauseReason, createdAt, options, "");
    }

    /** Whether an operator paused the room (it then does not resume by itself). */
    public boolean operatorPaused() {
        return !pausedBy.isEmpty();
    }

    /** The seat a player owns, or -1. */
    public int seatOf(String playerId) {
        for (SeatInfo s : seats) {
            if (playerId != null && playerId.equals(s.playerId())) {
                return s.seat();
            }
        }
        return -1;
    }
}
