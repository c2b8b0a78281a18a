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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomListener;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.store.GameStore;
import dev.ludus.api.store.Versioned;

/**
 * The rooms runtime as a Declarative Services component: its references, its lifecycle and
 * configuration, and the {@link RoomService} it offers, each call turned into a step of the room
 * it concerns. The work is done by {@link RoomDriver} (the write path and the scheduler),
 * {@link Recovery}, {@link ArchiveHandOver}, {@link Publisher} and {@link RoomsHealth}; the state
 * by {@link Room}, changed only by the typed {@link RoomRecord}s of the room's stream
 * ({@code room-<id>}).
 *
 * <p>Dependencies are dynamic: games, the event store, snapshots, the active game store and the
 * archive may come and go while rooms run. Without its game or the event store a game pauses
 * (health DEGRADED, actions refused with {@code game_paused}/{@code unavailable}) and resumes by
 * itself.
 */
@Component(service = {RoomService.class, HealthCheck.class}, configurationPid = RoomRuntime.PID)
@Designate(ocd = RoomsConfig.class)
public class RoomRuntime implements RoomService, HealthCheck {

    static final String PID = "dev.ludus.rooms";
    static final String STREAM_PREFIX = "room-";
    private static final Logger LOG = LoggerFactory.getLogger(RoomRuntime.class);
    private static final long CALL_TIMEOUT_SECONDS = 30;

    private final RoomsContext ctx = new RoomsContext();
    private final Publisher publisher = new Publisher(ctx);
    private final Snapshots snapshots = new Snapshots(ctx);
    private final RoomDriver driver = new RoomDriver(ctx, publisher, snapshots);
    private final Recovery recovery = new Recovery(ctx, driver, publisher, snapshots);
    private final RoomsHealth health = new RoomsHealth(ctx, recovery);
    private final RoomQuota quota = new RoomQuota();

    public RoomRuntime() {
        driver.recovery(recovery);
    }

    // ---------------------------------------------------------------- lifecycle

    @Activate
    void activate(RoomsConfig cfg) {
        ctx.config = cfg;
        int threads = cfg.threads() > 0 ? cfg.threads() : Runtime.getRuntime().availableProcessors();
        ctx.workers = Executors.newFixedThreadPool(threads, named("ludus-rooms"));
        ctx.timers = Executors.newSingleThreadScheduledExecutor(named("ludus-rooms-timer"));
        ctx.background = Executors.newSingleThreadExecutor(named("ludus-rooms-io"));
        ctx.active = true;
        // The configuration guard refuses a retry period below 1 s; without it, 0 would make the
        // scheduler throw and the whole runtime fail to activate.
        int retry = cfg.archiveRetrySeconds();
        if (retry < 1) {
            LOG.warn("configuration {}: archiveRetrySeconds must be 1..3600, got {}; using 5", PID, retry);
            retry = 5;
        }
        ctx.timers.scheduleWithFixedDelay(driver.archive()::retryAll, retry, retry, TimeUnit.SECONDS);
        // Cheap: looks at one volatile field per room; only rooms due to close get a step.
        ctx.timers.scheduleWithFixedDelay(this::closeEmptyRooms, 1, 1, TimeUnit.SECONDS);
        if (ctx.eventStore != null) {
            recovery.recoverAll();
        }
    }

    @Modified
    void modified(RoomsConfig cfg) {
        RoomsConfig before = ctx.config;
        ctx.config = cfg;
        if (before != null && cfg.archiveRetryQuarantined() != before.archiveRetryQuarantined() && ctx.active) {
            ctx.background.execute(driver.archive()::retryAll); // an operator asks for quarantined hand-overs again
        }
        // New think and idle times apply at once, not after the moves already armed.
        eachRoom(live -> driver.next(live));
    }

