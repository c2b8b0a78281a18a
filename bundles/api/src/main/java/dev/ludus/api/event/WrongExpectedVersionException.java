package dev.ludus.api.event;

/**
 * An append named an expected version that is not the stream's current version. Nothing was
 * appended. Code: {@value #CODE}.
 */
public class WrongExpectedVersionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Stable error code. */
    public static final String CODE = "wrong_expected_version";

    private final String stream;
    private final long expected;
    private final long actual;

    public WrongExpectedVersionException(String stream, long expected, long actual) {
        super("stream '" + stream + "' is at version " + actual + ", append expected " + expected);
        this.stream = stream;
        this.expected = expected;
        this.actual = actual;
    }

    public String code() { return CODE; }
    public String stream() { return stream; }
    public long expected() { return expected; }
    public long actual() { return actual; }
}
