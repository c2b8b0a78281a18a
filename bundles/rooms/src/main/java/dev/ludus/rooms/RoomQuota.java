package dev.ludus.rooms;

import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

import dev.ludus.api.rooms.RoomException;

/**
 * How many open rooms each player may have created. A creation holds a reservation from the check
 * until its room is durable (or refused), so concurrent requests of one player cannot slip past
 * the limit together. Thread safe.
 */
final class RoomQuota {

    private final Map<String, Integer> pending = new HashMap<>();

    /**
     * Reserves one room for {@code player}, or refuses with {@code too_many_rooms}.
     *
     * @param open how many rooms that are not finished the player created (durable ones)
     * @return releases the reservation; call once the creation has succeeded or failed
     */
    synchronized Runnable reserve(String player, int limit, ToIntFunction<String> open) {
        int held = open.applyAsInt(player) + pending.getOrDefault(player, 0);
        if (held >= limit) {
            throw new RoomException(RoomException.TOO_MANY_ROOMS, "you already created " + held + " room(s) that are not finished,"
                    + " the most allowed is " + limit + "; a room counts until its game ends or, left empty, it closes");
        }
        pending.merge(player, 1, Integer::sum);
        return () -> release(player);
    }

    private synchronized void release(String player) {
        pending.computeIfPresent(player, (k, n) -> n <= 1 ? null : n - 1);
    }
}
