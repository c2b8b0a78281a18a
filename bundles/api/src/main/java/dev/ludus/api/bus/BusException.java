package dev.ludus.api.bus;

/**
 * A bus operation was refused or failed. {@link #code()} is stable: {@code invalid_topic},
 * {@code invalid_key}, {@code invalid_payload}, {@code payload_too_large}, {@code invalid_header},
 * {@code invalid_group}, {@code unknown_dead_letter}, {@code overloaded}, {@code bus_closed},
 * {@code bus_unavailable}. For a publish, every code but {@code bus_unavailable} means the message
 * was not stored; {@code bus_unavailable} means the outcome is unknown and a retry (with the same
 * message id) is safe.
 */
public class BusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public BusException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
