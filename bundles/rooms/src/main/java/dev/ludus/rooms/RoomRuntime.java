package dev.ludus.rooms;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.game.TimerRequest;
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
import dev.ludus.api.store.VersionConflictException;
import dev.ludus.api.store.Versioned;

/**
 * The lobby and the game runtime: the only place that drives game engines.
 *
 * <p>Every change to a room is a typed {@link RoomRecord} in the room's event stream
 * ({@code room-<id>}): created, seat, started, action, quarantined, archived, closed. An action is
 * applied to the engine to learn whether it is legal, appended to the event store, and only then
 * acknowledged and broadcast; if the append fails, the room reloads from the event store, so
 * memory never holds anything the store lacks. On activation, and whenever a room's game bundle
 * or the event store returns, rooms are rebuilt from their latest snapshot plus the later records.
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
    static final String STORE_PREFIX = "room:";
    static final Logger LOG = LoggerFactory.getLogger(RoomRuntime.class);
    private static final int SNAPSHOT_MAGIC = 0x4c525331; // "LRS1"
    private static final long CALL_TIMEOUT_SECONDS = 30;

    private final Map<String, GameDefinition> games = new ConcurrentHashMap<>();
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final RecordCodec codec = new RecordCodec();
    private final SecureRandom seeds = new SecureRandom();
    private final AtomicLong acceptedActions = new AtomicLong();
    private final AtomicInteger archiveInFlight = new AtomicInteger();
    private final AtomicLong closedRooms = new AtomicLong();
    private final Lobby lobby = new Lobby(() -> rooms.values().stream().map(r -> r.info).toList());
    private final RoomQuota quota = new RoomQuota();

    private volatile EventStore eventStore;
    private volatile SnapshotStore snapshotStore;
    private volatile GameStore gameStore;
    private volatile ArchiveService archive;

    volatile Clock clock = Clock.systemUTC();
    private volatile RoomsConfig config;
    private volatile boolean active;
    private volatile boolean recovered;
    private volatile long recoveryMillis = -1;
    private volatile int recoveredRooms;
    private ExecutorService workers;
    private ScheduledExecutorService scheduler;
    private ExecutorService background;

    // ---------------------------------------------------------------- lifecycle and references

    @Activate
    void activate(RoomsConfig cfg) {
        config = cfg;
        int threads = cfg.threads() > 0 ? cfg.threads() : Runtime.getRuntime().availableProcessors();
        workers = Executors.newFixedThreadPool(threads, named("ludus-rooms"));
        scheduler = Executors.newSingleThreadScheduledExecutor(named("ludus-rooms-timer"));
        background = Executors.newSingleThreadExecutor(named("ludus-rooms-io"));
        active = true;
        // The configuration guard refuses a retry period below 1 s; without it, 0 would make the
        // scheduler throw and the whole runtime fail to activate.
        int retry = cfg.archiveRetrySeconds();
        if (retry < 1) {
            LOG.warn("configuration {}: archiveRetrySeconds must be 1..3600, got {}; using 5", PID, retry);
            retry = 5;
        }
        scheduler.scheduleWithFixedDelay(this::retryArchiving, retry, retry, TimeUnit.SECONDS);
        // Cheap: looks at one volatile field per room; only rooms due to close get a step.
        scheduler.scheduleWithFixedDelay(this::closeEmptyRooms, 1, 1, TimeUnit.SECONDS);
        if (eventStore != null) {
            recoverAll();
        }
    }

    @Modified
    void modified(RoomsConfig cfg) {
        RoomsConfig before = config;
        config = cfg;
        if (before != null && cfg.archiveRetryQuarantined() != before.archiveRetryQuarantined() && active) {
            background.execute(this::retryArchiving); // an operator asks for quarantined hand-overs again
        }
        // New think and idle times apply at once, not after the moves already scheduled.
        rooms.values().forEach(r -> r.submit(() -> {
            scheduleNextMove(r);
            return null;
        }));
    }

    @Deactivate
    void deactivate() {
        active = false;
        // Finish what is queued, then snapshot running games so the next start replays little.
        CountDownLatch done = new CountDownLatch(rooms.size());
        for (Room room : rooms.values()) {
            room.submit(() -> {
                try {
                    room.cancelTimers();
                    if (room.state == RoomState.PLAYING && room.engine != null && !room.needsResync
                            && room.version > room.snapshotVersion) {
                        saveSnapshot(room, false);
                    }
                } finally {
                    done.countDown();
                }
                return null;
            });
        }
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                LOG.warn("rooms: {} rooms did not settle within 10 s of deactivation", done.getCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        background.shutdown();
        workers.shutdown();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Room room : rooms.values()) {
            for (Room.Subscriber s : room.subscribers) {
                deliver(room, s, new RoomEvent(room.id, room.version, "game_paused",
                        Map.of("reason", "rooms runtime stopping")));
            }
        }
        rooms.clear();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEventStore(EventStore store) {
        eventStore = store;
        if (!active) {
            return;
        }
        if (!recovered) {
            recoverAll();
        } else {
            rooms.values().forEach(r -> r.submit(() -> {
                if (r.needsResync) {
                    resync(r);
                }
                return null;
            }));
        }
    }

    void unbindEventStore(EventStore store) {
        if (eventStore == store) {
            eventStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSnapshotStore(SnapshotStore store) {
        snapshotStore = store;
    }

    void unbindSnapshotStore(SnapshotStore store) {
        if (snapshotStore == store) {
            snapshotStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindGameStore(GameStore store) {
        gameStore = store;
        // A new store starts empty: publish every room into it.
        rooms.values().forEach(r -> r.submit(() -> {
            r.storeVersion = 0;
            publishInfo(r);
            return null;
        }));
    }

    void unbindGameStore(GameStore store) {
        if (gameStore == store) {
            gameStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindArchive(ArchiveService service) {
        archive = service;
        if (active) {
            background.execute(this::retryArchiving);
        }
    }

    void unbindArchive(ArchiveService service) {
        if (archive == service) {
            archive = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindGame(GameDefinition definition) {
        games.put(definition.type(), definition);
        if (!active) {
            return;
        }
        for (Room r : rooms.values()) {
            if (definition.type().equals(r.gameType)) {
                r.submit(() -> {
                    if (r.state == RoomState.PAUSED || r.needsResync) {
                        resync(r);
                    }
                    return null;
                });
            }
        }
    }

    void unbindGame(GameDefinition definition) {
        games.remove(definition.type(), definition);
        if (!active) {
            return;
        }
        for (Room r : rooms.values()) {
            if (definition.type().equals(r.gameType)) {
                r.submit(() -> {
                    if (r.engine != null) {
                        // Keep the newest state so resuming replays nothing; then drop every object
                        // of the leaving bundle.
                        if (r.version > r.snapshotVersion && !r.needsResync) {
                            saveSnapshot(r, false);
                        }
                        r.engine = null;
                    }
                    if (r.state == RoomState.PLAYING) {
                        pause(r, "game '" + r.gameType + "' is not available");
                    }
                    return null;
                });
            }
        }
    }

    // ---------------------------------------------------------------- recovery

    private void recoverAll() {
        EventStore es = eventStore;
        if (es == null || recovered) {
            return;
        }
        recovered = true;
        long start = System.nanoTime();
        List<String> streams = es.streams().stream().filter(s -> s.startsWith(STREAM_PREFIX)).sorted().toList();
        CountDownLatch done = new CountDownLatch(streams.size());
        AtomicInteger loaded = new AtomicInteger();
        for (String stream : streams) {
            String id = stream.substring(STREAM_PREFIX.length());
            Room room = new Room(id, workers);
            room.submit(() -> {
                try {
                    RecordedEvent last = lastRecord(es, stream);
                    String lastType = last == null ? "" : last.type();
                    if (!"archived".equals(lastType) && !"closed".equals(lastType)) {
                        rooms.put(id, room);
                        resync(room);
                        loaded.incrementAndGet();
                    } else if ("archived".equals(lastType)) {
                        // Recently finished games come back for their players to see the result.
                        long keep = clamp(config.finishedRoomSeconds(), 0, 86_400) * 1000L;
                        long left = last.timestamp() + keep - clock.millis();
                        if (left > 0) {
                            rooms.put(id, room);
                            resync(room);
                            scheduleEviction(room, left);
                        }
                    }
                } finally {
                    done.countDown();
                }
                return null;
            });
        }
        background.execute(() -> {
            try {
                done.await();
                recoveryMillis = (System.nanoTime() - start) / 1_000_000;
                recoveredRooms = loaded.get();
                LOG.info("rooms: recovered {} rooms from {} streams in {} ms", loaded.get(), streams.size(),
                        recoveryMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * The stream's last record, or null. A room whose last record is {@code archived} or
     * {@code closed} has ended for good.
     */
    private static RecordedEvent lastRecord(EventStore es, String stream) {
        long v = es.version(stream);
        if (v <= 0) {
            return null;
        }
        List<RecordedEvent> last = es.read(stream, v, 1);
        return last.isEmpty() ? null : last.get(0);
    }

    /** Rebuilds a room from its latest snapshot and the later records. Runs as a room step. */
    private void resync(Room room) {
        room.cancelTimers();
        room.engine = null;
        EventStore es = eventStore;
        if (es == null) {
            room.needsResync = true;
            pause(room, "event store unavailable");
            return;
        }
        RoomState before = room.state;
        try {
            reset(room);
            long from = 1;
            byte[] engineBytes = null;
            SnapshotStore snaps = snapshotStore;
            Optional<Snapshot> snap = snaps == null ? Optional.empty() : snaps.latest(room.stream);
            if (snap.isPresent()) {
                try {
                    engineBytes = readSnapshot(room, snap.get().data());
                    room.version = snap.get().version();
                    room.snapshotVersion = room.version;
                    from = room.version + 1;
                    if (engineBytes != null && room.state == RoomState.PLAYING) {
                        GameDefinition def = games.get(room.gameType);
                        room.engine = def == null ? null : def.restore(setup(room), engineBytes);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("room {}: snapshot unusable ({}), replaying from the start", room.id, e.toString());
                    reset(room);
                    from = 1;
                }
            }
            while (true) {
                List<RecordedEvent> page = es.read(room.stream, from, 1000);
                for (RecordedEvent e : page) {
                    applyRecord(room, codec.decode(e.type(), e.data()), e.timestamp(), true);
                    room.version = e.version();
                }
                if (page.size() < 1000) {
                    break;
                }
                from = page.get(page.size() - 1).version() + 1;
            }
            room.needsResync = false;
            if (room.state == RoomState.PLAYING && room.engine == null) {
                pause(room, "game '" + room.gameType + "' is not available");
            } else {
                room.pauseReason = "";
                if (before == RoomState.PAUSED && room.state == RoomState.PLAYING) {
                    broadcast(room, "game_resumed", Map.of());
                }
            }
            if (room.state == RoomState.FINISHED && !room.archived) {
                handOver(room);
            }
        } catch (RuntimeException e) {
            LOG.error("room {}: cannot be rebuilt", room.id, e);
            room.engine = null;
            room.needsResync = true;
            pause(room, "cannot be rebuilt: " + e.getMessage());
        }
        publishInfo(room);
        scheduleNextMove(room);
    }

    private static void reset(Room room) {
        room.state = RoomState.WAITING;
        room.engine = null;
        room.version = 0;
        room.snapshotVersion = 0;
        room.archived = false;
        room.closed = false;
        room.quarantined = null;
        room.quarantineGeneration = 0;
    }

    /**
     * Applies one persisted record to the room. During replay ({@code replay}) actions are applied
     * to the engine; live actions were applied before they were appended.
     */
    private void applyRecord(Room room, RoomRecord record, long timestamp, boolean replay) {
        room.lastChangeMillis = timestamp;
        // Java 17 has no pattern switch: one instanceof per kind of the sealed interface, and a
        // kind added without a branch here fails loudly instead of being skipped.
        if (record instanceof RoomRecord.Created c) {
            room.name = c.name();
            room.createdBy = c.createdBy();
            room.gameType = c.gameType();
            room.options = c.options();
            room.createdAt = Instant.ofEpochMilli(c.createdAt());
            room.seats = new Room.Seat[c.seats()];
            for (int i = 0; i < c.seats(); i++) {
                room.seats[i] = new Room.Seat();
            }
        } else if (record instanceof RoomRecord.SeatChanged c) {
            Room.Seat s = room.seats[c.seat()];
            String before = s.playerId;
            s.playerId = c.playerId();
            s.name = c.name();
            s.bot = c.bot();
            if (s.playerId == null || !s.playerId.equals(before)) {
                s.connected = false;
            }
        } else if (record instanceof RoomRecord.Started st) {
            room.seed = st.seed();
            room.startedAt = Instant.ofEpochMilli(st.startedAt());
            List<RoomRecord.Started.Player> players = st.players();
            for (int i = 0; i < players.size(); i++) {
                RoomRecord.Started.Player p = players.get(i);
                Room.Seat s = room.seats[i];
                if (s.empty()) {
                    s.bot = p.bot();
                    s.name = p.name();
                    s.playerId = s.bot ? null : p.id();
                }
            }
            room.state = RoomState.PLAYING;
            GameDefinition def = games.get(room.gameType);
            room.engine = def == null ? null : def.create(setup(room));
        } else if (record instanceof RoomRecord.ActionTaken a) {
            if (replay && room.engine != null) {
                ActionResult r = room.engine.apply(new Action(a.seat(), a.actionType(), a.args()));
                if (r instanceof ActionResult.Rejected rej) {
                    throw new IllegalStateException("replay diverged at version " + (room.version + 1)
                            + ": " + rej.code() + " " + rej.message());
                }
            }
            if (room.engine != null && room.engine.completed()) {
                room.state = RoomState.FINISHED;
            }
        } else if (record instanceof RoomRecord.Archived) {
            room.archived = true;
        } else if (record instanceof RoomRecord.Closed) {
            room.closed = true;
            room.state = RoomState.FINISHED;
            room.engine = null;
        } else if (record instanceof RoomRecord.Quarantined q) {
            room.quarantined = String.valueOf(q.reason());
            room.quarantineGeneration = q.generation();
        } else {
            throw new IllegalStateException("room record " + record.type() + " has no effect defined");
        }
    }

    private GameSetup setup(Room room) {
        List<GameSetup.Player> players = new ArrayList<>();
        for (int i = 0; i < room.seats.length; i++) {
            Room.Seat s = room.seats[i];
            String id = s.bot || s.playerId == null ? "bot-" + i : s.playerId;
            players.add(new GameSetup.Player(id, s.name, s.bot));
        }
        return new GameSetup(room.id, room.seed, players, room.options);
    }

    // ---------------------------------------------------------------- snapshots

    private void saveSnapshot(Room room, boolean async) {
        SnapshotStore snaps = snapshotStore;
        if (snaps == null || room.engine == null) {
            return;
        }
        byte[] data = writeSnapshot(room, room.engine.snapshot());
        Snapshot s = new Snapshot(room.stream, room.version, data);
        room.snapshotVersion = room.version;
        Runnable save = () -> {
            try {
                snaps.save(s);
            } catch (RuntimeException e) {
                LOG.warn("room {}: snapshot at version {} not saved: {}", room.id, s.version(), e.toString());
            }
        };
        if (async) {
            background.execute(save);
        } else {
            save.run();
        }
    }

    private byte[] writeSnapshot(Room room, byte[] engineBytes) {
        List<SnapshotHeader.Seat> seats = new ArrayList<>();
        for (Room.Seat s : room.seats) {
            seats.add(new SnapshotHeader.Seat(s.playerId, s.name, s.bot));
        }
        byte[] header = codec.encodeHeader(new SnapshotHeader(room.name, room.gameType, room.createdBy, room.options,
                room.createdAt.toEpochMilli(), room.state.name(), room.seed,
                room.startedAt == null ? 0 : room.startedAt.toEpochMilli(), seats));
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + engineBytes.length);
        buf.putInt(SNAPSHOT_MAGIC).putInt(header.length).put(header).put(engineBytes);
        return buf.array();
    }

    /** Restores the room's fields from a snapshot; returns the engine bytes. */
    private byte[] readSnapshot(Room room, byte[] data) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        if (data.length < 8 || buf.getInt() != SNAPSHOT_MAGIC) {
            throw new IllegalArgumentException("not a room snapshot");
        }
        int len = buf.getInt();
        if (len < 0 || len > data.length - 8) {
            throw new IllegalArgumentException("bad snapshot header length");
        }
        byte[] header = new byte[len];
        buf.get(header);
        byte[] engineBytes = new byte[buf.remaining()];
        buf.get(engineBytes);
        SnapshotHeader h = codec.decodeHeader(header);
        room.name = h.name();
        room.gameType = h.gameType();
        room.createdBy = h.createdBy();
        room.options = h.options();
        room.createdAt = Instant.ofEpochMilli(h.createdAt());
        room.state = RoomState.valueOf(h.state());
        room.seed = h.seed();
        room.startedAt = h.startedAt() == 0 ? null : Instant.ofEpochMilli(h.startedAt());
        room.seats = new Room.Seat[h.seats().size()];
        for (int i = 0; i < room.seats.length; i++) {
            SnapshotHeader.Seat seat = h.seats().get(i);
            Room.Seat s = new Room.Seat();
            s.playerId = seat.playerId();
            s.name = seat.name();
            s.bot = seat.bot();
            room.seats[i] = s;
        }
        return engineBytes;
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
        requirePlayer(createdBy);
        int limit = clamp(config.maxOpenRoomsPerPlayer(), 1, 100_000);
        Runnable release = quota.reserve(createdBy, roomId, limit, this::openRoomsOf);
        try {
            return createRoom(roomId, gameType, name, options, createdBy);
        } finally {
            release.run();
        }
    }

    /** Rooms {@code player} created that are not finished, leaving out those still {@code reserved}. */
    private int openRoomsOf(String player, java.util.Set<String> reserved) {
        int n = 0;
        for (Room r : rooms.values()) {
            RoomInfo i = r.info;
            if (player.equals(r.createdBy) && i != null && i.state() != RoomState.FINISHED && !reserved.contains(r.id)) {
                n++;
            }
        }
        return n;
    }

    static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }

    private RoomInfo createRoom(String roomId, String gameType, String name, Map<String, String> options, String createdBy) {
        GameDefinition def = gameType == null ? null : games.get(gameType);
        if (def == null) {
            throw new RoomException(RoomException.UNKNOWN_GAME, "no game of type '" + gameType + "' is installed; installed: "
                    + games.keySet().stream().sorted().toList());
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
        Room room = new Room(roomId, workers);
        RoomRecord.Created created = new RoomRecord.Created(name.strip(), gameType, createdBy, opts, clock.millis(), seats);
        CompletableFuture<RoomInfo> reply = new CompletableFuture<>();
        room.submit(() -> persist(room, EventStore.NO_STREAM, created, reply, () -> {
            rooms.put(room.id, room);
        }));
        return await(reply);
    }

    @Override
    public List<RoomInfo> list() {
        return rooms.values().stream().map(r -> r.info).filter(i -> i != null && i.state() != RoomState.FINISHED)
                .sorted(Comparator.comparing(RoomInfo::createdAt)).toList();
    }

    @Override
    public RoomPage list(RoomQuery query) {
        return lobby.page(query == null ? RoomQuery.first(100) : query);
    }

    @Override
    public long lobbyVersion() {
        return lobby.version();
    }

    @Override
    public List<RoomInfo> roomsOf(String playerId) {
        if (playerId == null) {
            return List.of();
        }
        List<RoomInfo> out = new ArrayList<>();
        for (Room r : rooms.values()) {
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
        Room r = roomId == null ? null : rooms.get(roomId);
        if (r == null || r.info == null) {
            // Not (or not yet) held here: what the store may still hold is from an earlier runtime.
            return Optional.empty();
        }
        GameStore store = gameStore;
        if (store != null) {
            Optional<Versioned<RoomInfo>> v = store.get(STORE_PREFIX + roomId);
            if (v.isPresent()) {
                return Optional.of(v.get().value());
            }
        }
        return Optional.ofNullable(r.info);
    }

    @Override
    public RoomInfo join(String roomId, String playerId, String playerName) {
        requirePlayer(playerId);
        return lobby(roomId, room -> {
            if (room.seatOf(playerId) >= 0) {
                return null; // already seated: nothing to change
            }
            requireWaiting(room);
            for (int i = 0; i < room.seats.length; i++) {
                if (room.seats[i].empty()) {
                    return seatRecord(i, playerId, playerName == null || playerName.isBlank() ? playerId : playerName, false);
                }
            }
            throw new RoomException(RoomException.ROOM_FULL, "every seat of room " + roomId + " is taken");
        });
    }

    @Override
    public RoomInfo leave(String roomId, String playerId) {
        return lobby(roomId, room -> {
            int seat = room.seatOf(playerId);
            if (seat < 0) {
                throw new RoomException(RoomException.NOT_IN_ROOM, playerId + " has no seat in room " + roomId);
            }
            if (room.state == RoomState.WAITING) {
                return seatRecord(seat, null, null, false);
            }
            if (room.state == RoomState.FINISHED) {
                room.leftAfterEnd.add(playerId); // its result is no longer shown to this player on resume
                throw new RoomException(RoomException.GAME_OVER, "the game is over");
            }
            return seatRecord(seat, null, "bot " + (seat + 1), true);
        });
    }

    @Override
    public RoomInfo addBot(String roomId) {
        return lobby(roomId, room -> {
            requireWaiting(room);
            for (int i = 0; i < room.seats.length; i++) {
                if (room.seats[i].empty()) {
                    return seatRecord(i, null, "bot " + (i + 1), true);
                }
            }
            throw new RoomException(RoomException.ROOM_FULL, "every seat of room " + roomId + " is taken");
        });
    }

    @Override
    public RoomInfo removeBot(String roomId, int seat) {
        return lobby(roomId, room -> {
            requireWaiting(room);
            if (seat < 0 || seat >= room.seats.length || !room.seats[seat].bot) {
                throw new RoomException(RoomException.BAD_SEAT, "seat " + seat + " holds no bot");
            }
            return seatRecord(seat, null, null, false);
        });
    }

    @Override
    public RoomInfo start(String roomId) {
        return lobby(roomId, room -> {
            requireWaiting(room);
            GameDefinition def = games.get(room.gameType);
            if (def == null) {
                throw new RoomException(RoomException.GAME_PAUSED, "game '" + room.gameType + "' is not available");
            }
            List<RoomRecord.Started.Player> players = new ArrayList<>();
            for (int i = 0; i < room.seats.length; i++) {
                Room.Seat s = room.seats[i];
                boolean bot = s.empty() || s.bot;
                players.add(new RoomRecord.Started.Player(bot ? "bot-" + i : s.playerId,
                        s.empty() ? "bot " + (i + 1) : s.name, bot));
            }
            return new RoomRecord.Started(seeds.nextLong(), clock.millis(), players);
        });
    }

    private static RoomRecord seatRecord(int seat, String playerId, String name, boolean bot) {
        return new RoomRecord.SeatChanged(seat, playerId, name, bot);
    }

    private static void requireWaiting(Room room) {
        if (room.state != RoomState.WAITING) {
            throw new RoomException(RoomException.ALREADY_STARTED, "room " + room.id + " has already started");
        }
    }

    private static void requirePlayer(String playerId) {
        if (playerId == null || playerId.isBlank() || playerId.length() > 100) {
            throw new RoomException(RoomException.BAD_OPTIONS, "a player id must have 1 to 100 characters");
        }
    }

    private void requireActive() {
        if (!active) {
            throw new RoomException(RoomException.UNAVAILABLE, "the rooms runtime is stopping");
        }
        if (eventStore == null) {
            throw new RoomException(RoomException.UNAVAILABLE, "the event store is not available");
        }
    }

    /**
     * Runs a lobby change as a room step: {@code change} validates against the current state and
     * returns the record to persist, or null for no change.
     */
    private RoomInfo lobby(String roomId, java.util.function.Function<Room, RoomRecord> change) {
        Room room = roomId == null ? null : rooms.get(roomId);
        if (room == null) {
            throw new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId);
        }
        requireActive();
        CompletableFuture<RoomInfo> reply = new CompletableFuture<>();
        room.submit(() -> {
            RoomRecord d;
            try {
                if (room.needsResync) {
                    throw new RoomException(RoomException.GAME_PAUSED, "room " + roomId + " is being restored");
                }
                d = change.apply(room);
            } catch (RoomException e) {
                reply.completeExceptionally(e);
                return null;
            }
            if (d == null) {
                reply.complete(room.info);
                return null;
            }
            return persist(room, room.version, d, reply, null);
        });
        return await(reply);
    }

    /** Appends one record; once durable applies it, publishes the room and replies. */
    private CompletionStage<?> persist(Room room, long expected, RoomRecord d,
                                       CompletableFuture<RoomInfo> reply, Runnable onDurable) {
        EventStore es = eventStore;
        if (es == null) {
            reply.completeExceptionally(new RoomException(RoomException.UNAVAILABLE, "the event store is not available"));
            return null;
        }
        return es.appendAsync(room.stream, expected, List.of(new NewEvent(d.type(), codec.encode(d))))
                .handleAsync((version, error) -> {
                    if (error != null) {
                        reply.completeExceptionally(new RoomException(RoomException.UNAVAILABLE,
                                "could not persist the change: " + rootMessage(error)));
                        if (expected != EventStore.NO_STREAM) {
                            room.needsResync = true;
                            resync(room);
                        }
                        return null;
                    }
                    if (onDurable != null) {
                        onDurable.run();
                    }
                    applyRecord(room, d, clock.millis(), false);
                    room.version = version;
                    publishInfo(room);
                    broadcast(room, "room_changed", Map.of("room", room.info));
                    if (d instanceof RoomRecord.Started) {
                        broadcast(room, "game_started", Map.of());
                        publishEngineEvents(room, List.of(), true);
                    }
                    // Any change moves the version, which voids the moves and timers scheduled for the
                    // old one (a seat handed to a bot by leave_room, say): decide the next move again.
                    scheduleNextMove(room);
                    reply.complete(room.info);
                    return null;
                }, workers);
    }

    // ---------------------------------------------------------------- playing

    @Override
    public CompletionStage<ActionResult> act(String roomId, String playerId, String type, Map<String, Object> args) {
        CompletableFuture<ActionResult> reply = new CompletableFuture<>();
        Room room = roomId == null ? null : rooms.get(roomId);
        if (room == null) {
            reply.completeExceptionally(new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId));
            return reply;
        }
        if (type == null || type.isBlank()) {
            reply.completeExceptionally(new RoomException(RoomException.BAD_OPTIONS, "an action needs a type"));
            return reply;
        }
        Map<String, Object> arguments = args == null ? Map.of() : args;
        RoomsConfig cfg = config;
        ActionResult.Rejected tooBig = new ArgumentCheck(clamp(cfg.maxArgumentDepth(), 1, 64),
                clamp(cfg.maxArgumentBytes(), 64, 65536)).limits(arguments);
        if (tooBig != null) {
            reply.complete(tooBig);
            return reply;
        }
        room.submit(() -> {
            int seat = room.seatOf(playerId);
            if (seat < 0) {
                reply.completeExceptionally(new RoomException(RoomException.NOT_IN_ROOM, playerId + " has no seat in room " + roomId));
                return null;
            }
            ActionResult.Rejected undeclared = ArgumentCheck.declared(declaredActions(room.gameType), type, arguments);
            if (undeclared != null) {
                reply.complete(undeclared);
                return null;
            }
            return applyAction(room, new Action(seat, type, arguments), reply);
        });
        return reply;
    }

    /** The actions the room's game declares; empty if it declares none or is away. */
    private List<ActionSpec> declaredActions(String gameType) {
        GameDefinition def = gameType == null ? null : games.get(gameType);
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

    /** The one path by which actions (players', bots', timers') change a game. A room step. */
    private CompletionStage<?> applyAction(Room room, Action action, CompletableFuture<ActionResult> reply) {
        RoomException refusal = switch (room.state) {
            case WAITING -> new RoomException(RoomException.NOT_STARTED, "the game has not started");
            case FINISHED -> new RoomException(RoomException.GAME_OVER, "the game is over");
            case PAUSED -> new RoomException(RoomException.GAME_PAUSED, "the game is paused: " + room.pauseReason);
            case PLAYING -> null;
        };
        if (refusal == null && (room.needsResync || room.engine == null)) {
            refusal = new RoomException(RoomException.GAME_PAUSED, "the game is being restored");
        }
        EventStore es = eventStore;
        if (refusal == null && es == null) {
            refusal = new RoomException(RoomException.UNAVAILABLE, "the event store is not available");
        }
        if (refusal != null) {
            reply.completeExceptionally(refusal);
            return null;
        }
        ActionResult result;
        try {
            result = room.engine.apply(action);
        } catch (RuntimeException e) {
            LOG.error("room {}: engine failed on {}", room.id, action, e);
            room.needsResync = true;
            resync(room);
            reply.complete(new ActionResult.Rejected("illegal_action", "the game could not apply the action"));
            return null;
        }
        if (result instanceof ActionResult.Rejected) {
            reply.complete(result);
            return null;
        }
        // The engine has moved ahead of the store: nothing may see the new state until it is durable.
        RoomRecord d = new RoomRecord.ActionTaken(action.seat(), action.type(), action.args());
        long expected = room.version;
        room.cancelTimers();
        return es.appendAsync(room.stream, expected, List.of(new NewEvent(d.type(), codec.encode(d))))
                .handleAsync((version, error) -> {
                    if (error != null) {
                        reply.completeExceptionally(new RoomException(RoomException.UNAVAILABLE,
                                "the action could not be made durable: " + rootMessage(error)));
                        room.needsResync = true;
                        resync(room);
                        return null;
                    }
                    room.version = version;
                    acceptedActions.incrementAndGet();
                    List<GameEvent> events = ((ActionResult.Accepted) result).events();
                    boolean over = room.engine.completed();
                    if (over) {
                        room.state = RoomState.FINISHED;
                    }
                    publishInfo(room);
                    reply.complete(result);
                    publishEngineEvents(room, events, true);
                    if (over) {
                        broadcast(room, "game_over", Map.of("result", room.engine.result()));
                        handOver(room);
                    } else if (room.version - room.snapshotVersion >= Math.max(1, config.snapshotEvery())) {
                        saveSnapshot(room, true);
                    }
                    scheduleNextMove(room);
                    return null;
                }, workers);
    }

    /** Schedules the next bot move, idle takeover or game timer. A room step. */
    private void scheduleNextMove(Room room) {
        room.cancelTimers();
        if (!active || room.state != RoomState.PLAYING || room.engine == null || room.needsResync) {
            return;
        }
        long guard = room.version;
        GameEngine engine = room.engine;
        Optional<TimerRequest> timer = engine.pendingTimer();
        if (timer.isPresent()) {
            TimerRequest t = timer.get();
            room.gameTimer = scheduler.schedule(() -> room.submit(() -> {
                if (room.version != guard) {
                    return null;
                }
                return applyAction(room, t.onExpiry(), new CompletableFuture<>());
            }), t.delayMillis(), TimeUnit.MILLISECONDS);
        }
        // The first bot-controlled seat with a move gets the bot after its think time; the first
        // connected human with a move gets the bot only after the idle timeout.
        boolean botScheduled = false;
        boolean idleScheduled = false;
        for (int seat = 0; seat < room.seats.length && !(botScheduled && idleScheduled); seat++) {
            boolean bot = room.seats[seat].botControlled();
            if ((bot && botScheduled) || (!bot && idleScheduled) || engine.allowedActions(seat).isEmpty()) {
                continue;
            }
            int s = seat;
            Runnable move = () -> room.submit(() -> {
                if (room.version != guard || room.engine == null) {
                    return null;
                }
                Optional<Action> next = room.engine.botAction(s);
                return next.isEmpty() ? null : applyAction(room, next.get(), new CompletableFuture<>());
            });
            if (bot) {
                room.moveTimer = scheduler.schedule(move, Math.max(0, config.botThinkMillis()), TimeUnit.MILLISECONDS);
                botScheduled = true;
            } else {
                room.idleTimer = scheduler.schedule(move, Math.max(0, config.idleTimeoutMillis()), TimeUnit.MILLISECONDS);
                idleScheduled = true;
            }
        }
    }

    @Override
    public Map<String, Object> view(String roomId, String playerId) {
        Room room = roomId == null ? null : rooms.get(roomId);
        if (room == null) {
            throw new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId);
        }
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        room.submit(() -> {
            int seat = room.seatOf(playerId);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("room", room.info);
            v.put("seat", seat);
            if (room.engine != null) {
                v.put("gameVersion", room.engine.version());
                v.put("game", engineView(room, seat));
                v.put("allowedActions", seat < 0 ? List.of() : room.engine.allowedActions(seat));
                if (room.state == RoomState.FINISHED) {
                    v.put("result", room.engine.result());
                }
            }
            reply.complete(v);
            return null;
        });
        return await(reply);
    }

    @Override
    public AutoCloseable subscribe(String roomId, String playerId, RoomListener listener) {
        Room room = roomId == null ? null : rooms.get(roomId);
        if (room == null) {
            throw new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId);
        }
        Room.Subscriber s = new Room.Subscriber(playerId, listener);
        room.subscribers.add(s);
        return () -> room.subscribers.remove(s);
    }

    @Override
    public void setConnected(String roomId, String playerId, boolean connected) {
        Room room = roomId == null ? null : rooms.get(roomId);
        if (room == null) {
            throw new RoomException(RoomException.NO_SUCH_ROOM, "no room " + roomId);
        }
        room.submit(() -> {
            int seat = room.seatOf(playerId);
            if (seat >= 0 && room.seats[seat].connected != connected) {
                room.seats[seat].connected = connected;
                publishInfo(room);
                broadcast(room, "room_changed", Map.of("room", room.info));
                scheduleNextMove(room);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- completion and archive

    /** Hands a finished game to the archive (durably queued there), then records that. */
    private void handOver(Room room) {
        ArchiveService service = archive;
        if (service == null || room.archived || room.closed || !active) {
            return; // a closed room held no finished game: nothing to archive
        }
        if (room.quarantined != null && config.archiveRetryQuarantined() <= room.quarantineGeneration) {
            return; // waits for an operator to raise archiveRetryQuarantined
        }
        long version = room.version;
        List<String> humans = new ArrayList<>();
        for (Room.Seat s : room.seats) {
            if (s.playerId != null && !s.bot) {
                humans.add(s.playerId);
            }
        }
        Instant started = room.startedAt == null ? room.createdAt : room.startedAt;
        String gameType = room.gameType;
        archiveInFlight.incrementAndGet();
        background.execute(() -> {
            try {
                CompletedGame game = completedGame(room.id, room.stream, gameType, started, humans, version);
                service.submit(game);
                room.submit(() -> {
                    if (room.archived || room.version != version) {
                        return null;
                    }
                    EventStore es = eventStore;
                    if (es == null) {
                        return null; // retried later; the archive is idempotent by game id
                    }
                    RoomRecord archived = new RoomRecord.Archived();
                    return es.appendAsync(room.stream, version,
                                    List.of(new NewEvent(archived.type(), codec.encode(archived))))
                            .handleAsync((v, e) -> {
                                if (e == null) {
                                    room.archived = true;
                                    room.version = v;
                                    if (room.quarantined != null) {
                                        LOG.info("room {}: quarantined archive hand-over succeeded on retry", room.id);
                                        room.quarantined = null;
                                    }
                                    room.handOverFailures = 0;
                                    publishInfo(room);
                                    scheduleEviction(room);
                                }
                                return null;
                            }, workers);
                });
            } catch (RuntimeException e) {
                room.submit(() -> handOverFailed(room, e));
            } finally {
                archiveInFlight.decrementAndGet();
            }
        });
    }

    /**
     * Counts a failed hand-over. One that failed {@code archiveQuarantineAfter} times in a row (or
     * once more after an operator's retry) is quarantined: a {@code quarantined} record says so
     * durably, it is no longer retried by itself, and health shows it. A room step.
     */
    private CompletionStage<?> handOverFailed(Room room, RuntimeException error) {
        room.handOverFailures++;
        int after = clamp(config.archiveQuarantineAfter(), 1, 1000);
        boolean retried = room.quarantined != null;
        if (room.archived || (!retried && room.handOverFailures < after)) {
            LOG.warn("room {}: archive hand-over failed ({} of {} before quarantine), will retry: {}", room.id,
                    room.handOverFailures, after, error.toString());
            return null;
        }
        EventStore es = eventStore;
        if (es == null) {
            return null;
        }
        long generation = Math.max(0, config.archiveRetryQuarantined());
        String reason = error.getMessage() == null ? error.toString() : error.getMessage();
        reason = reason.length() > 300 ? reason.substring(0, 300) + "…" : reason;
        RoomRecord.Quarantined d = new RoomRecord.Quarantined(reason, generation, room.handOverFailures);
        String why = reason;
        return es.appendAsync(room.stream, room.version, List.of(new NewEvent(d.type(), codec.encode(d))))
                .handleAsync((v, e) -> {
                    if (e != null) {
                        LOG.warn("room {}: could not record the quarantine, will try again: {}", room.id, rootMessage(e));
                        return null;
                    }
                    room.version = v;
                    room.quarantined = why;
                    room.quarantineGeneration = generation;
                    room.handOverFailures = 0;
                    publishInfo(room);
                    LOG.warn("room {}: archive hand-over failed {} time(s) ({}): quarantined and no longer retried; set "
                            + "archiveRetryQuarantined of {} above {} to retry", room.id, d.failures(), why, PID,
                            generation);
                    return null;
                }, workers);
    }

    private void scheduleEviction(Room room) {
        scheduleEviction(room, clamp(config.finishedRoomSeconds(), 0, 86_400) * 1000L);
    }

    private void scheduleEviction(Room room, long millis) {
        try {
            scheduler.schedule(() -> evict(room), millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // deactivating: every room goes anyway
        }
    }

    private void retryArchiving() {
        if (!active || archive == null) {
            return;
        }
        for (Room r : rooms.values()) {
            r.submit(() -> {
                if (r.state == RoomState.FINISHED && !r.archived && !r.needsResync) {
                    handOver(r);
                }
                return null;
            });
        }
    }

    /** Forgets a room that has ended for good: memory, subscriptions, timers, store entry. */
    private void evict(Room room) {
        room.submit(() -> {
            forget(room);
            return null;
        });
    }

    /** {@link #evict} as a room step. */
    private void forget(Room room) {
        room.cancelTimers();
        rooms.remove(room.id, room);
        room.subscribers.clear();
        GameStore store = gameStore;
        if (store != null && room.storeVersion > 0) {
            try {
                store.remove(STORE_PREFIX + room.id, room.storeVersion);
            } catch (RuntimeException e) {
                LOG.debug("room {}: store entry not removed: {}", room.id, e.toString());
            }
            room.storeVersion = 0;
        }
        lobby.changed();
    }

    // ---------------------------------------------------------------- empty rooms

    /** Queues a close for every room nobody has sat in for {@code emptyRoomSeconds}. Timer thread. */
    private void closeEmptyRooms() {
        try {
            if (!active || eventStore == null) {
                return;
            }
            long limit = clamp(config.emptyRoomSeconds(), 1, 604_800) * 1000L;
            long now = clock.millis();
            for (Room r : rooms.values()) {
                long since = r.emptySince;
                if (since > 0 && now - since >= limit && !r.closing) {
                    r.closing = true;
                    r.submit(() -> closeIfEmpty(r, limit));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("rooms: closing empty rooms failed", e);
        }
    }

    /** Ends an empty room durably with a {@code closed} record, then forgets it. A room step. */
    private CompletionStage<?> closeIfEmpty(Room room, long limit) {
        room.closing = false;
        EventStore es = eventStore;
        if (es == null || room.needsResync || room.closed || room.state == RoomState.FINISHED || room.emptySince == 0
                || clock.millis() - room.emptySince < limit || !rooms.containsKey(room.id)) {
            return null;
        }
        room.cancelTimers();
        long seconds = limit / 1000;
        RoomRecord d = new RoomRecord.Closed("nobody sat in the room for " + seconds + " s");
        return es.appendAsync(room.stream, room.version, List.of(new NewEvent(d.type(), codec.encode(d))))
                .handleAsync((v, e) -> {
                    if (e != null) {
                        LOG.warn("room {}: could not be closed, will try again: {}", room.id, rootMessage(e));
                        room.needsResync = true;
                        resync(room);
                        return null;
                    }
                    room.version = v;
                    applyRecord(room, d, clock.millis(), false);
                    publishInfo(room);
                    broadcast(room, "room_changed", Map.of("room", room.info));
                    closedRooms.incrementAndGet();
                    LOG.info("room {}: closed, nobody sat in it for {} s", room.id, seconds);
                    SnapshotStore snaps = snapshotStore;
                    if (snaps != null && room.snapshotVersion > 0) {
                        background.execute(() -> {
                            try {
                                snaps.delete(room.stream);
                            } catch (RuntimeException ex) {
                                LOG.debug("room {}: snapshots not deleted: {}", room.id, ex.toString());
                            }
                        });
                    }
                    forget(room);
                    return null;
                }, workers);
    }

    /** The archived record: the room's whole stream, from which the game can be replayed. */
    private CompletedGame completedGame(String roomId, String stream, String gameType, Instant started,
                                        List<String> humans, long upTo) {
        EventStore es = eventStore;
        if (es == null) {
            throw new IllegalStateException("event store unavailable");
        }
        List<Map<String, Object>> records = new ArrayList<>();
        long from = 1;
        long completedAt = 0;
        while (from <= upTo) {
            List<RecordedEvent> page = es.read(stream, from, 1000);
            if (page.isEmpty()) {
                break;
            }
            for (RecordedEvent e : page) {
                if (e.version() > upTo) {
                    break;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("version", e.version());
                m.put("type", e.type());
                m.put("timestamp", e.timestamp());
                m.put("data", codec.tree(e.data()));
                records.add(m);
                completedAt = e.timestamp();
            }
            from = page.get(page.size() - 1).version() + 1;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", "ludus-room-record/1");
        doc.put("roomId", roomId);
        doc.put("records", records);
        return new CompletedGame(roomId, gameType, started, Instant.ofEpochMilli(completedAt), humans,
                codec.write(doc));
    }

    // ---------------------------------------------------------------- publishing

    private void pause(Room room, String reason) {
        if (room.state == RoomState.PLAYING || room.state == RoomState.PAUSED) {
            room.state = RoomState.PAUSED;
        }
        room.pauseReason = reason;
        room.cancelTimers();
        publishInfo(room);
        broadcast(room, "game_paused", Map.of("reason", reason));
    }

    private void publishInfo(Room room) {
        RoomInfo before = room.info;
        RoomInfo info = room.snapshotInfo();
        room.info = info;
        if (before == null || lobbyShows(before, info)) {
            lobby.changed();
        }
        if (room.state == RoomState.FINISHED || room.closed || room.hasHuman()) {
            room.emptySince = 0;
        } else if (room.emptySince == 0) {
            room.emptySince = room.lastChangeMillis > 0 ? room.lastChangeMillis : clock.millis();
        }
        GameStore store = gameStore;
        if (store == null || room.name == null) {
            return;
        }
        String key = STORE_PREFIX + room.id;
        try {
            room.storeVersion = room.storeVersion == 0
                    ? store.create(key, info).version()
                    : store.compareAndSet(key, room.storeVersion, info).version();
        } catch (VersionConflictException e) {
            // The store was replaced or written by someone else: take its version and write again.
            Optional<Versioned<RoomInfo>> current = store.get(key);
            try {
                room.storeVersion = current.isPresent()
                        ? store.compareAndSet(key, current.get().version(), info).version()
                        : store.create(key, info).version();
            } catch (VersionConflictException again) {
                room.storeVersion = 0;
            }
        }
    }

    /**
     * Whether a lobby page could tell the two apart. The stream version alone does not count: it
     * moves with every action of every running game, and would make the lobby's cached pages
     * useless while games run.
     */
    private static boolean lobbyShows(RoomInfo a, RoomInfo b) {
        return a.state() != b.state() || !a.seats().equals(b.seats()) || !a.pauseReason().equals(b.pauseReason())
                || !Objects.equals(a.name(), b.name());
    }

    private void broadcast(Room room, String type, Map<String, Object> data) {
        RoomEvent e = new RoomEvent(room.id, room.version, type, data);
        for (Room.Subscriber s : room.subscribers) {
            deliver(room, s, e);
        }
    }

    /**
     * Sends engine events to each subscriber, filtered to what the subscriber's seat may see, then
     * (with {@code includeViews}) the subscriber's new view and allowed actions as a {@code view} event,
     * so a client can render the game without knowing its rules.
     */
    private void publishEngineEvents(Room room, List<GameEvent> events, boolean includeViews) {
        for (Room.Subscriber s : room.subscribers) {
            int seat = room.seatOf(s.playerId());
            for (GameEvent g : events) {
                if (g.visibleTo(seat)) {
                    deliver(room, s, new RoomEvent(room.id, room.version, g.type(), g.data()));
                }
            }
            if (includeViews && room.engine != null) {
                deliver(room, s, new RoomEvent(room.id, room.version, "view", Map.of("game", engineView(room, seat),
                        "allowedActions", seat < 0 ? List.of() : room.engine.allowedActions(seat))));
            }
        }
    }

    /** The engine's view for a seat; spectators (seat -1) see what every seat may see. */
    private static Map<String, Object> engineView(Room room, int seat) {
        try {
            return room.engine.view(seat);
        } catch (RuntimeException e) {
            LOG.warn("room {}: the game's view of seat {} failed: {}", room.id, seat, e.toString());
            return Map.of();
        }
    }

    private static void deliver(Room room, Room.Subscriber s, RoomEvent e) {
        try {
            s.listener().onEvent(e);
        } catch (RuntimeException ex) {
            LOG.warn("room {}: listener of {} failed and is unsubscribed: {}", room.id, s.playerId(), ex.toString());
            room.subscribers.remove(s);
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
        return recoveryMillis >= 0;
    }

    @Override
    public HealthResult check() {
        int waiting = 0;
        int playing = 0;
        int paused = 0;
        int finished = 0;
        int pendingArchive = 0;
        List<String> quarantined = new ArrayList<>();
        String reason = null;
        for (Room r : rooms.values()) {
            RoomInfo i = r.info;
            if (i == null) {
                continue;
            }
            switch (i.state()) {
                case WAITING -> waiting++;
                case PLAYING -> playing++;
                case PAUSED -> {
                    paused++;
                    reason = i.pauseReason();
                }
                case FINISHED -> {
                    finished++;
                    if (!r.archived) {
                        pendingArchive++;
                        if (r.quarantined != null) {
                            quarantined.add(r.id);
                        }
                    }
                }
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("waiting", waiting);
        d.put("playing", playing);
        d.put("paused", paused);
        d.put("finished", finished);
        d.put("pendingArchive", pendingArchive);
        d.put("acceptedActions", acceptedActions.get());
        d.put("games", games.keySet().stream().sorted().toList().toString());
        d.put("recoveredRooms", recoveredRooms);
        d.put("recoveryMillis", recoveryMillis);
        d.put("closedEmptyRooms", closedRooms.get());
        d.put("lobbyVersion", lobby.version());
        d.put("quarantined", quarantined.size());
        if (!quarantined.isEmpty()) {
            quarantined.sort(null);
            d.put("quarantinedGames", quarantined.subList(0, Math.min(20, quarantined.size())).toString());
        }
        if (eventStore == null) {
            return HealthResult.degraded("event store unavailable: games are paused", d);
        }
        if (paused > 0) {
            return HealthResult.degraded(paused + " game(s) paused: " + reason, d);
        }
        if (!quarantined.isEmpty()) {
            return HealthResult.degraded(quarantined.size() + " completed game(s) quarantined, their archive hand-over "
                    + "kept failing: " + quarantined.subList(0, Math.min(5, quarantined.size()))
                    + "; raise archiveRetryQuarantined of " + PID + " to retry", d);
        }
        if (pendingArchive > 0 && archive == null) {
            return HealthResult.degraded(pendingArchive + " completed game(s) wait for the archive service", d);
        }
        return HealthResult.up(d);
    }

    // ---------------------------------------------------------------- helpers

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RoomException re) {
                throw re;
            }
            throw new RoomException(RoomException.UNAVAILABLE, rootMessage(e));
        } catch (TimeoutException e) {
            throw new RoomException(RoomException.UNAVAILABLE, "no answer within " + CALL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoomException(RoomException.UNAVAILABLE, "interrupted");
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    /** For tests: waits until every room has run the steps queued so far. */
    void settle() throws InterruptedException {
        for (Room r : List.copyOf(rooms.values())) {
            CountDownLatch l = new CountDownLatch(1);
            r.submit(() -> {
                l.countDown();
                return null;
            });
            l.await(30, TimeUnit.SECONDS);
        }
    }
}
