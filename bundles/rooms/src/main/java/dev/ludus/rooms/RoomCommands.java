package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomListener;
import dev.ludus.api.rooms.RoomOperations;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.store.GameStore;
import dev.ludus.api.store.Versioned;

/**
 * The {@link RoomService} and {@link RoomOperations} calls: each is checked for what can be refused at once (unknown room,
 * bad input, caps), then run as a step of the room it concerns, where {@link LobbyRules} or the
 * engine judge it against the current state and {@link RoomDriver} commits it. Lobby calls wait
 * for the outcome (at most {@value #CALL_TIMEOUT_SECONDS} s); actions answer with a stage.
 */
final class RoomCommands implements RoomService, RoomOperations {

    private static final Logger LOG = LoggerFactory.getLogger(RoomCommands.class);
    private static final long CALL_TIMEOUT_SECONDS = 30;

    private final RoomsContext ctx;
    private final RoomDriver driver;
    private final RoomQuota quota = new RoomQuota();

    RoomCommands(RoomsContext ctx, RoomDriver driver) {
        this.ctx = ctx;
        this.driver = driver;
    }

    // ---------------------------------------------------------------- lobby

    @Override
    public RoomInfo create(String gameType, String name, Map<String, String> options) {
        return create(gameType, name, options, null);
    }

    @Override
    public RoomInfo create(String gameType, String name, Map<String, String> options, String createdBy) {
        String roomId = UUID.randomUUID().toString();
        if (createdBy == null) {
            return createRoom(roomId, gameType, name, options, null);
        }
        LobbyRules.requirePlayer(createdBy);
        int limit = RoomsContext.clamp(ctx.config.maxOpenRoomsPerPlayer(), 1, 100_000);
        Runnable release = quota.reserve(createdBy, roomId, limit, this::openRoomsOf);
        try {
            return createRoom(roomId, gameType, name, options, createdBy);
        } finally {
            release.run();
        }
    }

    /** Rooms {@code player} created that are not finished, leaving out those still {@code reserved}. */
    private int openRoomsOf(String player, Set<String> reserved) {
        int n = 0;
        for (LiveRoom r : ctx.rooms.values()) {
            RoomInfo i = r.info;
            if (player.equals(r.createdBy) && i != null && i.state() != RoomState.FINISHED && !reserved.contains(r.id)) {
                n++;
            }
        }
        return n;
    }

    private RoomInfo createRoom(String roomId, String gameType, String name, Map<String, String> options, String createdBy) {
        GameDefinition def = ctx.game(gameType);
        if (def == null) {
            throw new RoomException(RoomException.UNKNOWN_GAME, "no game of type '" + gameType + "' is installed; installed: "
                    + ctx.games.keySet().stream().sorted().toList());
        }
        if (name == null || name.isBlank() || name.length() > 100 || LobbyRules.hasControl(name)) {
            throw new RoomException(RoomException.BAD_OPTIONS,
                    "a room name must have 1 to 100 characters and no control characters or bidirectional overrides");
        }
        Map<String, String> opts = options == null ? Map.of() : Map.copyOf(options);
        int seats = def.maxSeats();
        try {
            List<GameSetup.Player> trial = new ArrayList<>();
            for (int i = 0; i < seats; i++) {
                trial.add(new GameSetup.Player("bot-" + i, "bot", true));
            }
            def.create(new GameSetup("options-check", 0, trial, opts));
        } catch (IllegalArgumentException e) {
            throw new RoomException(RoomException.BAD_OPTIONS, e.getMessage());
        }
        requireActive();
        ctx.clusterRooms.claimNew(roomId);
        LiveRoom live = ctx.newRoom(roomId);
        RoomRecord.Created created = new RoomRecord.Created(name.strip(), gameType, createdBy, opts, ctx.clock.millis(), seats);
        CompletableFuture<RoomInfo> reply = new CompletableFuture<>();
        live.steps.submit(() -> driver.commit(live, created, List.of(), lobbyReply(live, reply)));
        return await(reply);
    }

    @Override
    public List<RoomInfo> list() {
        return ctx.rooms.values().stream().map(r -> r.info).filter(i -> i != null && i.state() != RoomState.FINISHED)
                .sorted(Comparator.comparing(RoomInfo::createdAt)).toList();
    }

