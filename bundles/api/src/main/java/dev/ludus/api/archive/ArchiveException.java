package dev.ludus.api.archive;

/**
 * An archive operation failed. {@link #code()} is stable, for example {@code backend_unavailable}
 * or {@code corrupt_record}.
 */
public class ArchiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public ArchiveException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() { return code; }
}
