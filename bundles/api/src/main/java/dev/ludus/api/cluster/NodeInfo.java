package dev.ludus.api.cluster;

import java.util.Objects;
import java.util.Set;

/**
 * A live node as it last announced itself.
 *
 * @param id             the node's id, unique in the cluster
 * @param address        where players and other nodes reach it (its WebSocket URL), or empty
 * @param games          the game types it can host, each as {@code type} and {@code type@version}
 * @param rooms          rooms it runs
 * @param players        players connected to it
 * @param cpu            its process's CPU use, 0 to 1 of the cores it may use
 * @param draining       whether it is handing its rooms over (takes no new ones)
 * @param leaseAgeMillis how long ago it last renewed its lease
 */
public record NodeInfo(String id, String address, Set<String> games, int rooms, int players, double cpu,
                       boolean draining, long leaseAgeMillis) {
    public NodeInfo {
        Objects.requireNonNull(id, "id");
        address = address == null ? "" : address;
        games = games == null ? Set.of() : Set.copyOf(games);
    }

    /** Whether it can host {@code gameType}, or {@code gameType@version} when a version is asked for. */
    public boolean hosts(String gameType) {
        return games.contains(gameType);
    }

    /** The load placement compares: rooms, weighted up as the node's CPU fills. */
    public double load() {
        return rooms * (1 + 4 * Math.max(0, cpu - 0.5));
    }
}
