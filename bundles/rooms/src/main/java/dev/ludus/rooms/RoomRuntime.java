package dev.ludus.rooms;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
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

import com.codahale.metrics.MetricRegistry;

import io.opentelemetry.api.OpenTelemetry;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomListener;
import dev.ludus.api.rooms.RoomOperations;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.store.GameStore;

/**
 * The rooms runtime as a Declarative Services component: its references, its lifecycle and
 * configuration, and the {@link RoomService} and {@link RoomOperations} it offers ({@link RoomCommands}
 * turns each call into a step of the room it concerns). The work is done by {@link RoomDriver} (the write path and the scheduler),
 * {@link Recovery}, {@link ArchiveHandOver}, {@link Publisher} and {@link RoomsHealth}; the state
 * by {@link Room}, changed only by the typed {@link RoomRecord}s of the room's stream
 * ({@code room-<id>}).
 *
 * <p>Dependencies are dynamic: games, the event store, snapshots, the active game store and the
 * archive may come and go while rooms run. Without its game or the event store a game pauses
 * (health DEGRADED, actions refused with {@code game_paused}/{@code unavailable}) and resumes by
 * itself.
 */
@Component(service = {RoomService.class, RoomOperations.class, HealthCheck.class}, configurationPid = RoomRuntime.PID)
@Designate(ocd = RoomsConfig.class)
public class RoomRuntime implements RoomService, RoomOperations, HealthCheck {

    static final String PID = RoomsContext.PID;
    static final String STREAM_PREFIX = RoomsContext.STREAM_PREFIX;
    private static final Logger LOG = LoggerFactory.getLogger(RoomRuntime.class);

    private final RoomsContext ctx = new RoomsContext();
    private final Publisher publisher = new Publisher(ctx);
    private final Snapshots snapshots = new Snapshots(ctx);
    private final RoomDriver driver = new RoomDriver(ctx, publisher, snapshots);
    private final Recovery recovery = new Recovery(ctx, driver);
    private final RoomsHealth health = new RoomsHealth(ctx, recovery);
    private final RoomCommands commands = new RoomCommands(ctx, driver);

    // ---------------------------------------------------------------- lifecycle

