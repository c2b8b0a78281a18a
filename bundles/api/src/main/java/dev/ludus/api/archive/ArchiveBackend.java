package dev.ludus.api.archive;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Long-term storage of completed games, provided as an OSGi service by a backend bundle (for
 * example filesystem or PostgreSQL) with the service property {@value #NAME_PROPERTY}. The archive
 * service selects the active backend with a target filter on that property.
 *
 * <p>Implementations are thread safe. Every method may block on I/O and may throw
 * {@link ArchiveException} with code {@code backend_unavailable} when the store cannot be reached
 * (the archive service retries later), {@code backend_failed} when it refuses a request, or
 * {@code corrupt_record} when stored data fails its checksum.
 */
@ConsumerType
public interface ArchiveBackend {

    /** Service property naming the backend, for example {@code fs} or {@code jdbc}. */
    String NAME_PROPERTY = "ludus.archive.backend";

    /** The backend's name, equal to its {@value #NAME_PROPERTY} service property. */
    String name();

    /**
     * Stores games durably. Idempotent by game id: a game stored before is left as it is and not
     * duplicated. Returns only after every game is durable; on exception, any subset may have been
     * stored, and retrying the whole batch is safe.
     */
    void store(Collection<CompletedGame> games);

    /** The archived game with this id, verified against its checksum, or empty. */
    Optional<CompletedGame> load(String gameId);

    /** Games matching the query, newest first. */
    List<CompletedGame> query(ArchiveQuery query);

    /** Visits the id of every archived game (for migration); order unspecified. */
    void forEachId(Consumer<String> action);

    /** Deletes games completed before {@code cutoff}; returns how many were deleted. */
    int deleteCompletedBefore(Instant cutoff);
}
