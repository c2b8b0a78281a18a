package dev.ludus.api.resilience;

import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

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

    /**
     * An asynchronous call through the policy, one attempt: the breaker's, the rate limit's and
     * the bulkhead's permission are taken before {@code start} runs (on the caller's thread), and
     * the outcome is counted when the stage it returns completes. Never throws: a refusal
     * ({@link ResilienceException#OPEN}, {@link ResilienceException#FULL},
     * {@link ResilienceException#RATE}) is the returned stage's failure, and {@code start} is then
     * not run. With a time limit, the returned stage fails with {@link ResilienceException#TIMEOUT}
     * when the call's stage has not completed in time (counted as a failure; the call's own work is
     * not cancelled, and its late outcome is ignored). A failure that {@code callersOwn} accepts is
     * passed on without counting against the breaker. For a caller that tries again on its own
     * schedule (a publisher whose outbox redelivers), so no thread waits here.
     *
     * @param start      begins the call and returns its stage (not null)
     * @param callersOwn failures that are the caller's fault, or {@code null}
     * @return a stage completed with the call's value or failure, or with the policy's refusal
     * @since 1.1
     */
    <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> start, Predicate<Throwable> callersOwn);

    /** Where the policy stands now. */
    PolicyStatus status();
}
