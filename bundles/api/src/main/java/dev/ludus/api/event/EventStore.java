package dev.ludus.api.event;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable, append-only event streams, one per game. The rooms runtime appends every action here
 * <em>before</em> applying and acknowledging it; after a crash, streams are replayed to rebuild
 * games. Everything returned by a successful append survives a process or machine crash.
 *
 * <p>Thread safe. Appends block until the events are durable (fsync), typically sharing one
 * fsync with concurrent appends.
 */
@ProviderType
public interface EventStore {

    /** Expected version meaning "the stream must not exist yet". */
    long NO_STREAM = 0;

    /** Expected version meaning "append whatever the current version is". */
    long ANY = -1;

    /**
     * Appends events atomically (all or none) if the stream is at {@code expectedVersion}.
     *
     * @return the stream's version after the append (the version of the last event)
     * @throws WrongExpectedVersionException if the stream's version is not {@code expectedVersion};
     *                                       nothing was appended
     * @throws EventStoreException           if the events could not be made durable; nothing was
     *                                       acknowledged
     */
    long append(String stream, long expectedVersion, List<NewEvent> events);

    /**
     * Like {@link #append}, but returns at once. The stage completes with the stream's new version
     * once the events are durable, or exceptionally with {@link WrongExpectedVersionException} or
     * {@link EventStoreException}; in both failure cases nothing was appended. Appends to one
     * stream complete in the order they were made. Callers must not block in dependent stages:
     * they run on the store's writer thread.
     */
    CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events);

    /**
     * Reads events with version {@code >= fromVersion}, in order, at most {@code maxCount}.
     * Only durable events are returned. Does not block on appends in progress.
     */
    List<RecordedEvent> read(String stream, long fromVersion, int maxCount);

    /** The stream's current version; {@link #NO_STREAM} if it does not exist. */
    long version(String stream);

    /** The names of all streams. */
    Set<String> streams();
}
