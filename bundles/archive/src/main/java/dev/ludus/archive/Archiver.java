package dev.ludus.archive;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.ResilienceException;

/**
 * Moves queued games to the active backend: one worker thread takes the oldest batch from the
 * {@link DurableQueue}, asks for the active backend once, stores the batch there, and removes it
 * from the queue only when the backend returned normally. A failed batch is retried, after a
 * growing pause (doubling up to a maximum, with jitter), against whichever backend is active then;
 * a backend change cuts the pause short. With a resilience policy per backend the policy retries
 * instead, and its breaker's open time replaces the growing pauses.
 *
 * <p>Thread safe. The worker is started by the constructor and stopped by {@link #close()}.
 */
public final class Archiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    /** How the worker batches and retries. */
    public record Settings(int batchSize, long batchBytes, Duration retryInitial, Duration retryMax) {
        public Settings {
            if (batchSize < 1 || batchBytes < 1 || retryInitial.isNegative() || retryMax.compareTo(retryInitial) < 0) {
                throw new IllegalArgumentException("bad archiver settings");
            }
        }
    }

    /** Told of every batch a backend took or failed; called on the worker thread, must be quick. */
    public interface Listener {
        /** {@code games} with {@code bytes} of records were stored by {@code backend} in {@code nanos}. */
        void stored(String backend, int games, long bytes, long nanos);

        /** A batch failed on {@code backend} after {@code nanos}; it stays queued and is retried. */
        void failed(String backend, long nanos);
    }

    /** A backend and its name, as bound when the worker asks. */
    public record Target(String name, ArchiveBackend backend) {
    }

    private final DurableQueue queue;
    private final Listener listener;
    private final Function<String, Policy> policies;
    private final Supplier<Target> active;
    private final Clock clock;
    private volatile Settings settings;
    private final Thread worker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean wakeRequested; // guarded by lock
    private volatile boolean running = true;

    private final AtomicLong archivedTotal = new AtomicLong();
    private final AtomicLong failuresTotal = new AtomicLong();
    private final Throughput throughput = new Throughput();
    private volatile int consecutiveFailures;
    private volatile String lastFailure;
    private volatile Instant failingSince;
    private volatile String failingBackend;
    private volatile Instant nextRetryAt;
    private volatile String lastUsedBackend;

    /**
     * @param active supplies the backend to use for the next batch, or null when none is bound;
     *               called once per batch
     */
    public Archiver(DurableQueue queue, Supplier<Target> active, Settings settings, Clock clock) {
        this(queue, active, settings, clock, null);
    }

    /** The same, telling {@code listener} (may be null) of every batch stored or failed. */
    public Archiver(DurableQueue queue, Supplier<Target> active, Settings settings, Clock clock, Listener listener) {
        this(queue, active, settings, clock, listener, null);
    }

    /**
     * The same, storing each batch through the resilience policy {@code archive.<backend>} that
     * {@code policies} gives (it may be null, or give null: then straight to the backend, with the
     * worker's own growing pauses). Through a policy, its attempts and their jittered waits retry a
     * batch, its breaker stops writing to a backend that keeps failing, and the worker waits out
     * the breaker's open time (cut short by a backend change) instead of growing pauses of its own.
     */
    public Archiver(DurableQueue queue, Supplier<Target> active, Settings settings, Clock clock, Listener listener,
                    Function<String, Policy> policies) {
        this.policies = policies;
        this.listener = listener;
        this.queue = queue;
        this.active = active;
        this.settings = settings;
        this.clock = clock;
        this.worker = new Thread(this::run, "ludus-archive-worker");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Applies new batch and retry settings from the next batch on. */
    public void update(Settings newSettings) {
        this.settings = newSettings;
        wakeUp();
    }

    /** Tells the worker the active backend changed, so a waiting retry happens now. */
    public void backendChanged() {
        wakeUp();
    }

    private void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Duration backoff = settings.retryInitial();
        while (running) {
            try {
                Settings s = settings;
                // Read the batch afresh on every attempt: a retry then also carries what arrived since.
                List<DurableQueue.Entry> batch = queue.peek(s.batchSize(), s.batchBytes());
                if (batch.isEmpty()) {
                    queue.awaitEntries(500, TimeUnit.MILLISECONDS);
                    continue;
                }
                Target target = active.get();
                if (target == null) {
                    pause(Duration.ofSeconds(1)); // nothing to write to; a bind wakes us
                    continue;
                }
                List<CompletedGame> games = new ArrayList<>(batch.size());
                long bytes = 0;
                for (DurableQueue.Entry e : batch) {
                    games.add(e.game());
                    bytes += e.game().record().length;
                }
                Policy policy = policyOf(target);
                long t0 = System.nanoTime();
                Throwable failure = null;
                try {
                    if (policy == null) {
                        target.backend().store(games);
                    } else {
                        policy.call(() -> {
                            target.backend().store(games);
                            return null;
                        });
                    }
                } catch (ResilienceException e) {
                    if (!ResilienceException.TIMEOUT.equals(e.code())) {
                        // Not made: the policy's breaker is open (or its bulkhead or rate is spent).
                        Duration wait = Duration.ofMillis(Math.max(s.retryInitial().toMillis(), e.retryAfterMillis()));
                        refused(target, e, wait);
                        pause(wait);
                        continue;
                    }
                    failure = e; // the last attempt outlasted the policy's time limit
                } catch (RuntimeException | LinkageError e) {
                    failure = e;
                }
                if (failure != null) {
                    if (listener != null) {
                        listener.failed(target.name(), System.nanoTime() - t0);
                    }
                    // Through a policy its attempts have waited already and its breaker keeps
                    // count: the worker pauses briefly; straight, its pauses grow.
                    Duration wait = policy == null ? backoff : s.retryInitial();
                    failed(target, failure, wait);
                    pause(wait);
                    if (policy == null) {
                        backoff = next(backoff, s);
                    }
                    continue;
                }
                if (listener != null) {
                    listener.stored(target.name(), batch.size(), bytes, System.nanoTime() - t0);
                }
                succeeded(target, batch.size());
                backoff = s.retryInitial();
                try {
                    queue.ack(batch);
                } catch (IOException e) {
                    // Stored, but the queue could not record it: the games will be sent again,
                    // which the backend ignores (idempotent by id).
                    LOG.warn("archive queue could not record {} archived game(s); they will be sent again: {}",
                            batch.size(), e.toString());
                }
            } catch (IOException e) {
                if (!running) {
                    break;
                }
                LOG.error("archive queue cannot be read: {}", e.toString());
                lastFailure = "queue read failed: " + e;
                failuresTotal.incrementAndGet();
                try {
                    pause(Duration.ofSeconds(1));
                } catch (InterruptedException ie) {
                    break;
                }
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    /** The backend's policy, or null to write straight to it (no resilience service, or a name no policy can have). */
    private Policy policyOf(Target target) {
        Function<String, Policy> p = policies;
        if (p == null) {
            return null;
        }
        try {
            return p.apply("archive." + target.name());
        } catch (ResilienceException e) {
            return null;
        }
    }

    private void refused(Target target, ResilienceException e, Duration wait) {
        String message = e.getMessage() + " (" + e.code() + ")";
        if (failingSince == null || !target.name().equals(failingBackend)) { // once per outage, as failed() logs
            failingSince = clock.instant();
            failingBackend = target.name();
            LOG.warn("archive backend '{}' not written: {}; games stay queued", target.name(), message);
        }
        lastFailure = target.name() + ": " + message;
        nextRetryAt = clock.instant().plus(wait);
    }

    private void failed(Target target, Throwable e, Duration backoff) {
        failuresTotal.incrementAndGet();
        int n = ++consecutiveFailures;
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        lastFailure = target.name() + ": " + message;
        if (n == 1 || !target.name().equals(failingBackend)) {
            failingSince = clock.instant();
            failingBackend = target.name();
            LOG.warn("archive backend '{}' failed; games stay queued and are retried: {}", target.name(), message);
        }
        nextRetryAt = clock.instant().plus(backoff);
    }

    private void succeeded(Target target, int games) {
        if (consecutiveFailures > 0) {
            LOG.info("archive backend '{}' accepts games again after {} failed attempt(s)", target.name(), consecutiveFailures);
        }
        consecutiveFailures = 0;
        failingSince = null;
        failingBackend = null;
        nextRetryAt = null;
        lastUsedBackend = target.name();
        archivedTotal.addAndGet(games);
        throughput.add(games, clock.instant());
    }

    private static Duration next(Duration backoff, Settings s) {
        long doubled = Math.min(backoff.toMillis() * 2, s.retryMax().toMillis());
        long jitter = doubled / 5 == 0 ? 0 : ThreadLocalRandom.current().nextLong(-doubled / 5, doubled / 5 + 1);
        return Duration.ofMillis(Math.max(1, Math.min(s.retryMax().toMillis(), doubled + jitter)));
    }

    private void pause(Duration d) throws InterruptedException {
        long nanos = d.toNanos();
        lock.lock();
        try {
            while (running && !wakeRequested && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
            wakeRequested = false;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- figures

    /** The figures of {@link ArchiveStatus}, with the active backend as bound now. Non-blocking. */
    public ArchiveStatus status() {
        Target t = active.get();
        return new ArchiveStatus(Optional.ofNullable(t).map(Target::name), queue.depth(), queue.oldestQueuedAt(),
                archivedTotal.get(), failuresTotal.get(), Optional.ofNullable(lastFailure));
    }

    /** Games archived per second over the last {@code seconds} whole seconds. */
    public double archivedPerSecond(int seconds) {
        return throughput.perSecond(clock.instant(), seconds);
    }

    /** Failed attempts since the last success; 0 when the last attempt worked. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Since when the current run of failures lasts, or null. */
    public Instant failingSince() {
        return failingSince;
    }

    /** When the next retry is due, or null when not retrying. */
    public Instant nextRetryAt() {
        return nextRetryAt;
    }

    /** The latest failure's message, or null. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Name of the backend the last batch went to, or null. */
    public String lastUsedBackend() {
        return lastUsedBackend;
    }

    /**
     * Stops the worker: a batch being stored is given up to {@code timeout} to finish; games not
     * confirmed stay in the queue for the next start.
     */
    public void close(Duration timeout) {
        running = false;
        wakeUp();
        try {
            worker.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            LOG.warn("archive worker still busy with a backend after {}; its batch stays queued", timeout);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
