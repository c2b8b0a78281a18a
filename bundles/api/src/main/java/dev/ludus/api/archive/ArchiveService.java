package dev.ludus.api.archive;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Moves completed games to long-term storage. {@link #submit} only writes to a durable local
 * queue, so it is fast and works while no backend is reachable; a worker moves queued games to
 * the active {@link ArchiveBackend} and removes them from the queue only once the backend has
 * confirmed them.
 *
 * <p>Thread safe.
 */
@ProviderType
public interface ArchiveService {

    /**
     * Queues a completed game durably. When this returns, the game survives a crash and will be
     * archived exactly once (by id). Blocks for one local fsync at most.
     *
     * @throws ArchiveException with code {@code queue_unavailable} if the queue cannot be written;
     *                          the game was not accepted
     */
    void submit(CompletedGame game);

    /** Looks a game up: first in the queue, then the active backend, then any other backend. */
    Optional<CompletedGame> find(String gameId);

    /** Queries the active backend. */
    List<CompletedGame> query(ArchiveQuery query);

    /** Current figures. */
    ArchiveStatus status();
}
