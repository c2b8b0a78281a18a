package dev.ludus.archive;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.CompletedGame;

/**
 * Copies every archived game from one backend to another. Each attempt lists the ids the target
 * already holds and copies only the others, in batches; a copied game is loaded from the source
 * (so its checksum is verified) and stored in the target (idempotent by id). That makes a run
 * resumable (after a stop, a restart or a backend failure the next attempt continues with what is
 * missing) and idempotent (running it again copies nothing). The source is left as it is.
 *
 * <p>{@link #run()} runs on the caller's thread until done or {@link #stop()}ped; the figures are
 * safe to read from any thread.
 */
public final class Migration implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Migration.class);

    /** Where a run stands. */
    public enum State { WAITING, RUNNING, DONE, FAILED, STOPPED }

    private final String from;
    private final String to;
    private final Function<String, ArchiveBackend> backends;
    private final int batchSize;
    private final Duration pause;
    private final Duration retryMax;
    private final Clock clock;
    private final Object sleeper = new Object();

    private volatile boolean stopped;
    private volatile State state = State.WAITING;
    private volatile String reason = "starting";
    private volatile long sourceGames;
    private volatile long alreadyInTarget;
    private volatile long copied;
    private volatile long vanished;
    private volatile int attempts;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;

    /**
     * @param backends finds an installed backend by name, or returns null; asked before every batch
     * @param pause    pause between batches, to spare a busy target
     */
    public Migration(String from, String to, Function<String, ArchiveBackend> backends, int batchSize, Duration pause,
                     Duration retryMax, Clock clock) {
        this.from = from;
        this.to = to;
        this.backends = backends;
        this.batchSize = batchSize;
        this.pause = pause;
        this.retryMax = retryMax;
        this.clock = clock;
    }

    @Override
    public void run() {
        if (from.equals(to)) {
            state = State.FAILED;
            reason = "from and to name the same backend '" + from + "'";
            LOG.warn("archive migration not started: {}", reason);
            return;
        }
        startedAt = clock.instant();
        Duration backoff = Duration.ofMillis(200);
        while (!stopped) {
            ArchiveBackend source = backends.apply(from);
            ArchiveBackend target = backends.apply(to);
            if (source == null || target == null) {
                state = State.WAITING;
                reason = "waiting for backend '" + (source == null ? from : to) + "' to be installed";
                sleep(Duration.ofSeconds(1));
                continue;
            }
            attempts++;
            try {
                copyMissing(source, target);
                if (stopped) {
                    break;
                }
                state = State.DONE;
                finishedAt = clock.instant();
                reason = "done: " + copied + " copied, " + alreadyInTarget + " already in '" + to + "'";
                LOG.info("archive migration {} -> {} {}", from, to, reason);
                return;
            } catch (RuntimeException e) {
                state = State.WAITING;
                reason = "attempt " + attempts + " failed, retrying: " + (e.getMessage() == null ? e : e.getMessage());
                LOG.warn("archive migration {} -> {}: {}", from, to, reason);
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : backoff.multipliedBy(2);
            }
        }
        state = State.STOPPED;
        reason = "stopped after copying " + copied + "; running it again continues from there";
    }

    private void copyMissing(ArchiveBackend source, ArchiveBackend target) {
        state = State.RUNNING;
        reason = "listing games";
        Set<String> present = new HashSet<>();
        target.forEachId(present::add);
        List<String> ids = new ArrayList<>();
        source.forEachId(ids::add);
        List<String> todo = new ArrayList<>();
        for (String id : ids) {
            if (!present.contains(id)) {
                todo.add(id);
            }
        }
        sourceGames = ids.size();
        alreadyInTarget = ids.size() - todo.size();
        reason = "copying " + todo.size() + " game(s)";
        LOG.info("archive migration {} -> {}: {} game(s) in '{}', {} already in '{}', copying {}", from, to,
                ids.size(), from, alreadyInTarget, to, todo.size());
        for (int i = 0; i < todo.size() && !stopped; i += batchSize) {
            List<CompletedGame> batch = new ArrayList<>(batchSize);
            for (String id : todo.subList(i, Math.min(todo.size(), i + batchSize))) {
                Optional<CompletedGame> g = source.load(id);
                if (g.isPresent()) {
                    batch.add(g.get());
                } else {
                    vanished++; // deleted meanwhile, for example by retention
                }
            }
            if (!batch.isEmpty()) {
                target.store(batch);
                copied += batch.size();
            }
            if (!pause.isZero()) {
                sleep(pause);
            }
        }
    }

    private void sleep(Duration d) {
        synchronized (sleeper) {
            if (!stopped) {
                try {
                    sleeper.wait(Math.max(1, d.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
        }
    }

    /** Asks the run to stop after the current batch. */
    public void stop() {
        stopped = true;
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
    }

    public State state() {
        return state;
    }

    public String reason() {
        return reason;
    }

    public String from() {
        return from;
    }

    public String to() {
        return to;
    }

    /** Games the source listed at the start of the current attempt. */
    public long sourceGames() {
        return sourceGames;
    }

    /** Games the target held already at the start of the current attempt. */
    public long alreadyInTarget() {
        return alreadyInTarget;
    }

    /** Games copied by this run, over all attempts. */
    public long copied() {
        return copied;
    }

    /** Games listed by the source but gone when loaded. */
    public long vanished() {
        return vanished;
    }

    public int attempts() {
        return attempts;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }
}
