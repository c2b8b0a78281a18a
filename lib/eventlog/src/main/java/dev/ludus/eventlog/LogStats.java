package dev.ludus.eventlog;

import java.nio.file.Path;

/**
 * A moment's figures of an {@link EventLog}, for health reporting and benchmarks.
 *
 * @param directory          where the segment files are
 * @param streams            streams with at least one durable event
 * @param events             durable events
 * @param bytes              bytes in all segment files
 * @param segments           segment files
 * @param pendingAppends     appends waiting for the writer
 * @param groups             group commits (one write and one fsync each) since the log was opened
 * @param lastGroupEvents    events in the last group commit
 * @param maxGroupEvents     most events in one group commit since the log was opened
 * @param meanGroupEvents    mean events per group commit since the log was opened
 * @param lastFsyncMicros    duration of the last fsync
 * @param maxFsyncMicros     longest fsync since the log was opened
 * @param ioFailures         failed group commits (each failed its appends with {@code io_error})
 * @param lastError          the last I/O error, or empty
 * @param lastErrorAgeMillis how long ago it happened, or -1 if never
 * @param failure            why the log refuses appends, or empty while it works
 * @param closed             the log was closed
 * @param scanMillis         how long the start-up scan took
 * @param droppedBytes       bytes of torn tail the start-up scan cut
 * @param settings           the tunables in force
 */
public record LogStats(Path directory, int streams, long events, long bytes, int segments, int pendingAppends,
                       long groups, int lastGroupEvents, int maxGroupEvents, double meanGroupEvents,
                       long lastFsyncMicros, long maxFsyncMicros, long ioFailures, String lastError,
                       long lastErrorAgeMillis, String failure, boolean closed, long scanMillis, long droppedBytes,
                       LogSettings settings) {
}
