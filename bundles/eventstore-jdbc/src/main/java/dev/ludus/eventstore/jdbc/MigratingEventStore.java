package dev.ludus.eventstore.jdbc;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;

/**
 * Moves every stream of one event store (the source: a node's file store) into another (the
 * target: the shared store) while games go on appending, one stream at a time, and is the store
 * the rooms use meanwhile. Each stream is routed to the source until it has moved and to the
 * target after; a stream the source does not have goes to the target from its first append.
 *
 * <p>{@link #run()} copies first everything each stream holds (the bulk, with no pause), then moves
 * the streams one by one: new appends to the stream wait, the appends in flight to the source
 * finish, the few events appended since the bulk copy are copied, the newest snapshot is copied,
 * and the stream's route switches; the waiting appends then go to the target in the order they
 * were made. A room waits for the length of that tail copy (milliseconds). A stream whose move
 * fails stays on the source and is tried again in the next pass.
 *
 * <p>Where a stream is, is derived from the stores themselves (moved when the target holds at least
 * what the source holds), so a migration stopped half-way (a restart) goes on where it stood. A
 * stream never gets an append in the source after it moved.
 */
public final class MigratingEventStore implements EventStore, SnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(MigratingEventStore.class);
    private static final int CHUNK = 1000;

    private final EventStore source;
    private final SnapshotStore sourceSnapshots;
    private final EventStore target;
    private final SnapshotStore targetSnapshots;
    private final long drainMillis;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final AtomicLong copiedEvents = new AtomicLong();
    private final AtomicLong movedStreams = new AtomicLong();
    private volatile long totalStreams = -1;
    private volatile long startedAt;
    private volatile long finishedAt;
    private volatile String lastProblem;
    private volatile boolean stopped;

    /** A stream's route. Guarded by itself. */
    private static final class Route {
        boolean moved;
        boolean moving;
        int inFlight;
        final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    }

    /** Progress, for health. */
    public record Progress(long streams, long moved, long copiedEvents, boolean done, long startedAt, long finishedAt,
                           String lastProblem) {
    }

    /**
     * @param drainMillis how long a stream's move waits for its appends in flight to the source
     */
    public MigratingEventStore(EventStore source, SnapshotStore sourceSnapshots, EventStore target,
                               SnapshotStore targetSnapshots, long drainMillis) {
        this.source = source;
        this.sourceSnapshots = sourceSnapshots;
        this.target = target;
        this.targetSnapshots = targetSnapshots;
        this.drainMillis = drainMillis;
    }

    private Route route(String stream) {
        Route r = routes.get(stream);
        if (r != null) {
            return r;
        }
        Route fresh = new Route();
        // A stream the source does not hold (new, or already moved and complete in the target) goes to the target.
        long inSource = source.version(stream);
        fresh.moved = inSource == NO_STREAM || target.version(stream) >= inSource;
        Route raced = routes.putIfAbsent(stream, fresh);
        return raced == null ? fresh : raced;
    }

    private boolean moved(String stream) {
        Route r = route(stream);
        synchronized (r) {
            return r.moved;
        }
    }

    // ---------------------------------------------------------------- the store the rooms use

    @Override
    public long append(String stream, long expectedVersion, List<NewEvent> events) {
        try {
            return appendAsync(stream, expectedVersion, events).toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    @Override
    public CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events) {
        PostgresEventStore.checkStream(stream);
        Route r = route(stream);
        synchronized (r) {
            if (r.moved) {
                return target.appendAsync(stream, expectedVersion, events);
            }
            if (r.moving) {
                CompletableFuture<Long> later = new CompletableFuture<>();
                List<NewEvent> copy = events == null ? null : List.copyOf(events);
                r.waiting.add(() -> relay(r, stream, expectedVersion, copy, later));
                return later;
            }
            r.inFlight++;
        }
        return toSource(r, stream, expectedVersion, events);
    }

    private CompletionStage<Long> toSource(Route r, String stream, long expectedVersion, List<NewEvent> events) {
        CompletionStage<Long> stage;
        try {
            stage = source.appendAsync(stream, expectedVersion, events);
        } catch (RuntimeException e) {
            landed(r);
            throw e;
        }
        return stage.whenComplete((v, e) -> landed(r));
    }

    private void landed(Route r) {
        synchronized (r) {
            r.inFlight--;
            if (r.inFlight == 0) {
                r.notifyAll();
            }
        }
    }

    /** A waiting append, released once its stream moved (or its move was given up). Called holding r. */
    private void relay(Route r, String stream, long expectedVersion, List<NewEvent> events, CompletableFuture<Long> later) {
        CompletionStage<Long> stage;
        try {
            if (r.moved) {
                stage = target.appendAsync(stream, expectedVersion, events);
            } else {
                r.inFlight++;
                stage = toSource(r, stream, expectedVersion, events);
            }
        } catch (RuntimeException e) {
            later.completeExceptionally(e);
            return;
        }
        stage.whenComplete((v, e) -> {
            if (e != null) {
                later.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e);
            } else {
                later.complete(v);
            }
        });
    }

    @Override
    public List<RecordedEvent> read(String stream, long fromVersion, int maxCount) {
        PostgresEventStore.checkStream(stream);
        return (moved(stream) ? target : source).read(stream, fromVersion, maxCount);
    }

    @Override
    public long version(String stream) {
        PostgresEventStore.checkStream(stream);
        return (moved(stream) ? target : source).version(stream);
    }

    @Override
    public Set<String> streams() {
        Set<String> all = new HashSet<>(source.streams());
        all.addAll(target.streams());
        return all;
    }

    @Override
    public void save(Snapshot snapshot) {
        if (snapshot == null) {
            throw new EventStoreException(PostgresEventStore.INVALID_ARGUMENT, "a snapshot must be given", null);
        }
        (moved(snapshot.stream()) ? targetSnapshots : sourceSnapshots).save(snapshot);
    }

    @Override
    public Optional<Snapshot> latest(String stream) {
        return (moved(stream) ? targetSnapshots : sourceSnapshots).latest(stream);
    }

    @Override
    public void delete(String stream) {
        targetSnapshots.delete(stream);
        sourceSnapshots.delete(stream);
    }

    // ---------------------------------------------------------------- the migration

    /**
     * Copies and moves every stream of the source, pass after pass, until all have moved or
     * {@link #stop()} is called. Returns whether all moved.
     */
    public boolean run() {
        lastProblem = null;
        startedAt = System.currentTimeMillis();
        finishedAt = 0;
        Set<String> all = source.streams();
        totalStreams = all.size();
        LOG.info("event store migration: moving {} streams to the shared store", all.size());
        for (String s : all) { // the bulk, without holding anyone up
            if (stopped) {
                return false;
            }
            if (!moved(s)) {
                copyQuietly(s);
            }
        }
        for (int pass = 1; !stopped; pass++) {
            int left = 0;
            long movedNow = 0;
            for (String s : all) {
                if (stopped) {
                    return false;
                }
                if (moved(s)) {
                    movedNow++;
                } else if (move(s)) {
                    movedNow++;
                } else {
                    left++;
                }
                movedStreams.set(movedNow);
            }
            if (left == 0) {
                finishedAt = System.currentTimeMillis();
                LOG.info("event store migration: all {} streams moved ({} events copied) in {} ms", all.size(),
                        copiedEvents.get(), finishedAt - startedAt);
                return true;
            }
            LOG.warn("event store migration: pass {} left {} streams on the source ({}); trying again", pass, left, lastProblem);
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** Says why the migration has not begun (for health). */
    public void waiting(String why) {
        lastProblem = why;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Stops {@link #run()} after the stream in hand; the routes stay as they are. */
    public void stop() {
        stopped = true;
    }

    /** Moves one stream: hold its new appends, drain those in flight, copy the tail and the snapshot, switch. */
    boolean move(String stream) {
        Route r = route(stream);
        synchronized (r) {
            if (r.moved) {
                return true;
            }
            r.moving = true;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
            try {
                while (r.inFlight > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        lastProblem = "stream " + stream + ": appends in flight did not finish within " + drainMillis + " ms";
                        release(r);
                        return false;
                    }
                    r.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                release(r);
                return false;
            }
        }
        // No append reaches the source for this stream now: copy what it got since the bulk copy.
        boolean copied = copyQuietly(stream);
        if (copied && sourceSnapshots != null) {
            try {
                Optional<Snapshot> snap = sourceSnapshots.latest(stream);
                if (snap.isPresent()) {
                    targetSnapshots.save(snap.get());
                }
            } catch (RuntimeException e) {
                LOG.debug("event store migration: stream {}: snapshot not copied ({}); it is only an optimisation", stream, e.toString());
            }
        }
        synchronized (r) {
            if (copied) {
                r.moved = true;
            }
            release(r);
        }
        return copied;
    }

    /** Ends a stream's hold: the waiting appends go where the route now says, in order. Called holding r. */
    private void release(Route r) {
        r.moving = false;
        Runnable next;
        while ((next = r.waiting.poll()) != null) {
            next.run();
        }
    }

    private boolean copyQuietly(String stream) {
        try {
            copy(stream);
            return true;
        } catch (RuntimeException e) {
            lastProblem = "stream " + stream + ": " + e.getMessage();
            LOG.warn("event store migration: stream {} not copied yet: {}", stream, e.toString());
            return false;
        }
    }

    /** Copies the events of {@code stream} the target lacks, in chunks, each with its expected version. */
    private void copy(String stream) {
        long have = target.version(stream);
        while (true) {
            List<RecordedEvent> more = source.read(stream, have + 1, CHUNK);
            if (more.isEmpty()) {
                return;
            }
            List<NewEvent> events = more.stream().map(e -> new NewEvent(e.type(), e.data())).toList();
            if (more.get(0).version() != have + 1) {
                throw new EventStoreException(PostgresEventStore.IO_ERROR, "the source's stream " + stream + " jumps from "
                        + have + " to " + more.get(0).version(), null);
            }
            have = target.append(stream, have, events);
            copiedEvents.addAndGet(events.size());
        }
    }

    public Progress progress() {
        return new Progress(totalStreams, movedStreams.get(), copiedEvents.get(), finishedAt != 0, startedAt, finishedAt, lastProblem);
    }
}
