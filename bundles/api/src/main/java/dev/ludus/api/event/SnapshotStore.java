package dev.ludus.api.event;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable snapshots, so recovery replays only the events after the latest snapshot. A snapshot
 * is an optimisation: losing one costs replay time, never data.
 *
 * <p>Thread safe; {@link #save} blocks until the snapshot is durable.
 */
@ProviderType
public interface SnapshotStore {

    /** Saves a snapshot; an older snapshot of the same stream may be discarded. */
    void save(Snapshot snapshot);

    /** The newest durable snapshot of {@code stream}, or empty. */
    Optional<Snapshot> latest(String stream);

    /** Deletes every snapshot of {@code stream} (for example after the game was archived). */
    void delete(String stream);
}
