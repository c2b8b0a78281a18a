package dev.ludus.api.store;

import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The active game store: the current state of running games, keyed by game id, held in memory.
 * It is a cache of what the event store makes durable; nothing in it survives a restart.
 *
 * <p>All methods are thread safe and non-blocking. Writes are compare-and-set on the version, so
 * two writers of one game cannot overwrite each other silently.
 */
@ProviderType
public interface GameStore {

    /** The current value of {@code gameId}, or empty. Never blocks. */
    <V> Optional<Versioned<V>> get(String gameId);

    /**
     * Stores the first version of a game.
     *
     * @return the stored value at version 1
     * @throws VersionConflictException if the game already exists ({@code expected} is 0)
     */
    <V> Versioned<V> create(String gameId, V value);

    /**
     * Replaces the value if the current version is {@code expectedVersion}.
     *
     * @return the stored value with version {@code expectedVersion + 1}
     * @throws VersionConflictException if the current version differs, or the game does not exist
     */
    <V> Versioned<V> compareAndSet(String gameId, long expectedVersion, V value);

    /**
     * Removes a game if its current version is {@code expectedVersion}.
     *
     * @return whether it was removed
     */
    boolean remove(String gameId, long expectedVersion);

    /** A snapshot of the ids currently stored. */
    Set<String> ids();
}