    @Activate
    void activate(RoomsConfig cfg) {
        ctx.config = cfg;
        logTimes(cfg);
        int threads = cfg.threads() > 0 ? cfg.threads() : Runtime.getRuntime().availableProcessors();
        ThreadFactory workerThreads = named("ludus-rooms");
        ctx.workers = Executors.newFixedThreadPool(threads, r -> workerThreads.newThread(() -> {
            ctx.markWorker();
            r.run();
        }));
        // Every action re-arms its room's wake-up (cancel, then schedule). A cancelled wake-up is
        // taken out of the queue at once: left there until its time (the idle timeout, 30 s by
        // default) it woke the timer thread only to be discarded, once per action, and the queue
        // held one dead task per action of the last 30 s.
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, named("ludus-rooms-timer"));
        timers.setRemoveOnCancelPolicy(true);
        ctx.timers = timers;
        ctx.background = Executors.newSingleThreadExecutor(named("ludus-rooms-io"));
        ctx.active = true;
        // The configuration guard refuses a retry period below 1 s; without it, 0 would make the
        // scheduler throw and the whole runtime fail to activate.
        int retry = cfg.archiveRetrySeconds();
        if (retry < 1) {
            LOG.warn("configuration {}: archiveRetrySeconds must be 1..3600, got {}; using 5", PID, retry);
            retry = 5;
        }
        ctx.timers.scheduleWithFixedDelay(driver::retryFinished, retry, retry, TimeUnit.SECONDS);
        // Cheap: looks at one volatile field per room; only rooms due to close get a step.
        ctx.timers.scheduleWithFixedDelay(this::closeEmptyRooms, 1, 1, TimeUnit.SECONDS);
        ctx.timers.scheduleWithFixedDelay(this::checkStalls, ctx.stallCheckMillis, ctx.stallCheckMillis, TimeUnit.MILLISECONDS);
        ctx.timers.scheduleWithFixedDelay(driver::findSlowAppends, 100, 100, TimeUnit.MILLISECONDS);
        // In a cluster: rooms whose node's lease lapsed are adopted (nothing on a single node).
        ctx.timers.scheduleWithFixedDelay(() -> ctx.background.execute(ctx.clusterRooms::adoptOrphans), 1, 1, TimeUnit.SECONDS);
        if (ctx.eventStore != null) {
            recovery.recoverAll();
        } else {
            ctx.eventStoreGoneAt = ctx.clock.millis();
        }
    }

    @Modified
    void modified(RoomsConfig cfg) {
        RoomsConfig before = ctx.config;
        ctx.config = cfg;
        if (before != null && cfg.archiveRetryQuarantined() != before.archiveRetryQuarantined() && ctx.active) {
            ctx.background.execute(driver::retryFinished); // an operator asks for quarantined hand-overs again
        }
        // New think, idle and grace times apply at once, not after the moves already armed.
        eachRoom(live -> driver.next(live));
        logTimes(cfg);
    }

    /** The times operators change most, logged whenever the settings are (re)applied. */
    private static void logTimes(RoomsConfig cfg) {
        LOG.info("rooms settings applied: bot think {} ms, idle timeout {} ms, disconnect grace {} s",
                cfg.botThinkMillis(), cfg.idleTimeoutMillis(), cfg.disconnectGraceSeconds());
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
        ctx.asleep.clear();
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
        ctx.eventStoreGoneAt = 0;
        if (!ctx.active) {
            return;
        }
        if (!recovery.started()) {
            recovery.recoverAll();
        } else {
            eachRoom(driver::storeReturned);
        }
    }

    void unbindEventStore(EventStore store) {
        if (ctx.eventStore == store) {
            ctx.eventStore = null;
            ctx.eventStoreGoneAt = ctx.clock.millis();
            if (ctx.active) {
                eachRoom(driver::storeLeft);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCluster(dev.ludus.api.cluster.Cluster cluster) {
        ctx.cluster = cluster;
        if (ctx.active && ctx.eventStore != null && !recovery.started()) {
            recovery.recoverAll(); // it waited for the cluster (requireCluster)
        }
    }

    void unbindCluster(dev.ludus.api.cluster.Cluster cluster) {
        if (ctx.cluster == cluster) {
            ctx.cluster = null;
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
            ctx.background.execute(driver::retryFinished);
        }
    }

    void unbindArchive(ArchiveService service) {
        if (ctx.archive == service) {
            ctx.archive = null;
        }
    }

    /** The message bus finished games are announced on ({@code bus.target} chooses one). */
    @Reference(name = "bus", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBus(dev.ludus.api.bus.MessageBus bus) {
        ctx.bus = bus;
        if (ctx.active) {
            ctx.background.execute(driver::retryFinished);
        }
    }

    void unbindBus(dev.ludus.api.bus.MessageBus bus) {
        if (ctx.bus == bus) {
            ctx.bus = null;
        }
    }

    /**
     * The node's metrics registry (the metrics bundle), optional: the runtime records its series
     * there while one is bound, and takes them out when it leaves or the runtime stops.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMetricRegistry(MetricRegistry registry) {
        Bundle b = FrameworkUtil.getBundle(RoomRuntime.class); // bound before activation: no context yet
        RoomsMetrics before = ctx.metrics;
        ctx.metrics = new RoomsMetrics(registry, b == null ? "dev.ludus.rooms" : b.getSymbolicName(),
                b == null ? "0" : b.getVersion().toString(), ctx, recovery);
        if (before.registry() != registry) {
            before.remove(); // a greedy rebind: the old registry's series go
        }
    }

    void unbindMetricRegistry(MetricRegistry registry) {
        RoomsMetrics m = ctx.metrics;
        if (m.registry() == registry) {
            ctx.metrics = RoomsMetrics.NONE;
            m.remove();
        }
    }

    /**
     * The node's OpenTelemetry (a tracing bundle's SDK), optional: players' actions are traced
     * through it while one is bound, and through the API's no-op otherwise.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOpenTelemetry(OpenTelemetry otel) {
        Bundle b = FrameworkUtil.getBundle(RoomRuntime.class);
        ctx.tracing.bind(otel, b == null ? "0" : b.getVersion().toString());
    }

    void unbindOpenTelemetry(OpenTelemetry otel) {
        ctx.tracing.unbind(otel);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindGame(GameDefinition definition) {
        ctx.games.put(definition.type(), definition);
        ctx.metrics.gamesChanged();
        if (!ctx.active) {
            return;
        }
        eachRoomOf(definition.type(), live -> {
            // Also a finished room without its engine (the game left, or the room was recovered
            // at a start without it): rebuilt, its view shows the final state and result again.
            Room room = live.room();
            if (live.paused() || live.needsRebuild
                    || (room.state() == RoomState.FINISHED && room.engine() == null && !room.closed())) {
                driver.rebuild(live);
            }
        });
    }

    void unbindGame(GameDefinition definition) {
        ctx.games.remove(definition.type(), definition);
        ctx.metrics.gamesChanged();
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

    // ---------------------------------------------------------------- RoomService, see RoomCommands

    @Override public RoomInfo create(String gameType, String name, Map<String, String> options) {
        return commands.create(gameType, name, options);
    }
    @Override public RoomInfo create(String gameType, String name, Map<String, String> options, String createdBy) {
        return commands.create(gameType, name, options, createdBy);
    }
    @Override public List<RoomInfo> list() { return commands.list(); }
    @Override public RoomPage list(RoomQuery query) { return commands.list(query); }
    @Override public long lobbyVersion() { return commands.lobbyVersion(); }
    @Override public List<RoomInfo> roomsOf(String playerId) { return commands.roomsOf(playerId); }
    @Override public Optional<RoomInfo> get(String roomId) { return commands.get(roomId); }
    @Override public RoomInfo join(String roomId, String playerId, String name) { return commands.join(roomId, playerId, name); }
    @Override public RoomInfo leave(String roomId, String playerId) { return commands.leave(roomId, playerId); }
    @Override public RoomInfo addBot(String roomId) { return commands.addBot(roomId); }
    @Override public RoomInfo removeBot(String roomId, int seat) { return commands.removeBot(roomId, seat); }
    @Override public RoomInfo start(String roomId) { return commands.start(roomId); }
    @Override public CompletionStage<ActionResult> act(String roomId, String playerId, String type, Map<String, Object> args) {
        return commands.act(roomId, playerId, type, args);
    }
    @Override public Map<String, Object> view(String roomId, String playerId) { return commands.view(roomId, playerId); }
    @Override public dev.ludus.api.rooms.GameReplay replay(byte[] record, int seat) { return commands.replay(record, seat); }
    @Override public AutoCloseable subscribe(String roomId, String playerId, RoomListener listener) {
        return commands.subscribe(roomId, playerId, listener);
    }
    @Override public void setConnected(String roomId, String playerId, boolean connected) {
        commands.setConnected(roomId, playerId, connected);
    }

    // ---------------------------------------------------------------- RoomOperations, see RoomCommands

    @Override public RoomInfo pause(String roomId, String reason, String by) { return commands.pause(roomId, reason, by); }
    @Override public RoomInfo removePlayer(String roomId, String playerId, String reason, String by) {
        return commands.removePlayer(roomId, playerId, reason, by);
    }
    @Override public RoomInfo resume(String roomId, String by) { return commands.resume(roomId, by); }
    @Override public RoomInfo end(String roomId, String reason, String by) { return commands.end(roomId, reason, by); }

    // ---------------------------------------------------------------- empty rooms

    /**
     * Queues a close for every room nobody has sat in for {@code emptyRoomSeconds}, and an end for
     * every running game nobody has been connected to for {@code abandonedGameSeconds}. Timer thread.
     */
    private void closeEmptyRooms() {
        try {
            if (!ctx.active || ctx.eventStore == null) {
                return;
            }
            long limit = RoomsContext.clamp(ctx.config.emptyRoomSeconds(), 1, 604_800) * 1000L;
            long now = ctx.clock.millis();
            long abandoned = RoomsContext.clamp(ctx.config.abandonedGameSeconds(), 0, 604_800) * 1000L;
            for (LiveRoom live : ctx.rooms.values()) {
                long since = live.emptySince;
                if (since > 0 && now - since >= limit && !live.closing) {
                    live.closing = true;
                    live.steps.submit(() -> driver.closeIfEmpty(live, limit));
                }
                long away = live.abandonedSince;
                if (abandoned > 0 && away > 0 && now - away >= abandoned && !live.ending) {
                    live.ending = true;
                    live.steps.submit(() -> driver.endIfAbandoned(live, abandoned));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("rooms: closing empty rooms failed", e);
        }
    }

    /**
     * Looks, in a step of the room, at each running game whose version has not moved for a sweep
     * period: one with a move due and nothing armed is decided again ({@link RoomDriver#unstall}).
     * Timer thread.
     */
    private void checkStalls() {
        try {
            for (LiveRoom live : ctx.rooms.values()) {
                RoomInfo i = live.info;
                if (i == null || i.state() != RoomState.PLAYING) {
                    continue;
                }
                if (i.version() == live.sweptVersion) {
                    live.steps.run(() -> {
                        if (driver.unstall(live)) {
                            ctx.stallsRepaired.incrementAndGet();
                        }
                    });
                }
                live.sweptVersion = i.version();
            }
        } catch (RuntimeException e) {
            LOG.error("rooms: the stall check failed", e);
        }
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "rooms";
    }

    /**
     * Ready once the rooms that ran before the restart are back, so no player finds one missing;
     * not while the event store has been away longer than a swap takes (no move can be recorded).
     */
    @Override
    public boolean ready() {
        return recovery.done() && health.eventStoreAwayMillis() < RoomsHealth.STORE_AWAY_DOWN_MILLIS;
    }

    @Override
    public HealthResult check() {
        return health.check();
    }

    // ---------------------------------------------------------------- helpers

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
        LiveRoom live = ctx.rooms.get(roomId);
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
