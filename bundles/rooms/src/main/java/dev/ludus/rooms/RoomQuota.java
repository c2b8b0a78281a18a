package dev.ludus.rooms;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import dev.ludus.api.rooms.RoomException;

/**
 * How many open rooms each player may have created. A creation holds a reservation for its room id
 * from the check until its room is durable (or refused), so concurrent requests of one player cannot
 * slip past the limit together. While reserved, the room counts through its reservation only, never
 * also as an open room: otherwise a room that has just become visible, but whose reservation is not
 * yet released, would count twice and refuse a creation that is within the limit. Thread safe.
 */
final class RoomQuota {

    private final Map<String, Integer> pending = new HashMap<>();
    private final Set<String> reservedRooms = new HashSet<>();

    /**
     * Reserves room {@code roomId} for {@code player}, or refuses with {@code too_many_rooms}.
     *
     * @param open how many rooms that are not finished the player created, not counting the reserved
     *             ones (called under this quota's lock with the ids to skip)
     * @return releases the reservation; call once the creation has succeeded or failed
     */
    synchronized Runnable reserve(String player, String roomId, int limit, BiFunction<String, Set<String>, Integer> open) {
        int held = open.apply(player, reservedRooms) + pending.getOrDefault(player, 0);
        if (held >= limit) {
            throw new RoomException(RoomException.TOO_MANY_ROOMS, "you already created " + held + " room(s) that are not finished,"
                    + " the most allowed is " + limit + "; a room counts until its game ends or, left empty, it closes");
        }
        pending.merge(player, 1, Integer::sum);
        reservedRooms.add(roomId);
        return () -> release(player, roomId);
    }

    private synchronized void release(String player, String roomId) {
        pending.computeIfPresent(player, (k, n) -> n <= 1 ? null : n - 1);
        reservedRooms.remove(roomId);
    }
}
