package dev.ludus.api.resilience;

/**
 * A call a policy refused to make, or an attempt it gave up waiting for, with a stable
 * {@link #code()}. The call's own failures are never wrapped in it.
 */
public class ResilienceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The breaker is open (or forced open): the call was not made. */
    public static final String OPEN = "resilience_open";
    /** The bulkhead is full: as many calls as allowed are running. */
    public static final String FULL = "resilience_full";
    /** The rate limit is spent for now. */
    public static final String RATE = "resilience_rate";
    /** An attempt outlasted the time limit (on the last attempt: the call failed). */
    public static final String TIMEOUT = "resilience_timeout";
    /** A policy name outside {@link Resilience#NAME}. */
    public static final String INVALID_NAME = "resilience_invalid_name";

    private final String code;
    private final String policy;
    private final long retryAfterMillis;

    public ResilienceException(String code, String message) {
        this(code, null, message, 0, null);
    }

    public ResilienceException(String code, String policy, String message, long retryAfterMillis, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.policy = policy;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** One of the codes above. */
    public String code() {
        return code;
    }

    /** The policy that refused, or null. */
    public String policy() {
        return policy;
    }

    /** When trying again may help, in milliseconds (0 when unknown). */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