    @Deactivate
    void deactivate() {
        ctx.active = false;
        // Finish what is queued, then snapshot running games so the next start replays little.
        CountDownLatch done = new CountDownLatch(ctx.rooms.size());
        for (LiveRoom live : ctx.rooms.values()) {
            live.steps.run(() -> {
                try {
                    live.disarm();
                    if (live.room().state() == RoomState.PLAYING && live.room().version() > live.snapshotVersion) {
                        snapshots.save(live, false);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                LOG.warn("rooms: {} rooms did not settle within 10 s of deactivation", done.getCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ctx.timers.shutdownNow();
        ctx.background.shutdown();
        ctx.workers.shutdown();
        try {
            ctx.background.awaitTermination(5, TimeUnit.SECONDS);
            ctx.workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (LiveRoom live : ctx.rooms.values()) {
            RoomEvent stopping = new RoomEvent(live.id, live.room().version(), "game_paused",
                    Map.of("reason", "rooms runtime stopping"));
            live.subscribers.forEach(s -> Publisher.deliver(live, s, stopping));
        }
        ctx.rooms.clear();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Runs {@code step} as a step of every room. */
    private void eachRoom(java.util.function.Consumer<LiveRoom> step) {
        for (LiveRoom live : ctx.rooms.values()) {
            live.steps.run(() -> step.accept(live));
        }
    }

    // ---------------------------------------------------------------- references

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEventStore(EventStore store) {
        ctx.eventStore = store;
        if (!ctx.active) {
            return;
        }
        if (!recovery.started()) {
            recovery.recoverAll();
        } else {
            eachRoom(live -> {
                if (live.needsRebuild) {
                    recovery.rebuild(live);
                }
            });
        }
    }

    void unbindEventStore(EventStore store) {
        if (ctx.eventStore == store) {
            ctx.eventStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSnapshotStore(SnapshotStore store) {
        ctx.snapshotStore = store;
    }

    void unbindSnapshotStore(SnapshotStore store) {
        if (ctx.snapshotStore == store) {
            ctx.snapshotStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindGameStore(GameStore store) {
        ctx.gameStore = store;
        // A new store starts empty: publish every room into it.
        eachRoom(live -> {
            live.storeVersion = 0;
            publisher.refresh(live);
        });
    }

    void unbindGameStore(GameStore store) {
        if (ctx.gameStore == store) {
            ctx.gameStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindArchive(ArchiveService service) {
        ctx.archive = service;
        if (ctx.active) {
            ctx.background.execute(driver.archive()::retryAll);
        }
    }

    void unbindArchive(ArchiveService service) {
        if (ctx.archive == service) {
            ctx.archive = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindGame(GameDefinition definition) {
        ctx.games.put(definition.type(), definition);
        if (!ctx.active) {
            return;
        }
        eachRoomOf(definition.type(), live -> {
            if (live.paused() || live.needsRebuild) {
                recovery.rebuild(live);
            }
        });
    }

    void unbindGame(GameDefinition definition) {
        ctx.games.remove(definition.type(), definition);
        if (!ctx.active) {
            return;
        }
        eachRoomOf(definition.type(), live -> {
            Room room = live.room();
            if (room.engine() != null) {
                // Keep the newest state so resuming replays nothing; then drop every object of the
                // leaving bundle.
                if (room.version() > live.snapshotVersion) {
                    snapshots.save(live, false);
                }
                room.dropEngine();
            }
            if (room.state() == RoomState.PLAYING) {
                driver.pause(live, "game '" + room.gameType() + "' is not available");
            }
        });
    }

    private void eachRoomOf(String gameType, java.util.function.Consumer<LiveRoom> step) {
        for (LiveRoom live : ctx.rooms.values()) {
            live.steps.run(() -> {
                if (gameType.equals(live.room().gameType())) {
                    step.accept(live);
                }
            });
        }
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
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new RoomException(RoomException.BAD_OPTIONS, "a room name must have 1 to 100 characters");
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
        LiveRoom r = roomId == null ? null : ctx.rooms.get(roomId);
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

    private void requireActive() {
        if (!ctx.active) {
            throw new RoomException(RoomException.UNAVAILABLE, "the rooms runtime is stopping");
        }
        if (ctx.eventStore == null) {
            throw new RoomException(RoomException.UNAVAILABLE, "the event store is not available");
        }
    }

    private LiveRoom room(String roomId) {
        LiveRoom live = roomId == null ? null : ctx.rooms.get(roomId);
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
        LiveRoom live = roomId == null ? null : ctx.rooms.get(roomId);
        if (live == null) {
            reply.completeExceptionally(new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId));
            return reply;
        }
        if (type == null || type.isBlank()) {
            reply.completeExceptionally(new RoomException(RoomException.BAD_OPTIONS, "an action needs a type"));
            return reply;
        }
        Map<String, Object> arguments = args == null ? Map.of() : args;
        RoomsConfig cfg = ctx.config;
        ActionResult.Rejected tooBig = new ArgumentCheck(RoomsContext.clamp(cfg.maxArgumentDepth(), 1, 64),
                RoomsContext.clamp(cfg.maxArgumentBytes(), 64, 65536)).limits(arguments);
        if (tooBig != null) {
            reply.complete(tooBig);
            return reply;
        }
        live.steps.submit(() -> {
            int seat = live.room().seatOf(playerId);
            if (seat < 0) {
                reply.completeExceptionally(new RoomException(RoomException.NOT_IN_ROOM, playerId + " has no seat in room " + roomId));
                return null;
            }
            ActionResult.Rejected undeclared = ArgumentCheck.declared(declaredActions(live.room().gameType()), type, arguments);
            if (undeclared != null) {
                reply.complete(undeclared);
                return null;
            }
            return driver.act(live, new Action(seat, type, arguments), RoomRecord.ActionTaken.BY_PLAYER, reply);
        });
        return reply;
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
                if (room.state() == RoomState.FINISHED) {
                    v.put("result", room.engine().result());
                }
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

    // ---------------------------------------------------------------- empty rooms

    /** Queues a close for every room nobody has sat in for {@code emptyRoomSeconds}. Timer thread. */
    private void closeEmptyRooms() {
        try {
            if (!ctx.active || ctx.eventStore == null) {
                return;
            }
            long limit = RoomsContext.clamp(ctx.config.emptyRoomSeconds(), 1, 604_800) * 1000L;
            long now = ctx.clock.millis();
            for (LiveRoom live : ctx.rooms.values()) {
                long since = live.emptySince;
                if (since > 0 && now - since >= limit && !live.closing) {
                    live.closing = true;
                    live.steps.submit(() -> driver.closeIfEmpty(live, limit));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("rooms: closing empty rooms failed", e);
        }
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "rooms";
    }

    /** Ready once the rooms that ran before the restart are back, so no player finds one missing. */
    @Override
    public boolean ready() {
        return recovery.done();
    }

    @Override
    public HealthResult check() {
        return health.check();
    }

    // ---------------------------------------------------------------- helpers

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RoomException re) {
                throw re;
            }
            throw new RoomException(RoomException.UNAVAILABLE, RoomDriver.rootMessage(e));
        } catch (TimeoutException e) {
            throw new RoomException(RoomException.UNAVAILABLE, "no answer within " + CALL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoomException(RoomException.UNAVAILABLE, "interrupted");
        }
    }

    /** For tests: waits until every room has run the steps queued so far. */
    void settle() throws InterruptedException {
        for (LiveRoom live : List.copyOf(ctx.rooms.values())) {
            CountDownLatch l = new CountDownLatch(1);
            live.steps.run(l::countDown);
            l.await(30, TimeUnit.SECONDS);
        }
    }

    /** For tests: the runtime's shared state. */
    RoomsContext context() {
        return ctx;
    }

    /** For tests: takes the room's armed wake-up now, whatever its deadline. */
    void wakeNow(String roomId) throws InterruptedException {
        LiveRoom live = room(roomId);
        CountDownLatch l = new CountDownLatch(1);
        live.steps.submit(() -> {
            CompletionStage<?> s = driver.fireNow(live);
            if (s == null) {
                l.countDown();
                return null;
            }
            return s.whenComplete((r, e) -> l.countDown());
        });
        l.await(30, TimeUnit.SECONDS);
    }

    /** For tests: stops dead, as a crash would: no snapshots, nothing more written. */
    void halt() {
        ctx.active = false;
        ctx.eventStore = null;
        ctx.timers.shutdownNow();
        ctx.background.shutdownNow();
        ctx.workers.shutdownNow();
    }
}
