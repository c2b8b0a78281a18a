package dev.ludus.rooms;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.store.GameStore;

/**
 * What the parts of the rooms runtime share: the rooms, the installed games, the services that
 * come and go (each null while absent), the configuration and the threads. Owned by
 * {@link RoomRuntime}, which alone writes the service fields.
 */
final class RoomsContext {

    /** The configuration PID of the rooms runtime. */
    static final String PID = "dev.ludus.rooms";
    /** A room's event stream is this prefix and the room's id. */
    static final String STREAM_PREFIX = "room-";

    final Map<String, GameDefinition> games = new ConcurrentHashMap<>();
    final Map<String, LiveRoom> rooms = new ConcurrentHashMap<>();
    /**
     * Rooms known from the event store but not yet rebuilt since the runtime started: the stream
     * id mapped to when its game was archived (epoch ms), or -1 while not yet looked at. Disjoint
     * from {@link #rooms}; a room leaves it when {@link #wake} rebuilds it.
     */
    final Map<String, Long> asleep = new ConcurrentHashMap<>();
    /** Whether recovery has made the store's rooms known in this activation (set by {@link Recovery}). */
    volatile java.util.function.BooleanSupplier recoveryStarted = () -> false;
    /** Queues the rebuild of a room just taken out of {@link #asleep} (set by {@link Recovery}). */
    volatile Function<LiveRoom, CompletableFuture<Void>> restore;
    final RecordCodec codec = new RecordCodec();
    final Lobby lobby = new Lobby(() -> rooms.values().stream().map(r -> r.info).toList());
    final AtomicLong acceptedActions = new AtomicLong();
    final AtomicLong closedRooms = new AtomicLong();
    /** Running games the stall check found with nothing armed (should stay 0). */
    final AtomicLong stallsRepaired = new AtomicLong();
    /** Appends that outlasted slowAppendMillis and paused their game. */
    final AtomicLong slowAppends = new AtomicLong();

    /** The series in the node's metrics registry; {@link RoomsMetrics#NONE} while none is bound. */
    volatile RoomsMetrics metrics = RoomsMetrics.NONE;
    /** The spans of players' actions; the API's no-op while no OpenTelemetry service is bound. */
    final RoomsTracing tracing = new RoomsTracing();
    volatile EventStore eventStore;
    /** When the event store went away (or the runtime started without one), clock millis; 0 while one is bound. */
    volatile long eventStoreGoneAt;
    volatile SnapshotStore snapshotStore;
    volatile GameStore gameStore;
    volatile ArchiveService archive;
    volatile dev.ludus.api.bus.MessageBus bus;
    /** The cluster this node is a member of; null on a single node. */
    volatile dev.ludus.api.cluster.Cluster cluster;
    /** Claims, releases and adoptions in the cluster (nothing while {@link #cluster} is null). */
    final ClusterRooms clusterRooms = new ClusterRooms(this);
    volatile Clock clock = Clock.systemUTC();
    /** How often running games are looked at for a stall (a game stalled across two looks is decided again); tests shorten it. */
    volatile long stallCheckMillis = 5_000;
    volatile RoomsConfig config;
    volatile boolean active;
    /** Where games' seeds come from; tests set a seeded generator to replay a history. */
    volatile java.util.random.RandomGenerator seeds = new java.security.SecureRandom();

    /** Runs room steps. */
    ExecutorService workers;
    /** Set on the threads of {@link #workers}. */
    private final ThreadLocal<Boolean> workerThread = new ThreadLocal<>();
    /** Arms wake-ups, evictions and the periodic sweeps; its tasks only submit room steps. */
    ScheduledExecutorService timers;
    /** Slow work off the room steps: archive hand-overs, asynchronous snapshot saves. */
    ExecutorService background;

    GameDefinition game(String type) {
        return type == null ? null : games.get(type);
    }

    /**
     * The room with this id, woken first if it is asleep (its rebuild queued ahead of whatever the
     * caller queues next); null if there is no such room. In a cluster, a room whose owner's lease
     * lapsed or who left (a node killed or drained), or one this node owns but does not run, is
     * adopted here on demand, as a player asking for it arrives: claimed and rebuilt from the
     * shared store like any adoption.
     */
    LiveRoom room(String id) {
        if (id == null) {
            return null;
        }
        LiveRoom live = rooms.get(id);
        if (live != null) {
            return live;
        }
        if (!asleep.isEmpty()) {
            live = wake(id, null);
            if (live != null) {
                return live;
            }
        }
        if (active && eventStore != null && clusterRooms.adoptable(id)) {
            asleep.putIfAbsent(id, -1L);
            return wake(id, null); // the restore claims it first, and drops it if another node won
        }
        return null;
    }

    /**
     * Takes room {@code id} out of {@link #asleep}, if it is there, and queues its rebuild; adds the
     * rebuild's completion to {@code done} when given. Returns the room, or null if there is none.
     */
    LiveRoom wake(String id, List<CompletableFuture<Void>> done) {
        asleep.computeIfPresent(id, (k, archivedAt) -> {
            LiveRoom live = newRoom(k);
            rooms.put(k, live);
            CompletableFuture<Void> f = restore.apply(live);
            if (done != null) {
                done.add(f);
            }
            return null;
        });
        return rooms.get(id);
    }

    LiveRoom newRoom(String id) {
        return new LiveRoom(id, workers, this::onWorker, this::game, clock.millis());
    }

    /** Marks the calling thread as one of {@link #workers}; called by each worker as it starts. */
    void markWorker() {
        workerThread.set(Boolean.TRUE);
    }

    /** Whether the calling thread is one of {@link #workers}. */
    boolean onWorker() {
        return workerThread.get() != null;
    }

    static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }
}
