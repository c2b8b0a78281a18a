package dev.ludus.eventlog;

/** The stable error codes of {@link dev.ludus.api.event.EventStoreException}s this bundle throws. */
public final class Codes {

    /** The store was closed (deactivated, reconfigured to another directory) before the operation ran. */
    public static final String STORE_CLOSED = "store_closed";
    /** A file operation failed; for an append, nothing was appended. */
    public static final String IO_ERROR = "io_error";
    /** Another event store (in this or another process) has the directory open. */
    public static final String STORE_LOCKED = "store_locked";
    /** The log holds damaged acknowledged data; the store does not start on it. */
    public static final String LOG_CORRUPT = "log_corrupt";
    /** More appends are waiting for the disk than {@code maxPendingAppends}; retry later. */
    public static final String OVERLOADED = "overloaded";
    /** The stream name is null, empty or longer than 255 UTF-8 bytes. */
    public static final String INVALID_STREAM = "invalid_stream";
    /** An event is null, its type longer than 255 UTF-8 bytes, or its payload larger than 16 MiB. */
    public static final String INVALID_EVENT = "invalid_event";
    /** Any other bad argument: an expected version below -1, a negative count, an append over 64 MiB. */
    public static final String INVALID_ARGUMENT = "invalid_argument";
    /** A blocking call from a stage running on the store's writer thread, which would deadlock. */
    public static final String WRITER_THREAD = "writer_thread";

    /** The events asked for were trimmed from the log (their segments deleted) while they were read. */
    public static final String TRIMMED = "trimmed";

    private Codes() {
    }
}