    @Override
    public RoomPage list(RoomQuery query) {
        return ctx.lobby.page(query == null ? RoomQuery.first(100) : query);
    }

    @Override
    public long lobbyVersion() {
        return ctx.lobby.version();
    }

    @Override
    public List<RoomInfo> roomsOf(String playerId) {
        if (playerId == null) {
            return List.of();
        }
        List<RoomInfo> out = new ArrayList<>();
        for (LiveRoom r : ctx.rooms.values()) {
            RoomInfo i = r.info;
            if (i != null && i.seatOf(playerId) >= 0 && !r.leftAfterEnd.contains(playerId)) {
                out.add(i);
            }
        }
        out.sort(Comparator.comparing((RoomInfo i) -> i.state() == RoomState.FINISHED)
                .thenComparing(RoomInfo::createdAt, Comparator.reverseOrder()));
        return out;
    }

    @Override
    public Optional<RoomInfo> get(String roomId) {
        LiveRoom r = ctx.room(roomId);
        if (r != null && r.info == null) {
            // Woken just now, or still being rebuilt: answer from the rebuilt room.
            CompletableFuture<Void> rebuilt = new CompletableFuture<>();
            r.steps.run(() -> rebuilt.complete(null));
            await(rebuilt);
        }
        if (r == null || r.info == null) {
            // Not (or not yet) held here: what the store may still hold is from an earlier runtime.
            return Optional.empty();
        }
        GameStore store = ctx.gameStore;
        if (store != null) {
            Optional<Versioned<RoomInfo>> v = store.get(Publisher.STORE_PREFIX + roomId);
            if (v.isPresent()) {
                return Optional.of(v.get().value());
            }
        }
        return Optional.ofNullable(r.info);
    }

    @Override
    public RoomInfo join(String roomId, String playerId, String playerName) {
        LobbyRules.requirePlayer(playerId);
        return lobby(roomId, room -> LobbyRules.join(room, playerId, playerName));
    }

    @Override
    public RoomInfo leave(String roomId, String playerId) {
        LiveRoom live = room(roomId);
        return lobby(roomId, room -> {
            if (room.state() == RoomState.FINISHED && room.seatOf(playerId) >= 0) {
                live.leftAfterEnd.add(playerId); // its result is no longer shown to this player on resume
            }
            return LobbyRules.leave(room, playerId);
        });
    }

    @Override
    public RoomInfo addBot(String roomId) {
        return lobby(roomId, LobbyRules::addBot);
    }

    @Override
    public RoomInfo removeBot(String roomId, int seat) {
        return lobby(roomId, room -> LobbyRules.removeBot(room, seat));
    }

    @Override
    public RoomInfo start(String roomId) {
        return lobby(roomId, room -> LobbyRules.start(room, ctx.game(room.gameType()) != null, ctx.seeds.nextLong(),
                ctx.clock.millis()));
    }

    // ---------------------------------------------------------------- operators

    @Override
    public RoomInfo pause(String roomId, String reason, String by) {
        LobbyRules.requireOperator(reason == null ? "" : reason, by);
        return lobby(roomId, room -> LobbyRules.operatorPause(room, reason.strip(), by.strip()));
    }

    @Override
    public RoomInfo resume(String roomId, String by) {
        LobbyRules.requireOperator(null, by);
        return lobby(roomId, room -> LobbyRules.operatorResume(room, by.strip(), ctx.clock.millis()));
    }

    @Override
    public RoomInfo end(String roomId, String reason, String by) {
        LobbyRules.requireOperator(reason == null ? "" : reason, by);
        return lobby(roomId, room -> LobbyRules.end(room, reason.strip(), by.strip()));
    }

    @Override
    public RoomInfo removePlayer(String roomId, String playerId, String reason, String by) {
        LobbyRules.requirePlayer(playerId);
        LobbyRules.requireOperator(reason == null ? "" : reason, by);
        return lobby(roomId, room -> LobbyRules.remove(room, playerId, reason.strip(), by.strip()));
    }

