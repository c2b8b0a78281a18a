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
     * archived exactly once (by id). Blocks for one local fsync at most (concurrent callers share
     * it). Submitting a game id again is harmless: it is not archived twice.
     *
     * @throws ArchiveException with code {@code queue_unavailable} if the queue cannot be written,
     *                          or {@code invalid_game} if the game is malformed (blank or overlong
     *                          ids, control characters, a record over the configured size, times
     *                          outside 1970..9999 or a start after the end); in both cases the game
     *                          was not accepted and nothing changed
     */
    void submit(CompletedGame game);

    /**
     * Looks a game up: first in the queue, then the active backend, then any other installed
     * backend. Blocks on the backends' I/O.
     *
     * @throws ArchiveException {@code invalid_query} for a blank id; {@code backend_unavailable}
     *                          (or the backend's own code) when no backend holds the game but one
     *                          of them could not be asked, so "not archived" cannot be claimed
     */
    Optional<CompletedGame> find(String gameId);

    /**
     * Games matching the query from every installed backend, the active one first, merged by game
     * id, newest first, at most {@code query.limit()}. Games still waiting in the queue are not
     * included. Blocks on the backends' I/O.
     *
     * @throws ArchiveException {@code backend_unavailable} (or the backend's own code) naming the
     *                          backend that could not answer
     */
    List<CompletedGame> query(ArchiveQuery query);

    /** Current figures. Non-blocking. */
    ArchiveStatus status();
}
