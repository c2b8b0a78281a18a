package dev.ludus.api.event;

/**
 * The event store could not do what was asked (disk full, closed, corrupt record). The operation
 * had no effect unless the message says otherwise. {@link #code()} is stable.
 */
public class EventStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public EventStoreException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Stable error code, for example {@code store_closed} or {@code io_error}. */
    public String code() { return code; }
}
