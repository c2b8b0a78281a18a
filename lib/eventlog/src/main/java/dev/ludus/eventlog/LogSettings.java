package dev.ludus.eventlog;

/**
 * The event log's tunables; all of them can change while the log runs.
 *
 * @param segmentBytes      a segment is closed and a new one started once it holds this many
 *                          bytes (a group never spans segments, so a segment may exceed it by
 *                          one group)
 * @param groupMaxEvents    at most this many events per group commit (an append larger than this
 *                          is committed alone)
 * @param groupMaxBytes     at most this many record bytes per group commit (same exception)
 * @param groupLingerMicros how long the writer waits for more appends before committing a group;
 *                          0 commits as soon as the previous fsync has finished
 * @param maxPendingAppends appends waiting for the writer beyond this are refused with code
 *                          {@code overloaded}
 */
public record LogSettings(long segmentBytes, int groupMaxEvents, int groupMaxBytes, long groupLingerMicros,
                          int maxPendingAppends) {

    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_GROUP_MAX_EVENTS = 8192;
    public static final int DEFAULT_GROUP_MAX_BYTES = 4 << 20;
    public static final long DEFAULT_GROUP_LINGER_MICROS = 0;
    public static final int DEFAULT_MAX_PENDING_APPENDS = 100_000;

    static final long MIN_SEGMENT_BYTES = 4096;
    static final long MAX_SEGMENT_BYTES = 1L << 30;
    static final long MAX_LINGER_MICROS = 1_000_000;

    /**
     * @throws IllegalArgumentException naming the setting, if a value is out of range
     */
    public LogSettings {
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentSize must be between " + MIN_SEGMENT_BYTES + " and "
                    + MAX_SEGMENT_BYTES + " bytes, got " + segmentBytes);
        }
        if (groupMaxEvents < 1) {
            throw new IllegalArgumentException("groupMaxEvents must be at least 1, got " + groupMaxEvents);
        }
        if (groupMaxBytes < 1 || groupMaxBytes > LogFormat.MAX_APPEND_BYTES) {
            throw new IllegalArgumentException("groupMaxBytes must be between 1 and " + LogFormat.MAX_APPEND_BYTES
                    + ", got " + groupMaxBytes);
        }
        if (groupLingerMicros < 0 || groupLingerMicros > MAX_LINGER_MICROS) {
            throw new IllegalArgumentException("groupMaxLingerMicros must be between 0 and " + MAX_LINGER_MICROS
                    + ", got " + groupLingerMicros);
        }
        if (maxPendingAppends < 1) {
            throw new IllegalArgumentException("maxPendingAppends must be at least 1, got " + maxPendingAppends);
        }
    }

    /** The defaults the configuration PID documents. */
    public static LogSettings defaults() {
        return new LogSettings(DEFAULT_SEGMENT_BYTES, DEFAULT_GROUP_MAX_EVENTS, DEFAULT_GROUP_MAX_BYTES,
                DEFAULT_GROUP_LINGER_MICROS, DEFAULT_MAX_PENDING_APPENDS);
    }

    /** A copy with another segment size. */
    public LogSettings withSegmentBytes(long bytes) {
        return new LogSettings(bytes, groupMaxEvents, groupMaxBytes, groupLingerMicros, maxPendingAppends);
    }

    /** A copy with another group event limit ({@code 1}: one fsync per append). */
    public LogSettings withGroupMaxEvents(int events) {
        return new LogSettings(segmentBytes, events, groupMaxBytes, groupLingerMicros, maxPendingAppends);
    }

    /** A copy with another linger time. */
    public LogSettings withGroupLingerMicros(long micros) {
        return new LogSettings(segmentBytes, groupMaxEvents, groupMaxBytes, micros, maxPendingAppends);
    }

    /** A copy with another pending-append limit. */
    public LogSettings withMaxPendingAppends(int appends) {
        return new LogSettings(segmentBytes, groupMaxEvents, groupMaxBytes, groupLingerMicros, appends);
    }
}
