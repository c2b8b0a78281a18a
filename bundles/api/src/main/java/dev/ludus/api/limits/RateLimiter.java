package dev.ludus.api.limits;

import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Token buckets, one per policy and key. Thread-safe; a call never blocks for long (a shared
 * limiter bounds its wait on the network and answers by its failure policy when it cannot reach
 * its store).
 *
 * <pre>{@code
 * Decision d = limiter.acquire(policy, "player:" + playerId, 1);
 * if (!d.allowed()) refuse("rate_limited", d.retryAfterMillis());
 * }</pre>
 */
@ProviderType
public interface RateLimiter {

    /**
     * Takes {@code cost} tokens from the bucket of {@code policy} and {@code key} if it holds them.
     * A key refused twice in a row (no allowed request between) is blocked for the policy's
     * {@link LimitPolicy#blockFor()}, when it has one. A policy in shadow mode is evaluated the
     * same way but never refuses: the decision says what it would have done.
     *
     * @param key  who or what is limited, with its kind, e.g. {@code player:8fK2…}, {@code address:10.0.0.7}
     * @param cost tokens to take, at least 1
     * @throws IllegalArgumentException for a blank key or a cost below 1
     */
    Decision acquire(LimitPolicy policy, String key, long cost);

    /** Forgets the bucket and any block of {@code key} under the policy named {@code policy} (an unban). */
    void reset(String policy, String key);

    /**
     * Checks the arguments of {@link #acquire} as every limiter must, before it looks at a bucket.
     *
     * @throws NullPointerException     for a null policy
     * @throws IllegalArgumentException for a blank key or a cost below 1
     * @since 1.1
     */
    static void checkArguments(LimitPolicy policy, String key, long cost) {
        Objects.requireNonNull(policy, "policy");
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("a rate limit key must not be blank");
        }
        if (cost < 1) {
            throw new IllegalArgumentException("a rate limit cost must be at least 1, got " + cost);
        }
    }
}
