package dev.ludus.rooms;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.OpeningEvents;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomState;

/**
 * Drives rooms: the one write path every change takes, and the one place that decides what a
 * room does next.
 *
 * <p><b>One write path.</b> Lobby changes, players' actions, bots' and timers' moves, the archive's
 * and the sweeper's records all go through {@link #commit}: the change was validated (for an
 * action, by the engine), its record is appended to the room's stream, and only once that is
 * durable is the record applied to the {@link Room}, published, and the caller answered. If the
 * append fails, the room is rebuilt from the store, so memory never holds anything the store
 * lacks.
 *
 * <p><b>One scheduler.</b> After every applied step {@link #next} looks at the room's state and
 * arms what follows: its one {@link Wake} (timer, bot move, idle takeover, a move for a player
 * disconnected past the grace), its archive hand-over, or its eviction. Whatever was armed before is
 * cancelled first, so a change that voids a pending move (a seat handed to a bot, a disconnect, a
 * reconnect) is always followed by a fresh decision.
 */
final class RoomDriver {

    private static final Logger LOG = LoggerFactory.getLogger(RoomDriver.class);
    /** Failures of the store that are not its own refusals: a store failing so would log once per move. */
    static final ThrottledWarning UNEXPECTED = new ThrottledWarning(10_000);
    /** The pause reason of games whose event store is away. */
    static final String STORE_AWAY = "event store unavailable";
    /**
     * The room event that precedes the events of a move the bot made for a seat its player holds:
     * {@code {"seat", "cause": "idle" | "away", "action"}}.
     */
    static final String PLAYED_FOR_PLAYER = "played_for_player";

    /**
     * How the caller of {@link #commit} learns the outcome: {@code applied} runs once the record
     * is durable and applied (before events go out), {@code published} after they went out, and
     * {@code failed} if the record could not be stored.
     */
    record Reply(Runnable applied, Runnable published, Consumer<RoomException> failed) {
        static Reply afterEffects(Runnable published, Consumer<RoomException> failed) {
            return new Reply(() -> { }, published, failed);
        }
    }

    private final RoomsContext ctx;
    private final Publisher publisher;
    private final Snapshots snapshots;
    private final ArchiveHandOver archive;
    private final GameAnnouncer announcer;
    private final Replay replay;

    RoomDriver(RoomsContext ctx, Publisher publisher, Snapshots snapshots) {
        this.ctx = ctx;
        this.publisher = publisher;
        this.snapshots = snapshots;
        this.archive = new ArchiveHandOver(ctx, this);
        this.announcer = new GameAnnouncer(ctx, this);
        this.replay = new Replay(ctx, snapshots);
    }

    /**
     * Offers every finished room that still needs it to the archive and to the bus again (each
     * step does nothing where its service is absent or the room is done). Any thread.
     */
    void retryFinished() {
        if (!ctx.active || (ctx.archive == null && ctx.bus == null)) {
            return;
        }
        for (LiveRoom live : ctx.rooms.values()) {
            live.steps.run(() -> {
                archive.start(live);
                announcer.start(live);
            });
        }
    }

    // ---------------------------------------------------------------- the write path

    /**
     * Appends {@code record} to the room's stream; once durable, applies it, publishes it with the
     * game's {@code events} (an action's, or the opening deal's), answers, and decides what comes
     * next. A room step: returns the stage the room's next step waits for.
     */
    CompletionStage<?> commit(LiveRoom live, RoomRecord record, List<GameEvent> events, Reply reply) {
        EventStore es = ctx.eventStore;
        if (es == null) {
            reply.failed().accept(new RoomException(RoomException.UNAVAILABLE, "the event store is not available"));
            if (record instanceof RoomRecord.ActionTaken) {
                rebuild(live); // the engine took the action: it is ahead of the store
            }
            return null;
        }
        boolean create = record instanceof RoomRecord.Created;
        long expected = create ? EventStore.NO_STREAM : live.room().version();
        long at = record instanceof RoomRecord.ActionTaken a ? a.at() : ctx.clock.millis();
        if (!create) {
            live.disarm(); // nothing may fire against the old version while the append is in flight
            watchSlowAppend(live);
        }
        Map<String, String> logContext = MDC.getCopyOfContextMap(); // the rest of the step runs on another thread
        Context trace = Context.current(); // and so does its trace
        return es.appendAsync(live.stream, expected, List.of(new NewEvent(record.type(), ctx.codec.encode(record))))
                .handleAsync((version, error) -> {
                    StepQueue.enter(logContext, null);
                    try (Scope scope = trace == Context.root() ? Scope.noop() : trace.makeCurrent()) {
                        return appended(live, record, version, error, at, create, events, reply);
                    } finally {
                        MDC.clear();
                    }
                }, ctx.workers);
    }