    private void requireActive() {
        if (!ctx.active) {
            throw new RoomException(RoomException.UNAVAILABLE, "the rooms runtime is stopping");
        }
        if (ctx.eventStore == null) {
            throw new RoomException(RoomException.UNAVAILABLE, "the event store is not available");
        }
    }

    private LiveRoom room(String roomId) {
        LiveRoom live = ctx.room(roomId);
        if (live == null) {
            throw new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId);
        }
        return live;
    }

    /**
     * Runs a lobby change as a room step: {@code change} checks it against the current state and
     * returns the record to commit, or null for no change.
     */
    private RoomInfo lobby(String roomId, Function<Room, RoomRecord> change) {
        LiveRoom live = room(roomId);
        requireActive();
        CompletableFuture<RoomInfo> reply = new CompletableFuture<>();
        live.steps.submit(() -> {
            RoomRecord record;
            try {
                if (live.needsRebuild) {
                    throw new RoomException(RoomException.GAME_PAUSED, "room " + roomId + " is being restored");
                }
                record = change.apply(live.room());
            } catch (RoomException e) {
                reply.completeExceptionally(e);
                return null;
            }
            if (record == null) {
                reply.complete(live.info);
                return null;
            }
            return driver.commit(live, record, List.of(), lobbyReply(live, reply));
        });
        return await(reply);
    }

    /** A lobby change answers with the room's info once its events went out. */
    private static RoomDriver.Reply lobbyReply(LiveRoom live, CompletableFuture<RoomInfo> reply) {
        return RoomDriver.Reply.afterEffects(() -> reply.complete(live.info), reply::completeExceptionally);
    }

    // ---------------------------------------------------------------- playing

    @Override
    public CompletionStage<ActionResult> act(String roomId, String playerId, String type, Map<String, Object> args) {
        CompletableFuture<ActionResult> reply = new CompletableFuture<>();
        Span span = ctx.tracing.startAct(roomId, type);
        LiveRoom live = ctx.room(roomId);
        if (live == null) {
            RoomsTracing.refused(span, RoomException.NO_SUCH_ROOM);
            reply.completeExceptionally(new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId));
            return reply;
        }
        if (type == null || type.isBlank()) {
            RoomsTracing.refused(span, RoomException.BAD_OPTIONS);
            reply.completeExceptionally(new RoomException(RoomException.BAD_OPTIONS, "an action needs a type"));
            return reply;
        }
        Map<String, Object> arguments = args == null ? Map.of() : args;
        RoomsConfig cfg = ctx.config;
        ActionResult.Rejected tooBig = new ArgumentCheck(RoomsContext.clamp(cfg.maxArgumentDepth(), 1, 64),
                RoomsContext.clamp(cfg.maxArgumentBytes(), 64, 65536)).limits(arguments);
        if (tooBig != null) {
            RoomsTracing.refused(span, tooBig.code());
            reply.complete(tooBig);
            return reply;
        }
        if (live.slowAppendSince != 0) {
            // Not queued behind a move the disk has not taken yet: the player tries again.
            RoomsTracing.refused(span, RoomException.GAME_PAUSED);
            reply.completeExceptionally(new RoomException(RoomException.GAME_PAUSED, "the game is paused: the event"
                    + " store is slow (a move has waited over " + ctx.config.slowAppendMillis() + " ms); try again in a"
                    + " moment"));
            return reply;
        }
        RoomsMetrics metrics = ctx.metrics;
        if (metrics.recording()) {
            long arrived = System.nanoTime();
            reply.whenComplete((result, error) -> measure(metrics, live, type, result, error, arrived));
        }
        // The step runs under this span (the queue carries the current context, as it carries the
        // log's), so the validation, the append, the apply and the broadcast are its children.
        Map<String, String> log = MDC.getCopyOfContextMap();
        if (span.getSpanContext().isValid() && MDC.get(RoomsTracing.LOG_TRACE_ID) == null) {
            MDC.put(RoomsTracing.LOG_TRACE_ID, span.getSpanContext().getTraceId()); // a caller other than the gateway
        }
        try (Scope scope = span.getSpanContext().isValid() ? span.makeCurrent() : Scope.noop()) {
            live.steps.submit(() -> RoomsTracing.endWhenDone(span, actStep(live, playerId, type, arguments, reply)));
        } finally {
            if (log == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(log);
            }
        }
        return reply;
    }

    /** A player's action as a room step: seat and declared action checked, then the driver's. */
    private CompletionStage<?> actStep(LiveRoom live, String playerId, String type, Map<String, Object> arguments,
                                       CompletableFuture<ActionResult> reply) {
        Span validate = ctx.tracing.startInner("rooms.validate");
        int seat = live.room().seatOf(playerId);
        if (seat < 0) {
            RoomsTracing.refused(validate, RoomException.NOT_IN_ROOM);
            reply.completeExceptionally(new RoomException(RoomException.NOT_IN_ROOM, playerId + " has no seat in room " + live.id));
            return null;
        }
        ActionResult.Rejected undeclared = ArgumentCheck.declared(declaredActions(live.room().gameType()), type, arguments);
        if (undeclared != null) {
            RoomsTracing.refused(validate, undeclared.code());
            reply.complete(undeclared);
            return null;
        }
        return driver.act(live, new Action(seat, type, arguments), RoomRecord.ActionTaken.BY_PLAYER, reply, validate);
    }

    /** Counts and times a player's action once answered; its type as the game declares it, or "other". */
    private void measure(RoomsMetrics metrics, LiveRoom live, String type, ActionResult result, Throwable error, long arrived) {
        long nanos = System.nanoTime() - arrived;
        RoomInfo info = live.info;
        String game = info == null ? null : info.gameType();
        String outcome = result instanceof ActionResult.Rejected r ? r.code()
                : result != null ? "accepted"
                : error instanceof RoomException re ? re.code() : "error";
        String action = declaredActions(game).stream().anyMatch(s -> s.type().equals(type)) ? type : "other";
        metrics.action(game, action, outcome, nanos);
    }

    /** The actions the room's game declares; empty if it declares none or is away. */
    private List<ActionSpec> declaredActions(String gameType) {
        GameDefinition def = ctx.game(gameType);
        if (def == null) {
            return List.of();
        }
        try {
            List<ActionSpec> specs = def.actions();
            return specs == null ? List.of() : specs;
        } catch (RuntimeException e) {
            LOG.warn("game {}: its action declaration failed, only generic limits apply: {}", gameType, e.toString());
            return List.of();
        }
    }

    @Override
    public dev.ludus.api.rooms.GameReplay replay(byte[] record, int seat) {
        return new GameReplays(ctx).replay(record, seat);
    }

    @Override
    public Map<String, Object> view(String roomId, String playerId) {
        LiveRoom live = room(roomId);
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        live.steps.run(() -> {
            Room room = live.room();
            int seat = room.seatOf(playerId);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("room", live.info);
            v.put("seat", seat);
            if (room.engine() != null) {
                v.put("gameVersion", room.engine().version());
                v.put("game", Publisher.view(live, seat));
                v.put("allowedActions", seat < 0 ? List.of() : room.engine().allowedActions(seat));
            }
            Map<String, Object> result = room.finishedResult();
            if (result != null) {
                v.put("result", result); // also while the game's bundle is away
            }
            reply.complete(v);
        });
        return await(reply);
    }

    @Override
    public AutoCloseable subscribe(String roomId, String playerId, RoomListener listener) {
        LiveRoom live = room(roomId);
        LiveRoom.Subscriber s = new LiveRoom.Subscriber(playerId, listener);
        live.subscribers.add(s);
        return () -> live.subscribers.remove(s);
    }

    @Override
    public void setConnected(String roomId, String playerId, boolean connected) {
        LiveRoom live = room(roomId);
        live.steps.run(() -> driver.connected(live, playerId, connected));
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RoomException re) {
                throw re;
            }
            if (!RoomDriver.storeRefused(e)) {
                RoomDriver.UNEXPECTED.warn(LOG, "a rooms call failed unexpectedly", e.getCause());
            }
            throw new RoomException(RoomException.UNAVAILABLE, RoomDriver.publicReason(e));
        } catch (TimeoutException e) {
            throw new RoomException(RoomException.UNAVAILABLE, "no answer within " + CALL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoomException(RoomException.UNAVAILABLE, "interrupted");
        }
    }
}
