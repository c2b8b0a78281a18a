package dev.ludus.api.resilience;

import java.util.function.Predicate;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One named policy: a circuit breaker, retries with exponential backoff and jitter, and, when
 * configured, a time limit per attempt, a bulkhead (calls at once) and a rate limit. Thread safe.
 */
@ProviderType
public interface Policy {

    /** A call that may throw the caller's own checked exception. */
    @FunctionalInterface
    interface Call<T, E extends Exception> {
        T call() throws E;
    }

    /** The policy's name. */
    String name();

    /**
     * Makes the call through the policy: refused at once while the breaker is open, the bulkhead
     * full or the rate spent; otherwise tried up to the policy's attempts, waiting between them.
     * Every failure counts against the breaker; when it opens (or the bulkhead fills) between two
     * attempts of one call, that call ends with its last failure.
     *
     * @return what the call returned
     * @throws E                   the call's last failure when every attempt failed
     * @throws ResilienceException when the policy refused to make the call
     *                             ({@link ResilienceException#OPEN}, {@link ResilienceException#FULL},
     *                             {@link ResilienceException#RATE}) or an attempt outlasted the time limit
     *                             ({@link ResilienceException#TIMEOUT}: counted and retried like a failure)
     */
    <T, E extends Exception> T call(Call<T, E> call) throws E;

    /**
     * As {@link #call(Call)}, but a failure that {@code callersOwn} accepts (bad input, a record not
     * found: the caller's fault, not the service's) is thrown at once, neither retried nor counted
     * against the breaker.
     */
    <T, E extends Exception> T call(Call<T, E> call, Predicate<Throwable> callersOwn) throws E;

    /**
     * As {@link #call(Call, Predicate)}, with one attempt whatever the policy's {@code attempts}:
     * for a caller that tries again on its own schedule (a message consumer, whose bus redelivers
     * with its backoff), so that no thread sleeps between attempts here. The breaker, the time
     * limit, the bulkhead and the rate limit apply as for any call.
     */
    <T, E extends Exception> T callOnce(Call<T, E> call, Predicate<Throwable> callersOwn) throws E;

    /** Where the policy stands now. */
    PolicyStatus status();
}