    /**
     * Marks the append now in flight, for {@link #findSlowAppends}: one that is not durable within
     * {@code slowAppendMillis} pauses its game visibly, and the room's new actions are refused
     * ({@link RoomCommands}) instead of piling up behind it. Two writes on the hot path.
     */
    private void watchSlowAppend(LiveRoom live) {
        live.appendStartedAt = ctx.clock.millis();
        live.appendInFlight = live; // any non-null token: only "one is in flight" matters
    }

    /** Every 100 ms: pauses the games whose append in flight has outlasted {@code slowAppendMillis}. */
    void findSlowAppends() {
        try {
            long limit = ctx.config.slowAppendMillis();
            if (limit <= 0) {
                return;
            }
            long now = ctx.clock.millis();
            for (LiveRoom live : ctx.rooms.values()) {
                if (live.appendInFlight != null && live.slowAppendSince == 0 && now - live.appendStartedAt > limit) {
                    slowAppend(live, limit);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("rooms: the slow-append check failed: {}", e.toString());
        }
    }

    /** The room's append in flight has outlasted {@code limit} ms: pause the game visibly. */
    private void slowAppend(LiveRoom live, long limit) {
        synchronized (live) {
            if (live.appendInFlight == null || live.slowAppendSince != 0) {
                return;
            }
            live.slowAppendSince = ctx.clock.millis();
            ctx.slowAppends.incrementAndGet();
            LOG.warn("room {}: the event store has not made a move durable within {} ms; the game is paused until"
                    + " it does, new actions are refused", live.id, limit);
            publisher.broadcast(live, "game_paused", Map.of("reason", "the event store is slow: a move has waited"
                    + " over " + limit + " ms to be made durable", "retryAfterMillis", limit));
        }
    }

    /** The store answered the append in flight: a game it paused as slow resumes. */
    private void appendAnswered(LiveRoom live) {
        synchronized (live) {
            live.appendInFlight = null;
            long since = live.slowAppendSince;
            if (since != 0) {
                live.slowAppendSince = 0;
                LOG.info("room {}: the event store answered after a slow append ({} ms paused); the game resumes",
                        live.id, ctx.clock.millis() - since);
                publisher.broadcast(live, "game_resumed", Map.of("reason", "the event store answered"));
            }
        }
    }

    /** The rest of {@link #commit} once the store answered: apply, publish, answer, decide next. */
    private Void appended(LiveRoom live, RoomRecord record, Long version, Throwable error, long at, boolean create,
                          List<GameEvent> events, Reply reply) {
        if (!create) {
            appendAnswered(live);
        }
        if (error != null) {
            failed(live, record, error, reply);
            return null;
        }
        if (create) {
            ctx.rooms.put(live.id, live);
        }
        Span apply = ctx.tracing.startInner("rooms.apply");
        live.room().apply(record, version, at);
        if (record instanceof RoomRecord.SeatChanged) {
            live.dropUnseated(); // a player who lost the seat is no longer shown connected
        }
        publisher.refresh(live);
        RoomsTracing.end(apply);
        reply.applied().run();
        Span broadcast = ctx.tracing.startInner("rooms.broadcast");
        try {
            effects(live, record, events);
        } finally {
            RoomsTracing.end(broadcast);
        }
        reply.published().run();
        next(live);
        return null;
    }

    private void failed(LiveRoom live, RoomRecord record, Throwable error, Reply reply) {
        String why = publicReason(error);
        if (!storeRefused(error)) {
            UNEXPECTED.warn(LOG, "room " + live.id + ": the event store failed unexpectedly on a "
                    + record.getClass().getSimpleName(), error);
        }
        reply.failed().accept(new RoomException(RoomException.UNAVAILABLE, record instanceof RoomRecord.ActionTaken
                ? "the action could not be made durable: " + why : "could not persist the change: " + why));
        // Nothing was applied, except an action the engine took ahead of its record; and a
        // refused append may mean the stream moved on elsewhere. Either way: start again from
        // the store. A room that was never created needs no rebuild. The bookkeeping of a finished
        // game (announced, archived, quarantined) is tried again by the periodic retry
        // (archiveRetrySeconds), not at once: a store that refuses it now would refuse it again,
        // in a loop as fast as the store answers; unless the stream moved on (another node took
        // the room over and wrote it meanwhile: this memory is behind), when it is rebuilt.
        boolean bookkeeping = record instanceof RoomRecord.Archived || record instanceof RoomRecord.Quarantined
                || record instanceof RoomRecord.Announced;
        if (record instanceof RoomRecord.Created) {
            next(live);
        } else if (bookkeeping && !movedOn(error)) {
            return; // retryFinished hands it over again
        } else {
            rebuild(live);
        }
    }

    /**
     * Whether the store refused the call itself (its own code, or a stream moved on): it logs the
     * cause; anything else is a failure to log here ({@link #UNEXPECTED}).
     */
    static boolean storeRefused(Throwable error) {
        return unwrap(error) instanceof dev.ludus.api.event.EventStoreException || movedOn(error);
    }

    /** Whether an append was refused because the stream is past the version expected (someone else wrote it). */
    static boolean movedOn(Throwable error) {
        return unwrap(error) instanceof dev.ludus.api.event.WrongExpectedVersionException;
    }

    /** What each kind of record means to the world once it is durable and applied. */
    private void effects(LiveRoom live, RoomRecord record, List<GameEvent> events) {
        Room room = live.room();
        if (record instanceof RoomRecord.Created || record instanceof RoomRecord.SeatChanged) {
            publisher.roomChanged(live);
            if (record instanceof RoomRecord.Created) {
                announcer.lifecycle(live, "room.created");
            }
        } else if (record instanceof RoomRecord.Started) {
            announcer.lifecycle(live, "room.started");
            publisher.roomChanged(live);
            publisher.broadcast(live, "game_started", Map.of());
            GameEngine engine = room.engine();
            publisher.gameEvents(live, engine instanceof OpeningEvents o ? opening(live, o) : List.of());
        } else if (record instanceof RoomRecord.ActionTaken a) {
            ctx.acceptedActions.incrementAndGet();
            if (a.forAbsentPlayer()) {
                // Ahead of the move's own events, so a player coming back knows which moves were not theirs.
                publisher.broadcast(live, PLAYED_FOR_PLAYER, Map.of("seat", a.seat(), "cause", a.cause(),
                        "action", a.actionType()));
            }
            publisher.gameEvents(live, events);
            if (room.state() == RoomState.FINISHED) {
                publisher.broadcast(live, "game_over", Map.of("result", room.engine().result()));
            } else if (snapshots.due(live)) {
                snapshots.save(live, true);
            }
        } else if (record instanceof RoomRecord.Closed c) {
            announcer.lifecycle(live, "room.closed");
            publisher.roomChanged(live);
            ctx.closedRooms.incrementAndGet();
            LOG.info("room {}: closed: {}", live.id, c.reason());
            snapshots.delete(live);
            forget(live);
        } else if (record instanceof RoomRecord.OperatorPaused p) {
            LOG.info("room {}: paused by operator {}: {}", live.id, p.by(), p.reason());
            publisher.roomChanged(live);
            publisher.broadcast(live, "game_paused", Map.of("reason", p.reason(), "by", p.by()));
        } else if (record instanceof RoomRecord.OperatorResumed r) {
            LOG.info("room {}: resumed by operator {}", live.id, r.by());
            publisher.roomChanged(live);
            if (live.paused()) {
                // The runtime's own pause (game bundle or event store away) still holds, and ends by itself.
                publisher.broadcast(live, "game_paused", Map.of("reason", live.pauseReason()));
            } else {
                publisher.broadcast(live, "game_resumed", Map.of("by", r.by()));
            }
        } else if (record instanceof RoomRecord.Ended e) {
            LOG.info("room {}: ended by operator {}: {}", live.id, e.by(), e.reason());
            publisher.roomChanged(live);
            GameEngine engine = room.engine();
            publisher.broadcast(live, "game_over", Map.of("result", engine == null ? Map.of() : result(live, engine),
                    "reason", e.reason(), "endedBy", e.by()));
        } else if (record instanceof RoomRecord.Archived || record instanceof RoomRecord.Quarantined
                || record instanceof RoomRecord.Announced) {
            // nothing to tell the players: the game's result went out with game_over
        } else {
            throw new IllegalStateException("room record " + record.type() + " has no effect defined");
        }
    }

    /** The game's result so far, for a game an operator ended; a game that cannot say gives none. */
    private static Map<String, Object> result(LiveRoom live, GameEngine engine) {
        try {
            Map<String, Object> r = engine.result();
            return r == null ? Map.of() : r;
        } catch (RuntimeException e) {
            LOG.warn("room {}: the game's result failed, game_over carries none: {}", live.id, e.toString());
            return Map.of();
        }
    }

    private static List<GameEvent> opening(LiveRoom live, OpeningEvents o) {
        try {
            List<GameEvent> events = o.openingEvents();
            return events == null ? List.of() : events;
        } catch (RuntimeException e) {
            LOG.warn("room {}: the game's opening events failed, players get its view only: {}", live.id, e.toString());
            return List.of();
        }
    }

    // ---------------------------------------------------------------- actions

    /**
     * The one path by which an action (a player's, a bot's, a timer's) changes a game: the engine
     * judges it, then it is committed. A room step.
     */
    CompletionStage<?> act(LiveRoom live, Action action, String cause, CompletableFuture<ActionResult> reply) {
        return act(live, action, cause, reply, Span.getInvalid());
    }

    /**
     * {@link #act(LiveRoom, Action, String, CompletableFuture)} with the span of its validation,
     * started by the caller and ended here once the engine has answered.
     */
    CompletionStage<?> act(LiveRoom live, Action action, String cause, CompletableFuture<ActionResult> reply,
                           Span validate) {
        RoomException refusal = switch (live.state()) {
            case WAITING -> new RoomException(RoomException.NOT_STARTED, "the game has not started");
            case FINISHED -> new RoomException(RoomException.GAME_OVER, "the game is over");
            case PAUSED -> live.operatorPaused()
                    ? new RoomException(RoomException.ROOM_PAUSED, "an operator paused the game: "
                            + live.room().operatorPause().reason())
                    : new RoomException(RoomException.GAME_PAUSED, "the game is paused: " + live.pauseReason());
            case PLAYING -> null;
        };
        if (refusal == null && !live.playable()) {
            refusal = new RoomException(RoomException.GAME_PAUSED, "the game is being restored");
        }
        if (refusal == null && ctx.eventStore == null) {
            refusal = new RoomException(RoomException.UNAVAILABLE, "the event store is not available");
        }
        if (refusal != null) {
            RoomsTracing.refused(validate, refusal.code());
            reply.completeExceptionally(refusal);
            return null;
        }
        ActionResult result;
        try {
            result = live.room().tryAction(action);
        } catch (RuntimeException e) {
            LOG.error("room {}: engine failed on {}", live.id, action, e);
            RoomsTracing.refused(validate, "illegal_action");
            rebuild(live);
            reply.complete(new ActionResult.Rejected("illegal_action", "the game could not apply the action"));
            return null;
        }
        if (!(result instanceof ActionResult.Accepted accepted)) {
            RoomsTracing.refused(validate, result instanceof ActionResult.Rejected r ? r.code() : "rejected");
            reply.complete(result);
            return null;
        }
        RoomsTracing.end(validate);
        RoomRecord.ActionTaken record = new RoomRecord.ActionTaken(action.seat(), action.type(), action.args(),
                ctx.clock.millis(), cause);
        if (!RoomRecord.ActionTaken.BY_PLAYER.equals(cause)) {
            ctx.metrics.botMove(cause);
        }
        return commit(live, record, accepted.events(),
                new Reply(() -> reply.complete(result), () -> { }, reply::completeExceptionally));
    }

    // ---------------------------------------------------------------- what happens next

    /**
     * Decides, from the room's state alone, what follows: a finished game goes to the archive (and
     * an archived one is evicted when its time is up); a running one arms its next wake-up.
     * Cancels whatever was armed before. A room step.
     */
    void next(LiveRoom live) {
        live.disarm();
        if (!ctx.active || live.needsRebuild) {
            return;
        }
        Room room = live.room();
        if (room.state() == RoomState.FINISHED) {
            if (!room.announced()) {
                announcer.start(live);
            }
            if (!room.archived()) {
                archive.start(live);
            } else if (room.announced() || room.closed() || ctx.bus == null) {
                // Without a bus a game is not held back for one: it is announced if a bus comes
                // while the room is still kept, else only the archive has it.
                evictLater(live, room.lastChangeAt() + finishedMillis() - ctx.clock.millis());
            }
            return;
        }
        if (!live.playable()) {
            return;
        }
        Optional<Wake> wake = decide(live);
        if (wake.isEmpty()) {
            return;
        }
        Wake w = wake.get();
        long delay = Math.max(0, w.at() - ctx.clock.millis());
        try {
            live.wake = w;
            live.wakeTimer = ctx.timers.schedule(() -> live.steps.submit(() -> fire(live, w)), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            live.wake = null; // deactivating
        }
    }

    /** The room's next wake-up under the current configuration and connections. */
    private Optional<Wake> decide(LiveRoom live) {
        RoomsConfig cfg = ctx.config;
        return Wake.next(live.room(), live.seats(graceMillis()), cfg.botThinkMillis(), cfg.idleTimeoutMillis());
    }

    /** How long a disconnected player's seat waits for them, ms. */
    long graceMillis() {
        return RoomsContext.clamp(ctx.config.disconnectGraceSeconds(), 0, 600) * 1000L;
    }

    /** A wake-up is due: take its move if it is still what the room waits for. A room step. */
    private CompletionStage<?> fire(LiveRoom live, Wake w) {
        if (live.wake != w) {
            return null; // superseded by a later decision
        }
        live.wake = null;
        live.wakeTimer = null;
        ctx.metrics.wakeLag(ctx.clock.millis() - w.at());
        if (!live.playable()) {
            return null;
        }
        if (ctx.eventStore == null) {
            // The move could not be stored: hold the game, visibly, until the store returns.
            pause(live, STORE_AWAY);
            return null;
        }
        // Every change decides again and arms a new wake-up, so the armed one is still the decision.
        Room room = live.room();
        Optional<Action> action = w.action(room.engine());
        if (action.isEmpty()) {
            return null;
        }
        return act(live, action.get(), w.kind().cause, new CompletableFuture<>());
    }

    /** For tests: takes the armed wake-up now, whatever its deadline. A room step. */
    CompletionStage<?> fireNow(LiveRoom live) {
        Wake w = live.wake;
        if (w == null) {
            return null;
        }
        if (!live.playable()) {
            return null;
        }
        live.disarm();
        Optional<Action> action = w.action(live.room().engine());
        return action.isEmpty() ? null : act(live, action.get(), w.kind().cause, new CompletableFuture<>());
    }

    // ---------------------------------------------------------------- pause, rebuild, end

    /** Pauses a running game and tells its players why. A room step. */
    void pause(LiveRoom live, String reason) {
        live.pauseReason(reason);
        live.disarm();
        publisher.refresh(live);
        publisher.broadcast(live, "game_paused", Map.of("reason", reason));
    }

    /**
     * Rebuilds a room from its latest snapshot and the later records ({@link Replay}), then
     * pauses or resumes it and decides what comes next. Used whenever the room's memory may
     * differ from its stream: at recovery, after a failed append, when its game bundle or the
     * event store returns. A room step.
     */
    void rebuild(LiveRoom live) {
        live.disarm();
        boolean wasPaused = live.paused();
        boolean finishedWithoutGame = live.room().state() == RoomState.FINISHED && live.room().engine() == null;
        EventStore es = ctx.eventStore;
        if (es == null) {
            live.needsRebuild = true;
            live.room().dropEngine();
            pause(live, STORE_AWAY);
            return;
        }
        try {
            Room room = replay.replay(live, es);
            live.needsRebuild = false;
            room.assumeLastMoveAt(ctx.clock.millis());
            if (room.state() == RoomState.PLAYING && room.engine() == null) {
                pause(live, "game '" + room.gameType() + "' is not available");
            } else {
                live.pauseReason("");
                if (wasPaused && room.state() == RoomState.PLAYING && !live.operatorPaused()) {
                    publisher.broadcast(live, "game_resumed", Map.of());
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof dev.ludus.api.event.EventStoreException store) {
                // The store said why (its code and message name the cause; its own log has the rest):
                // one line a room, not a stack trace a room when a whole store is away.
                LOG.error("room {}: cannot be rebuilt: {} ({})", live.id, store.getMessage(), store.code());
            } else {
                LOG.error("room {}: cannot be rebuilt", live.id, e);
            }
            live.room().dropEngine();
            live.needsRebuild = true;
            pause(live, "cannot be rebuilt: " + e.getMessage());
        }
        live.dropUnseated();
        publisher.refresh(live);
        if (finishedWithoutGame && live.room().engine() != null) {
            // Whoever followed the room while its game was away (a player who resumed into it
            // then got no final view) now gets the final view, with the result.
            publisher.gameEvents(live, List.of());
        }
        next(live);
    }

    /** The event store left: running games pause until it returns. A room step. */
    void storeLeft(LiveRoom live) {
        if (ctx.eventStore == null && live.room().state() == RoomState.PLAYING && live.pauseReason().isEmpty()) {
            pause(live, STORE_AWAY);
        }
    }

    /**
     * The event store is back: a room whose memory may differ from it is rebuilt; one that only
     * waited for it resumes where it stood. A room step.
     */
    void storeReturned(LiveRoom live) {
        if (live.needsRebuild) {
            rebuild(live);
        } else if (STORE_AWAY.equals(live.pauseReason())) {
            Room room = live.room();
            if (room.state() == RoomState.PLAYING && room.engine() == null) {
                pause(live, "game '" + room.gameType() + "' is not available");
                return;
            }
            live.pauseReason("");
            publisher.refresh(live);
            if (room.state() == RoomState.PLAYING && !live.operatorPaused()) {
                publisher.broadcast(live, "game_resumed", Map.of());
            }
            next(live);
        }
    }

    /**
     * A safety net under the scheduler: a running game with a move to make and nothing armed to
     * make it would wait for ever. Should never find one; if it does, it says so and decides
     * again. A room step; returns whether the room was stalled.
     */
    boolean unstall(LiveRoom live) {
        if (!ctx.active || !live.playable() || live.wake != null || ctx.eventStore == null) {
            return false;
        }
        if (decide(live).isEmpty()) {
            return false;
        }
        LOG.warn("room {}: running at version {} with nothing armed to make its next move; deciding again", live.id,
                live.room().version());
        next(live);
        return true;
    }

    /**
     * A player's connection came or went: the seat is now covered by the idle rule, or by a bot once
     * the grace has passed (the new decision arms that moment). A room step.
     */
    void connected(LiveRoom live, String playerId, boolean connected) {
        if (live.connected(playerId, connected, ctx.clock.millis())) {
            publisher.refresh(live);
            publisher.roomChanged(live);
            next(live);
        }
    }

    /** Ends an empty room durably with a {@code closed} record, then forgets it. A room step. */
    CompletionStage<?> closeIfEmpty(LiveRoom live, long limitMillis) {
        live.closing = false;
        Room room = live.room();
        if (ctx.eventStore == null || live.needsRebuild || room.closed() || room.state() == RoomState.FINISHED
                || live.emptySince == 0 || ctx.clock.millis() - live.emptySince < limitMillis
                || ctx.rooms.get(live.id) != live) {
            return null;
        }
        RoomRecord.Closed close = new RoomRecord.Closed(room.hasHuman()
                ? "no seated player was connected to the waiting room for " + limitMillis / 1000 + " s"
                : "nobody sat in the room for " + limitMillis / 1000 + " s");
        return commit(live, close, List.of(), Reply.afterEffects(() -> { },
                e -> LOG.warn("room {}: could not be closed, will try again: {}", live.id, e.getMessage())));
    }

    /**
     * Ends a running game whose seated players have all been away {@code limitMillis}, as an
     * operator's end does ({@code ended} record: the result so far, archived). A room step.
     */
    CompletionStage<?> endIfAbandoned(LiveRoom live, long limitMillis) {
        live.ending = false;
        Room room = live.room();
        if (ctx.eventStore == null || live.needsRebuild || room.state() != RoomState.PLAYING
                || live.abandonedSince == 0 || ctx.clock.millis() - live.abandonedSince < limitMillis
                || ctx.rooms.get(live.id) != live) {
            return null;
        }
        RoomRecord.Ended end = new RoomRecord.Ended("no player was connected to the game for " + limitMillis / 1000 + " s",
                "rooms");
        LOG.info("room {}: ending its game: no player was connected to it for {} s", live.id, limitMillis / 1000);
        return commit(live, end, List.of(), Reply.afterEffects(() -> { },
                e -> LOG.warn("room {}: its abandoned game could not be ended, will try again: {}", live.id, e.getMessage())));
    }

    long finishedMillis() {
        return RoomsContext.clamp(ctx.config.finishedRoomSeconds(), 0, 86_400) * 1000L;
    }

    /** Forgets the room after {@code millis} (at once if not positive), unless already armed. */
    void evictLater(LiveRoom live, long millis) {
        if (live.eviction != null) {
            return;
        }
        try {
            live.eviction = ctx.timers.schedule(() -> live.steps.run(() -> forget(live)), Math.max(0, millis),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // deactivating: every room goes anyway
        }
    }

    /** Forgets a room that has ended for good: memory, subscriptions, timers, store entry. A room step. */
    void forget(LiveRoom live) {
        live.disarm();
        ctx.rooms.remove(live.id, live);
        live.subscribers.clear();
        publisher.unpublish(live);
        ctx.clusterRooms.released(live.id);
    }

    /**
     * Why a change was not stored, as the player who asked may read it: the store's stable code,
     * never its message, which for an I/O error names the server's files and the exception (the
     * store logs the whole cause itself).
     */
    static String publicReason(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof dev.ludus.api.event.WrongExpectedVersionException) {
            return "the room changed meanwhile (wrong_expected_version)";
        }
        if (c instanceof dev.ludus.api.event.EventStoreException e) {
            String code = e.code() == null ? "unknown" : e.code();
            return switch (code) {
                case "io_error" -> "the server could not write it to its disk (io_error)";
                case "overloaded" -> "the event store is overloaded (overloaded)";
                case "store_closed" -> "the event store is closed (store_closed)";
                default -> "the event store refused it (" + code + ")";
            };
        }
        return "an internal error (the server's log says more)";
    }

    /** What failed, without the wrappers of a future that completed with it. */
    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
