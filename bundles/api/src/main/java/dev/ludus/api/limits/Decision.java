package dev.ludus.api.limits;

/**
 * A limiter's answer to one request.
 *
 * @param allowed          whether the request may go on (always true under a shadow policy)
 * @param retryAfterMillis when refused, how long until the same request would be allowed (the
 *                         end of a block, or the refill of the missing tokens); 0 when allowed
 * @param remaining        tokens left in the bucket after this request
 * @param blocked          whether the key is blocked for repeated refusals (refused until the block ends)
 * @param shadowed         whether a shadow policy would have refused this request but let it through
 */
public record Decision(boolean allowed, long retryAfterMillis, long remaining, boolean blocked, boolean shadowed) {

    public Decision {
        if (retryAfterMillis < 0 || remaining < 0) {
            throw new IllegalArgumentException("retryAfterMillis and remaining must not be negative");
        }
    }

    /** Allowed, with {@code remaining} tokens left. */
    public static Decision allow(long remaining) {
        return new Decision(true, 0, remaining, false, false);
    }

    /** Refused for {@code retryAfterMillis}; {@code blocked} when the key is blocked. */
    public static Decision refuse(long retryAfterMillis, boolean blocked) {
        return new Decision(false, Math.max(1, retryAfterMillis), 0, blocked, false);
    }

    /** This refusal let through, as a shadow policy does. */
    public Decision shadow() {
        return allowed ? this : new Decision(true, retryAfterMillis, remaining, blocked, true);
    }
}
