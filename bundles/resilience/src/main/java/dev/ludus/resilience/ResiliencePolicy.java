package dev.ludus.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.PolicyStatus;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.resilience.ResilienceException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;

/**
 * One named policy. Its Resilience4j parts are made from its settings and replaced whole when the
 * settings change (the breaker starts closed again); its counts and its callers' reference stay.
 * On the path of a call that succeeds at once: a breaker permission, the call, the breaker's
 * record of it, and two counters (no allocation but the breaker's own, no thread hand-off unless
 * a time limit is set).
 */
final class ResiliencePolicy implements Policy {

    /** What the settings made: replaced whole, read once per call. */
    private record Parts(PolicySettings settings, CircuitBreaker breaker, Bulkhead bulkhead, RateLimiter rate,
                         TimeLimiter limiter, IntervalFunction backoff) {
    }

    private final String name;
    private final Clock clock;
    private final ExecutorService timed;
    private volatile Parts parts;
    private volatile Instant since;
    private volatile String lastFailure;
    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder transitions = new LongAdder();

    ResiliencePolicy(String name, PolicySettings settings, Clock clock, ExecutorService timed) {
        this.name = name;
        this.clock = clock;
        this.timed = timed;
        apply(settings);
    }

    /** New settings: new parts, the breaker closed, any operator's force gone. */
    void apply(PolicySettings s) {
        CircuitBreakerConfig.Builder b = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(s.windowCalls())
                .minimumNumberOfCalls(s.minimumCalls())
                .failureRateThreshold(s.failureRatePercent())
                .waitDurationInOpenState(Duration.ofMillis(s.openMillis()))
                .permittedNumberOfCallsInHalfOpenState(s.halfOpenCalls());
        if (s.slowCallMillis() > 0) {
            b.slowCallDurationThreshold(Duration.ofMillis(s.slowCallMillis())).slowCallRateThreshold(s.failureRatePercent());
        } else {
            b.slowCallRateThreshold(100).slowCallDurationThreshold(Duration.ofDays(1));
        }
        CircuitBreaker breaker = CircuitBreaker.of(name, b.build());
        breaker.getEventPublisher().onStateTransition(e -> {
            since = clock.instant();
            transitions.increment();
        });
        Bulkhead bulkhead = s.maxConcurrent() > 0 ? Bulkhead.of(name, BulkheadConfig.custom()
                .maxConcurrentCalls(s.maxConcurrent()).maxWaitDuration(Duration.ZERO).build()) : null;
        RateLimiter rate = s.callsPerSecond() > 0 ? RateLimiter.of(name, RateLimiterConfig.custom()
                .limitForPeriod(s.callsPerSecond()).limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO).build()) : null;
        TimeLimiter limiter = s.timeoutMillis() > 0 ? TimeLimiter.of(name, TimeLimiterConfig.custom()
                .timeoutDuration(Duration.ofMillis(s.timeoutMillis())).cancelRunningFuture(true).build()) : null;
        IntervalFunction backoff = s.attempts() > 1 && s.retryWaitMillis() > 0
                ? IntervalFunction.ofExponentialRandomBackoff(s.retryWaitMillis(), s.retryMultiplier(), s.retryJitter(),
                        Math.max(s.retryWaitMillis(), s.retryMaxWaitMillis()))
                : null;
        since = clock.instant();
        parts = new Parts(s, breaker, bulkhead, rate, limiter, backoff);
    }

    /** The breaker's state changes so far, under every settings it had. */
    long transitions() {
        return transitions.sum();
    }

    PolicySettings settings() {
        return parts.settings();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public <T, E extends Exception> T call(Call<T, E> call) throws E {
        return call(call, null);
    }

    @Override
    public <T, E extends Exception> T call(Call<T, E> call, Predicate<Throwable> callersOwn) throws E {
        return call(call, callersOwn, false);
    }

    @Override
    public <T, E extends Exception> T callOnce(Call<T, E> call, Predicate<Throwable> callersOwn) throws E {
        return call(call, callersOwn, true);
    }

    private <T, E extends Exception> T call(Call<T, E> call, Predicate<Throwable> callersOwn, boolean once) throws E {
        Parts p = parts;
        calls.increment();
        int attempt = 0;
        Throwable previous = null;
        while (true) {
            attempt++;
            try {
                admit(p);
            } catch (ResilienceException refusedNow) {
                if (previous == null) {
                    throw refusedNow;
                }
                // The breaker opened (or the bulkhead filled) during this call's attempts: the call
                // ends with its own last failure, which says more than the refusal.
                failures.increment();
                throw Policies.<E>rethrow(previous);
            }
            long start = System.nanoTime();
            Throwable failure;
            try {
                T value = p.limiter() == null ? call.call() : timed(p, call);
                p.breaker().onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return value;
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (p.bulkhead() != null) {
                    p.bulkhead().onComplete();
                }
            }
            if (callersOwn != null && !(failure instanceof ResilienceException) && callersOwn.test(failure)) {
                p.breaker().releasePermission();
                throw Policies.<E>rethrow(failure);
            }
            p.breaker().onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
            lastFailure = clock.instant() + ": " + describe(failure);
            if (once || attempt >= p.settings().attempts() || failure instanceof Error) {
                failures.increment();
                throw Policies.<E>rethrow(failure);
            }
            retries.increment();
            previous = failure;
            if (!pause(p, attempt)) {
                failures.increment();
                throw Policies.<E>rethrow(failure);
            }
        }
    }

    @Override
    public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> start, Predicate<Throwable> callersOwn) {
        Parts p = parts;
        calls.increment();
        try {
            admit(p);
        } catch (ResilienceException refusedNow) {
            return CompletableFuture.failedFuture(refusedNow);
        }
        long begun = System.nanoTime();
        CompletableFuture<T> result = new CompletableFuture<>();
        AtomicBoolean ended = new AtomicBoolean();
        CompletionStage<T> stage;
        try {
            stage = start.get();
            if (stage == null) {
                throw new NullPointerException("the call of '" + name + "' returned no stage");
            }
        } catch (Throwable t) {
            end(p, ended, begun, result, null, t, callersOwn, false);
            return result;
        }
        stage.whenComplete((value, error) -> end(p, ended, begun, result, value, error, callersOwn, false));
        if (p.limiter() != null && !ended.get()) {
            long ms = p.settings().timeoutMillis();
            CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS).execute(() -> end(p, ended, begun, result, null,
                    new ResilienceException(ResilienceException.TIMEOUT, name, "'" + name + "' gave up waiting after " + ms
                            + " ms", 0, null), callersOwn, true));
        }
        return result;
    }

    /**
     * Counts an asynchronous call's outcome and completes its stage, once (every count before the
     * stage completes, so a caller that sees it sees them); false when it had ended already.
     */
    private <T> boolean end(Parts p, AtomicBoolean ended, long begun, CompletableFuture<T> result, T value,
                            Throwable error, Predicate<Throwable> callersOwn, boolean timedOut) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        if (timedOut) {
            timeouts.increment();
        }
        if (p.bulkhead() != null) {
            p.bulkhead().onComplete();
        }
        long took = System.nanoTime() - begun;
        if (error == null) {
            p.breaker().onSuccess(took, TimeUnit.NANOSECONDS);
            result.complete(value);
            return true;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (callersOwn != null && !(cause instanceof ResilienceException) && callersOwn.test(cause)) {
            p.breaker().releasePermission();
        } else {
            p.breaker().onError(took, TimeUnit.NANOSECONDS, cause);
            lastFailure = clock.instant() + ": " + describe(cause);
            failures.increment();
        }
        result.completeExceptionally(cause);
        return true;
    }

    /** Takes the breaker's, the rate limit's and the bulkhead's permission, or refuses the call. */
    private void admit(Parts p) {
        if (!p.breaker().tryAcquirePermission()) {
            refused.increment();
            long left = p.settings().openMillis() - Duration.between(since, clock.instant()).toMillis();
            throw new ResilienceException(ResilienceException.OPEN, name, "the breaker of '" + name + "' is "
                    + p.breaker().getState().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + ": the call was not made", Math.max(0, left), null);
        }
        if (p.rate() != null && !p.rate().acquirePermission()) {
            p.breaker().releasePermission();
            refused.increment();
            throw new ResilienceException(ResilienceException.RATE, name, "'" + name + "' allows "
                    + p.settings().callsPerSecond() + " calls a second: the call was not made", 1000, null);
        }
        if (p.bulkhead() != null && !p.bulkhead().tryAcquirePermission()) {
            p.breaker().releasePermission();
            refused.increment();
            throw new ResilienceException(ResilienceException.FULL, name, "'" + name + "' allows "
                    + p.settings().maxConcurrent() + " calls at once: the call was not made", 0, null);
        }
    }

    /** The attempt on a thread of the policy's, given up after the time limit (and interrupted). */
    private <T, E extends Exception> T timed(Parts p, Call<T, E> call) throws Exception {
        try {
            return p.limiter().executeFutureSupplier(() -> timed.submit(call::call));
        } catch (TimeoutException e) {
            timeouts.increment();
            throw new ResilienceException(ResilienceException.TIMEOUT, name, "'" + name + "' gave up an attempt after "
                    + p.settings().timeoutMillis() + " ms", 0, null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw Policies.<Exception>rethrow(cause);
        }
    }

    /** Waits before the next attempt; false when the caller's thread is interrupted meanwhile. */
    private static boolean pause(Parts p, int attempt) {
        if (p.backoff() == null) {
            return !Thread.currentThread().isInterrupted();
        }
        try {
            Thread.sleep(p.backoff().apply(attempt));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        String s = t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    void force(Resilience.Forced how) {
        CircuitBreaker b = parts.breaker();
        switch (how) {
            case OPEN -> b.transitionToForcedOpenState();
            case CLOSED -> b.transitionToDisabledState();
            case NONE -> b.transitionToClosedState();
        }
    }

    @Override
    public PolicyStatus status() {
        Parts p = parts;
        CircuitBreaker.State s = p.breaker().getState();
        PolicyStatus.State state = switch (s) {
            case CLOSED, METRICS_ONLY -> PolicyStatus.State.CLOSED;
            case OPEN -> PolicyStatus.State.OPEN;
            case HALF_OPEN -> PolicyStatus.State.HALF_OPEN;
            case FORCED_OPEN -> PolicyStatus.State.FORCED_OPEN;
            case DISABLED -> PolicyStatus.State.FORCED_CLOSED;
        };
        return new PolicyStatus(name, state, p.breaker().getMetrics().getFailureRate(), calls.sum(), failures.sum(),
                refused.sum(), retries.sum(), timeouts.sum(), lastFailure, since, p.settings().describe());
    }
}
