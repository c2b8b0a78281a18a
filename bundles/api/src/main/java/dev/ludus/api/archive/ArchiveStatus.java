package dev.ludus.api.archive;

import java.time.Instant;
import java.util.Optional;

/**
 * Figures about the archive for operators.
 *
 * @param activeBackend    name of the backend games are written to, or empty when none is bound
 * @param queueDepth       completed games waiting in the durable queue
 * @param oldestWaiting    when the oldest waiting game was queued, or empty
 * @param archivedTotal    games moved to a backend since start
 * @param failuresTotal    failed batch attempts since start
 * @param lastFailure      the latest failure's message, or empty
 */
public record ArchiveStatus(Optional<String> activeBackend, long queueDepth, Optional<Instant> oldestWaiting,
                            long archivedTotal, long failuresTotal, Optional<String> lastFailure) {
}
