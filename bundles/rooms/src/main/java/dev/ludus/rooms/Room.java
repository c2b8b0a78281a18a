package dev.ludus.rooms;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

import dev.ludus.api.game.GameEngine;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomListener;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;

/**
 * One room and its game. All fields are read and written only by the room's steps, which run one
 * at a time in submission order (a step that starts an asynchronous append holds the queue until
 * the append has been handled). {@link #info} is the only field other threads read.
 */
final class Room {

    static final class Seat {
        String playerId;
        String name;
        boolean bot;
        boolean connected;

        boolean empty() {
            return playerId == null && !bot;
        }

        /** Whether a bot makes this seat's moves now. */
        boolean botControlled() {
            return bot || !connected;
        }
    }

    record Subscriber(String playerId, RoomListener listener) {
    }

    final String id;
    final String stream;
    String name;
    String gameType;
    Map<String, String> options = Map.of();
    Instant createdAt = Instant.EPOCH;
    Seat[] seats = new Seat[0];
    RoomState state = RoomState.WAITING;
    String pauseReason = "";
    long version;
    long seed;
    Instant startedAt;
    GameEngine engine;
    boolean archived;
    long snapshotVersion;
    /** Set when the in-memory state may be ahead of or behind the event store: reload before use. */
    boolean needsResync;
    long storeVersion;
    ScheduledFuture<?> moveTimer;
    ScheduledFuture<?> idleTimer;
    ScheduledFuture<?> gameTimer;
    volatile RoomInfo info;
    /** The player who created the room, or null (created by an operator or a tool). */
    volatile String createdBy;
    /** When the latest record of the room was written. */
    long lastChangeMillis;
    /** Since when no human owns a seat (0: someone does, or the room is over). Read by the sweeper. */
    volatile long emptySince;
    /** A close of this empty room is queued; keeps the sweeper from queueing another. */
    volatile boolean closing;
    /** The room was closed because nobody sat in it; it is finished and holds no game. */
    boolean closed;
    /** Archive hand-overs that failed in a row. */
    int handOverFailures;
    /** Why the archive hand-over is quarantined, or null when it is not. */
    volatile String quarantined;
    /** The {@code archiveRetryQuarantined} setting when the hand-over was quarantined. */
    long quarantineGeneration;
    /** Players who left the room after its game ended: it is no longer theirs to come back to. */
    final Set<String> leftAfterEnd = ConcurrentHashMap.newKeySet();
    final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    private final Executor executor;
    private final ArrayDeque<Supplier<CompletionStage<?>>> steps = new ArrayDeque<>();
    private boolean running;

    Room(String id, Executor executor) {
        this.id = id;
        this.stream = RoomRuntime.STREAM_PREFIX + id;
        this.executor = executor;
    }

    /**
     * Runs {@code step} after every step submitted before it. A step may return a stage; the next
     * step starts once it completes. Steps must not throw; a throwing step is logged and skipped.
     */
    void submit(Supplier<CompletionStage<?>> step) {
        synchronized (this) {
            steps.add(step);
            if (running) {
                return;
            }
            running = true;
        }
        executor.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Supplier<CompletionStage<?>> step;
            synchronized (this) {
                step = steps.poll();
                if (step == null) {
                    running = false;
                    return;
                }
            }
            CompletionStage<?> pending;
            try {
                pending = step.get();
            } catch (RuntimeException | LinkageError e) {
                RoomRuntime.LOG.error("room {}: step failed", id, e);
                pending = null;
            }
            if (pending != null && !pending.toCompletableFuture().isDone()) {
                pending.whenComplete((r, e) -> executor.execute(this::drain));
                return;
            }
        }
    }

    /** Whether a human (connected or not) owns a seat. */
    boolean hasHuman() {
        for (Seat s : seats) {
            if (s.playerId != null && !s.bot) {
                return true;
            }
        }
        return false;
    }

    int seatOf(String playerId) {
        for (int i = 0; i < seats.length; i++) {
            if (playerId != null && playerId.equals(seats[i].playerId)) {
                return i;
            }
        }
        return -1;
    }

    RoomInfo snapshotInfo() {
        List<SeatInfo> list = new ArrayList<>(seats.length);
        for (int i = 0; i < seats.length; i++) {
            Seat s = seats[i];
            list.add(new SeatInfo(i, s.playerId, s.name, s.bot, s.playerId != null && s.connected));
        }
        return new RoomInfo(id, name, gameType, state, list, version, pauseReason, createdAt, options);
    }

    void cancelTimers() {
        if (moveTimer != null) {
            moveTimer.cancel(false);
            moveTimer = null;
        }
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        if (gameTimer != null) {
            gameTimer.cancel(false);
            gameTimer = null;
        }
    }
}
