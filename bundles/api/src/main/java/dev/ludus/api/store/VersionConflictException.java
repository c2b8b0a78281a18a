package dev.ludus.api.store;

/**
 * A write named a version that is no longer current. Nothing was written. Code:
 * {@value #CODE}.
 */
public class VersionConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Stable error code. */
    public static final String CODE = "version_conflict";

    private final String key;
    private final long expected;
    private final long actual;

    public VersionConflictException(String key, long expected, long actual) {
        super("version conflict on '" + key + "': expected " + expected + ", found " + actual);
        this.key = key;
        this.expected = expected;
        this.actual = actual;
    }

    public String code() { return CODE; }
    public String key() { return key; }
    public long expected() { return expected; }
    /** The current version, {@code 0} if the key does not exist. */
    public long actual() { return actual; }
}
