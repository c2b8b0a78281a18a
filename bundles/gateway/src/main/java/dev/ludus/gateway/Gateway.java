package dev.ludus.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Scope;

import dev.ludus.api.game.ActionResult;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.rooms.RoomBatchListener;
import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;

/**
 * The players' side of Ludus, independent of how it is deployed: accepts connections, reads the
 * protocol, maps requests onto {@link RoomService} and room events back onto each player's
 * numbered event stream. Contains no game rules.
 *
 * <p>Threads: Jetty's threads deliver frames; requests that wait for the event store run on a
 * small pool ({@code lobbyThreads}), one request at a time per player; room events arrive on the
 * rooms runtime's threads and are only serialised and queued here, never waited on. One scheduler
 * thread pings connections, closes idle ones and ends sessions whose grace period has run out.
 * {@link #stop()} stops them all.
 */
final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Correlation fields of the logging context (MDC) while a request is handled; the rooms carry them on. */
    static final String LOG_REQUEST_ID = "requestId";
    static final String LOG_PLAYER_ID = "playerId";
    static final String LOG_ROOM_ID = "roomId";
    /** How long a connection we closed may take to finish the close handshake before it is dropped. */
    private static final long ABORT_AFTER_MILLIS = 3000;

    /** Refusals of {@code leave_room} that still leave: the room is over or gone, or the seat is already lost. */
    private static final Set<String> LEFT_ANYWAY = Set.of(RoomException.GAME_OVER, RoomException.NO_SUCH_ROOM,
            RoomException.NOT_IN_ROOM);

    /** How long a connected player may hear nothing of a room that moved on before a snapshot. */
    static final long QUIET_MILLIS = 3000;
    private final Protocol protocol = new Protocol();
    private final LobbyReplies lobbyReplies = new LobbyReplies(protocol);
    private final Clock clock;
    private final ResumeTokens tokens;
    private volatile GatewayConfig config;
    private volatile RoomService rooms;
    private volatile dev.ludus.api.stats.PlayerStats stats;
    private volatile dev.ludus.api.archive.ArchiveService archive;
    /** Where replies to {@code replay} and the statistics requests are kept; null: none bound. */
    private volatile dev.ludus.api.cache.Caches caches;
    private volatile dev.ludus.api.bus.MessageBus bus;
    private volatile dev.ludus.api.cluster.Cluster cluster;
    /** Numbers the connection announcements of this gateway; with its start time, their message ids. */
    private final java.util.concurrent.atomic.AtomicLong announcements = new java.util.concurrent.atomic.AtomicLong();
    private final String announcementPrefix = Long.toString(System.currentTimeMillis(), 36);
    private volatile boolean stopping;
    /**
     * Set when a stop begins, before {@link #stopping}'s closes: new players, rooms and actions are
     * refused with {@link Codes#DRAINING} while the actions already handed to the rooms finish.
     */
    private volatile boolean draining;
    /** Actions handed to the rooms service and not answered yet; a drain waits for them. */
    private final java.util.concurrent.atomic.AtomicInteger actionsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** How long a refused client is told to wait before it reconnects: about a restart's time. */
    static final long DRAIN_RETRY_AFTER_MILLIS = 5_000;
    /** The node's pressure and whether new work is shed (docs/protocol.md, "Load shedding"). */
    final Pressure pressure;
    /** How many new rooms the node takes in the current pressure window (admission by capacity). */
    final Admission admission = new Admission();
    /** How many new connections the node takes in the current pressure window. */
    final Admission.Connections connectionWindow = new Admission.Connections();
    /** The process's CPU share between pressure readings (pressure thread only). */
    private final ProcessCpu cpu = new ProcessCpu();
    /** Each room's share of a hot CPU. */
    final RoomPacer pacer = new RoomPacer();
    private long lastReadingNanos;
    /** How long a client refused by admission pacing is told to wait: half a second, plus up to one at random. */
    static final long PACED_RETRY_AFTER_MILLIS = 500;
    /** When the executor-lag probe now waiting was handed to the pool (0: none waits). */
    private volatile long probeHandedNanos;
    private volatile double probeLagMillis;
    /** The event store's fsync count and time at the last pressure reading (sampler thread only). */
    private long fsyncCountSeen = -1;
    private long fsyncNanosSeen;
    /** How long an overloaded node tells a refused client to wait: two seconds, plus up to one at random. */
    static final long SHED_RETRY_AFTER_MILLIS = 2_000;
    private final ExecutorService pool;
    private final ScheduledExecutorService scheduler;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** The connections by their turn to be pinged, for {@link #maintain}. */
    private final PingWheel wheel = new PingWheel();
    private final Map<String, PlayerSession> sessions = new ConcurrentHashMap<>();
    private final AtomicLong connectionIds = new AtomicLong();
    private volatile long lastSweepMillis;

    private final AtomicLong lastRefusalLogMillis = new AtomicLong(Long.MIN_VALUE);
    private final ConnectionLimits limits = new ConnectionLimits();
    private final OutboundBytes outbound;
    private final long fdLimit;
    private volatile int maxConnections;
    private volatile UpgradeCheck upgradeCheck;
    /** Counts and times: health details, and the node's metrics while a registry is bound. */
    final GatewayMetrics metrics;
    /** The spans of players' actions; the API's no-op while no OpenTelemetry service is bound. */
    final GatewayTracing tracing = new GatewayTracing();
    /** The players' rate limits and the escalation of those who keep being refused. */
    final RequestLimits rateLimits;

    Gateway(GatewayConfig config, ResumeTokens tokens, Clock clock) {
        this.config = config;
        this.tokens = tokens;
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.lobbyThreads()), named("ludus-gateway"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(named("ludus-gateway-timer"));
        this.outbound = new OutboundBytes(OutboundBytes.limitFor(config.outboundTotalMegabytes(),
                Runtime.getRuntime().maxMemory()));
        this.fdLimit = ConnectionLimits.fileDescriptorLimit();
        applyLimits(config);
        metrics = new GatewayMetrics(connections::size, sessions::size, outbound::waiting);
        pressure = new Pressure(Pressure.Thresholds.of(config), this::executorLagMillis,
                () -> 100.0 * outbound.waiting() / Math.max(1, outbound.limit()), Pressure::heapAfterGcPercent,
                this::fsyncMillis);
        metrics.pressure(pressure);
        metrics.admission(admission);
        rateLimits = new RequestLimits(config, metrics);
    }

    /** Derives the limits that settings leave to the gateway, and says what they came to. */
    private void applyLimits(GatewayConfig cfg) {
        outbound.limit(OutboundBytes.limitFor(cfg.outboundTotalMegabytes(), Runtime.getRuntime().maxMemory()));
        int max = ConnectionLimits.effectiveMax(cfg.maxConnections(), fdLimit);
        maxConnections = max;
        upgradeCheck = new UpgradeCheck(cfg.allowedOrigins(), cfg.allowedHosts());
        String fds = fdLimit > 0 ? String.valueOf(fdLimit) : "unknown";
        if (cfg.maxConnections() > 0 && fdLimit > 0 && cfg.maxConnections() > fdLimit - 256) {
            LOG.warn("gateway: maxConnections {} is at or above what the process's file-descriptor limit ({}) allows;"
                    + " the process will run out of descriptors before it refuses upgrades. Raise the limit (ulimit -n)"
                    + " or lower maxConnections", cfg.maxConnections(), fds);
        }
        LOG.info("gateway: at most {} connections ({}; file-descriptor limit {}), {} per address; outbound queues"
                        + " bounded at {} messages / {} bytes per connection and {} MiB in all",
                max, cfg.maxConnections() > 0 ? "maxConnections" : "derived from the descriptor limit", fds,
                cfg.maxConnectionsPerAddress(), cfg.outboundQueueLimit(), cfg.outboundQueueBytes(),
                outbound.limit() >> 20);
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ---------------------------------------------------------------- lifecycle

    void start() {
        lastSweepMillis = nowMillis();
        scheduler.scheduleWithFixedDelay(this::maintain, 1, 1, TimeUnit.SECONDS);
        // The first reading at once: new rooms and connections are paced from the start.
        scheduler.scheduleAtFixedRate(this::samplePressure, 0, Pressure.SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Applies new settings; limits of open connections apply to new ones. */
    void configure(GatewayConfig cfg) {
        config = cfg;
        applyLimits(cfg);
        pressure.thresholds(Pressure.Thresholds.of(cfg));
        rateLimits.configure(cfg);
    }

    GatewayConfig config() {
        return config;
    }

    /**
     * The first step of a stop: refuses new connections (503), new players, rooms and actions
     * ({@link Codes#DRAINING}), and waits up to {@code maxMillis} for the actions already handed to
     * the rooms to be answered, so no player loses the reply to a move the server made. Returns how
     * many were still unanswered when the wait ended (0 when all were).
     */
    int drain(long maxMillis) {
        draining = true;
        int atStart = actionsInFlight.get();
        long begun = System.nanoTime();
        long deadline = begun + TimeUnit.MILLISECONDS.toNanos(Math.max(0, maxMillis));
        int left;
        while ((left = actionsInFlight.get()) > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun);
        if (left > 0) {
            LOG.warn("gateway: drain gave up after {} ms with {} actions unanswered ({} in flight when it began);"
                    + " their players see the outcome when they resume", took, left, atStart);
        } else {
            LOG.info("gateway: drained in {} ms: {} actions in flight answered, {} connections to close with 1012",
                    took, atStart, connections.size());
        }
        return Math.max(0, left);
    }

    boolean draining() {
        return draining;
    }

    /**
     * Closes every connection with {@link Codes#CLOSE_RESTART} (clients reconnect and resume), marks
     * the players disconnected so bots cover their seats, and stops the threads.
     */
    void stop() {
        drain(config.drainMillis());
        stopping = true;
        for (Connection c : connections) {
            c.close(Codes.CLOSE_RESTART, "the server is restarting the gateway: reconnect and resume");
        }
        RoomService rs = rooms;
        for (PlayerSession p : sessions.values()) {
            p.end();
            String room = p.roomId();
            closeQuietly(p.leave());
            if (room != null && rs != null) {
                try {
                    rs.setConnected(room, p.playerId, false);
                } catch (RuntimeException e) {
                    LOG.debug("gateway: could not mark {} disconnected: {}", p.playerId, e.toString());
                }
            }
        }
        sessions.clear();
        scheduler.shutdownNow();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The message bus arrived, left or was replaced (null: none). */
    void bus(dev.ludus.api.bus.MessageBus b) {
        bus = b;
    }

    /** The cluster this node is in arrived or left (null: a single node). */
    void cluster(dev.ludus.api.cluster.Cluster c) {
        cluster = c;
    }

    /**
     * In a cluster, the live node other than this one that owns {@code room}, if it has an address;
     * else null (no cluster, no owner, this node, or the cluster cannot say).
     */
    /**
     * In a cluster, the node a new room of {@code game} should go to when it is not this one: this
     * node does not host the game, or it is clearly busier than the node placement picks (the less
     * loaded of two, {@link dev.ludus.api.cluster.Cluster#place}); a room stays here while this
     * node's load is at most {@value #PLACEMENT_SLACK} times the least loaded host's plus
     * {@value #PLACEMENT_ROOMS} rooms, so players are not sent away for a difference of a few
     * rooms. Null: create it here (no cluster, no better node, or the cluster cannot say).
     */
    private dev.ludus.api.cluster.NodeInfo placedElsewhere(String game) {
        dev.ludus.api.cluster.Cluster cl = cluster;
        if (cl == null || game == null) {
            return null;
        }
        try {
            List<dev.ludus.api.cluster.NodeInfo> nodes = cl.nodes();
            dev.ludus.api.cluster.NodeInfo self = nodes.stream().filter(n -> n.id().equals(cl.nodeId())).findFirst().orElse(null);
            List<dev.ludus.api.cluster.NodeInfo> hosts = nodes.stream()
                    .filter(n -> n.hosts(game) && !n.draining() && (n == self || !n.address().isEmpty())).toList();
            if (self == null || hosts.isEmpty()) {
                return null; // not a member now, or nobody hosts it: the rooms service answers for itself
            }
            if (self.hosts(game) && !self.draining()) {
                double least = hosts.stream().mapToDouble(dev.ludus.api.cluster.NodeInfo::load).min().orElse(0);
                if (self.load() <= least * PLACEMENT_SLACK + PLACEMENT_ROOMS) {
                    return null;
                }
            }
            String target = cl.place(game);
            if (target.equals(cl.nodeId())) {
                return null;
            }
            return hosts.stream().filter(n -> n.id().equals(target)).findFirst().orElse(null);
        } catch (RuntimeException e) {
            LOG.debug("gateway: no placement for a room of {}: {}", game, e.toString());
            return null;
        }
    }

    /**
     * The game type to make a room of here: {@code type@version} (a canary: a room of that version
     * of the game) is {@code type} when this node runs that version; a version no node runs is
     * {@code unknown_game}. Anything else as asked.
     */
    private String gameHere(String game) {
        int at = game.indexOf('@');
        if (at <= 0) {
            return game;
        }
        dev.ludus.api.cluster.Cluster cl = cluster;
        boolean here = false;
        try {
            here = cl != null && cl.nodes().stream().anyMatch(n -> n.id().equals(cl.nodeId()) && n.hosts(game));
        } catch (RuntimeException e) {
            LOG.debug("gateway: the cluster cannot say which versions run here: {}", e.toString());
        }
        if (!here) {
            throw new RoomException(RoomException.UNKNOWN_GAME, "no node runs " + game);
        }
        return game.substring(0, at);
    }

    /** A node busier than this many times the least loaded host (plus {@link #PLACEMENT_ROOMS}) sends new rooms on. */
    static final double PLACEMENT_SLACK = 1.25;
    static final int PLACEMENT_ROOMS = 8;

    /**
     * In a cluster, the player's room has stopped running here because another live node owns it
     * now (taken over while this node stalled): the player leaves it here and gets a snapshot
     * without a room, so the client asks for it again and is sent to its node
     * ({@code room_elsewhere}). A session task.
     */
    private void leaveIfElsewhere(PlayerSession p) {
        String room = p.roomId();
        RoomService rs = rooms;
        if (room == null || rs == null || rs.get(room).isPresent() || elsewhere(room) == null) {
            return;
        }
        LOG.info("gateway: room {} of {} runs on another node now; the player is told to find it there", room, p.playerId);
        closeQuietly(p.leave());
        p.emptySnapshot();
    }

    /** How long a player asking for a room whose node is draining is told to wait before asking again. */
    static final long ROOM_MOVING_RETRY_MILLIS = 500;

    private dev.ludus.api.cluster.NodeInfo elsewhere(String room) {
        dev.ludus.api.cluster.Cluster c = cluster;
        if (c == null || room == null) {
            return null;
        }
        try {
            String owner = c.owner(room).orElse(null);
            if (owner == null || owner.equals(c.nodeId())) {
                return null;
            }
            return c.nodes().stream().filter(n -> n.id().equals(owner) && !n.address().isEmpty()).findFirst().orElse(null);
        } catch (RuntimeException e) {
            LOG.debug("gateway: the cluster cannot say where room {} is: {}", room, e.toString());
            return null;
        }
    }

    /**
     * Announces a player's connection or disconnection on the bus ({@code player.connected},
     * {@code player.disconnected}, keyed by player): best effort, never delaying the player; a
     * refusal is counted in the log at debug level only.
     */
    private void announce(String topic, PlayerSession p, String how) {
        dev.ludus.api.bus.MessageBus b = bus;
        if (b == null) {
            return;
        }
        try {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("playerId", p.playerId);
            m.put("name", p.name());
            m.put("at", java.time.Instant.ofEpochMilli(nowMillis()).toString());
            m.put("how", how);
            String id = topic + ":" + announcementPrefix + "-" + announcements.incrementAndGet();
            b.publish(new dev.ludus.api.bus.OutgoingMessage(topic, p.playerId, protocol.json(m), Map.of("source", "gateway"),
                    id)).whenComplete((done, error) -> {
                        if (error != null) {
                            LOG.debug("gateway: {} of {} not announced: {}", topic, p.playerId, error.toString());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.debug("gateway: {} of {} not announced: {}", topic, p.playerId, e.toString());
        }
    }

    /** The statistics service arrived, left or was replaced (null: none). */
    void archive(dev.ludus.api.archive.ArchiveService a) {
        archive = a;
    }

    void caches(dev.ludus.api.cache.Caches c) {
        caches = c;
    }

    void stats(dev.ludus.api.stats.PlayerStats s) {
        stats = s;
    }

    /**
     * The rooms service arrived, left or was replaced. Subscriptions die with the service that held
     * them, so every player in a room subscribes again and gets a snapshot.
     */
    void rooms(RoomService rs) {
        RoomService before = rooms;
        rooms = rs;
        if (rs == null || rs == before || stopping) {
            return;
        }
        for (PlayerSession p : sessions.values()) {
            if (p.roomId() != null) {
                p.tasks.submit(() -> {
                    String room = p.roomId();
                    if (room != null && rooms == rs) {
                        enterAndSync(p, rs, room);
                    }
                });
            }
        }
    }

    long nowMillis() {
        return clock.millis();
    }

    // ---------------------------------------------------------------- connections

    /** What the gateway reads of a WebSocket upgrade request, and how it refuses one. */
    interface Upgrade {
        String getHeader(String name);

        SocketAddress getLocalSocketAddress();

        SocketAddress getRemoteSocketAddress();

        void setHeader(String name, String value);

        /** Refuses the upgrade with an HTTP status and a reason. */
        void sendError(int status, String reason) throws IOException;
    }

    /**
     * Creates the endpoint for an upgrade request, or refuses it: 400/403 for a Host or Origin that
     * is not allowed, 429 when the address has too many connections, 503 when stopping or full.
     */
    Connection accept(Upgrade req) throws IOException {
        GatewayConfig cfg = config;
        SocketAddress local = req.getLocalSocketAddress();
        boolean loopback = local instanceof InetSocketAddress l && l.getAddress() != null && l.getAddress().isLoopbackAddress();
        String origin = req.getHeader("Origin");
        UpgradeCheck.Refusal refusal = upgradeCheck.check(origin, req.getHeader("Host"), loopback);
        if (refusal != null) {
            (refusal.reason().startsWith("origin") ? metrics.refusedOrigin : metrics.refusedHost).inc();
            logRefusal(() -> "refused a WebSocket upgrade from " + req.getRemoteSocketAddress() + " (" + refusal.reason()
                    + ": Origin " + Protocol.clip(String.valueOf(origin)) + ", Host "
                    + Protocol.clip(String.valueOf(req.getHeader("Host"))) + ")");
            req.sendError(refusal.status(), refusal.reason());
            return null;
        }
        if (stopping || draining || connections.size() >= maxConnections) {
            metrics.refused.inc();
            if (!stopping && !draining) {
                logRefusal(() -> "refused a WebSocket upgrade from " + req.getRemoteSocketAddress() + ": "
                        + connections.size() + " connections open, the limit (maxConnections)");
            }
            req.sendError(503, stopping || draining ? "the gateway is stopping" : "too many connections");
            return null;
        }
        if (shed("connection")) {
            req.setHeader("Retry-After", String.valueOf((shedRetryAfterMillis() + 999) / 1000));
            req.sendError(503, "the node is overloaded: try again later");
            return null;
        }
        if (!"off".equals(cfg.shedding()) && !connectionWindow.take()) {
            boolean shadow = "shadow".equals(cfg.shedding());
            metrics.shed("new_connection", shadow);
            if (!shadow) {
                req.setHeader("Retry-After", "1");
                req.sendError(503, "the node takes at most " + connectionWindow.window() + " new connections per "
                        + Pressure.SAMPLE_MILLIS + " ms now: try again in a second");
                return null;
            }
        }
        SocketAddress remoteAddress = req.getRemoteSocketAddress();
        String address = remoteAddress instanceof InetSocketAddress i && i.getAddress() != null
                ? i.getAddress().getHostAddress() : String.valueOf(remoteAddress);
        if (limits.openFrom(address) >= cfg.maxConnectionsPerAddress()) {
            metrics.refusedAddress.inc();
            logRefusal(() -> "refused a WebSocket upgrade from " + address + ": " + limits.openFrom(address)
                    + " connections from this address, the limit (maxConnectionsPerAddress)");
            req.sendError(429, "too many connections from this address");
            return null;
        }
        long now = nowMillis();
        return new Connection(this, connectionIds.incrementAndGet(), String.valueOf(remoteAddress), address,
                new SerialQueue(pool), new MessageBudget(cfg.messagesPerSecond(), cfg.messageBurst(), now),
                cfg.outboundQueueLimit(), cfg.outboundQueueBytes(), outbound, now);
    }

    /**
     * Logs a refused upgrade at most once every 10 seconds, with how many were refused meanwhile:
     * whoever makes the refusals must not also control the log's size.
     */
    private void logRefusal(java.util.function.Supplier<String> message) {
        long now = nowMillis();
        long last = lastRefusalLogMillis.get();
        if ((last == Long.MIN_VALUE || now - last >= 10_000) && lastRefusalLogMillis.compareAndSet(last, now)) {
            LOG.info("gateway: {} (refused so far: origin {}, host {}, per address {}, full {}; logged at most every 10 s)",
                    message.get(), metrics.refusedOrigin.getCount(), metrics.refusedHost.getCount(), metrics.refusedAddress.getCount(), metrics.refused.getCount());
        }
    }

    void opened(Connection c) {
        metrics.opened.inc();
        connections.add(c);
        wheel.joined(c);
        limits.opened(c.address);
        GatewayConfig cfg = config;
        // Set on each connection as it opens, so they follow configuration changes.
        c.limits(cfg.maxFrameBytes(), Duration.ofSeconds(2L * cfg.idleTimeoutSeconds() + cfg.pingIntervalSeconds()));
        if (stopping) {
            c.close(Codes.CLOSE_RESTART, "the server is restarting the gateway: reconnect and resume");
        }
    }

    void closed(Connection c, int code, String reason) {
        if (connections.remove(c)) {
            wheel.left(c);
            limits.closed(c.address);
            metrics.closed(code);
        }
        PlayerSession p = c.player();
        if (p != null) {
            p.detach(c, nowMillis(), presence(p, false));
            announce("player.disconnected", p, "close " + code);
        }
        LOG.debug("gateway: {} closed {} {}", c, code, reason);
    }

    void failed(Connection c, Throwable cause) {
        LOG.debug("gateway: {} failed: {}", c, cause.toString());
    }

    void slowConsumer(Connection c, String reason) {
        metrics.slowClosed.inc();
        LOG.info("gateway: {} reads too slowly ({} messages, {} bytes waiting; {}): disconnected", c,
                c.pendingMessages(), c.pendingBytes(), reason);
        abortLater(c);
    }

    private void closeAndAbort(Connection c, int code, String reason) {
        c.close(code, reason);
        abortLater(c);
    }

    private void abortLater(Connection c) {
        try {
            scheduler.schedule(() -> {
                if (connections.contains(c)) {
                    c.abort();
                }
            }, ABORT_AFTER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            c.abort();
        }
    }

    void receivedBinary(Connection c, int bytes) {
        metrics.received(bytes);
        c.counts.received(bytes);
        if (c.isClosing()) {
            return; // being closed: nothing it sends is answered, counted as refused, or logged
        }
        if (!c.budget.tryTake(nowMillis())) {
            overBudget(c, null);
            return;
        }
        metrics.badRequests.inc();
        c.send(protocol.error(null, Codes.BAD_FRAME, "binary frames are not part of the protocol; send JSON text"));
    }

    /** One text message from a client, of {@code bytes} bytes in UTF-8. Runs on a Jetty thread; never blocks. */
    void received(Connection c, String text, long bytes) {
        metrics.received(bytes);
        c.counts.received(bytes);
        if (c.isClosing()) {
            return; // being closed: nothing it sends is answered, counted as refused, or logged
        }
        GatewayConfig cfg = config;
        boolean small = bytes <= cfg.maxMessageBytes();
        if (!c.budget.tryTake(nowMillis())) {
            overBudget(c, small ? idOf(protocol.parse(text)) : null);
            return;
        }
        if (!small) {
            metrics.tooLarge.inc();
            c.send(protocol.error(null, Codes.TOO_LARGE, "a message may have at most " + cfg.maxMessageBytes() + " bytes"));
            return;
        }
        Protocol.Parsed parsed = protocol.parse(text);
        if (parsed instanceof Protocol.Bad b) {
            metrics.badRequests.inc();
            c.send(protocol.error(b.id(), b.code(), b.message()));
            return;
        }
        Request r = ((Protocol.Good) parsed).request();
        // An action is traced from here, its frame's arrival, to its reply.
        Span span = r instanceof Request.Act a ? tracing.startAct(a.traceparent(), a.action()) : Span.getInvalid();
        // Every request passes this connection's queue first, so a client may send hello and its
        // next requests without waiting: they are handled in the order sent.
        c.requests.runNowOrSubmit(() -> dispatch(c, r, span));
    }

    /** Hands a request to its player's queue. Runs in the connection's order; never blocks. */
    private void dispatch(Connection c, Request r, Span span) {
        if (r instanceof Request.Hello h) {
            hello(c, h);
            return;
        }
        PlayerSession p = c.player();
        if (p == null) {
            GatewayTracing.fail(span, Codes.NO_SESSION);
            c.send(protocol.error(r.id(), Codes.NO_SESSION, "say hello first: {\"id\":1,\"type\":\"hello\",\"name\":\"...\"}"));
            return;
        }
        // Refused here, on the network thread, so an overloaded node spends nothing more on them.
        if ((r instanceof Request.CreateRoom || r instanceof Request.JoinRoom)
                && shed(r instanceof Request.CreateRoom ? "create_room" : "join_room")) {
            GatewayTracing.fail(span, Codes.OVERLOADED);
            c.send(overloadedError(r.id()));
            return;
        }
        RequestLimits.Refusal refusal = limited(p, r);
        if (refusal != null) {
            GatewayTracing.fail(span, Codes.RATE_LIMITED);
            refuse(c, p, r.id(), refusal);
            return;
        }
        if (r instanceof Request.CreateRoom && paced()) {
            GatewayTracing.fail(span, Codes.OVERLOADED);
            c.send(pacedError(r.id()));
            return;
        }
        if (r instanceof Request.Act || r instanceof Request.Ping || r instanceof Request.ListRooms) {
            p.tasks.runNowOrSubmit(() -> handle(c, p, r, span));
        } else {
            p.tasks.submit(() -> handle(c, p, r, span));
        }
    }

    /** The refusal of the player's rate limits for this request, or null when it may go on. */
    private RequestLimits.Refusal limited(PlayerSession p, Request r) {
        String player = p.limitKey;
        RequestLimits.Refusal refusal = rateLimits.check(RequestLimits.PLAYER_MESSAGES, player);
        if (refusal != null) {
            return refusal;
        }
        if (r instanceof Request.Act a) {
            refusal = rateLimits.checkAction(p.gameType(), a.action(), player);
            String room = p.roomId();
            return refusal != null || room == null ? refusal : rateLimits.check(RequestLimits.ROOM_MESSAGES, "room:" + room);
        }
        String policy = r instanceof Request.CreateRoom ? RequestLimits.CREATE_ROOM
                : r instanceof Request.JoinRoom ? RequestLimits.JOIN_ROOM
                : r instanceof Request.StartGame ? RequestLimits.START
                : r instanceof Request.Ping ? RequestLimits.PING : null;
        return policy == null ? null : rateLimits.check(policy, player);
    }

    /**
     * Answers a request refused by a rate limit, and escalates: a warning once the player has been
     * refused {@code limitWarnAt} times within a minute, the connection closed (4003) at
     * {@code limitCloseAt}, and a ban after {@code banAfterCloses} such closes within ten minutes.
     */
    private void refuse(Connection c, PlayerSession p, Object id, RequestLimits.Refusal refusal) {
        metrics.rateLimited.inc();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("retryAfterMillis", refusal.retryAfterMillis());
        extra.put("policy", refusal.policy());
        c.send(protocol.error(id, Codes.RATE_LIMITED, (refusal.blocked() ? "blocked by the limit '" : "over the limit '")
                + refusal.policy() + "'; try again in " + refusal.retryAfterMillis() + " ms", extra));
        long now = nowMillis();
        switch (rateLimits.refusedPlayer(p.playerId, now)) {
            case WARN -> c.send(protocol.warning(Codes.RATE_LIMITED, "slow down: requests are being refused by rate limits;"
                    + " " + config.limitCloseAt() + " refusals within a minute close the connection"));
            case CLOSE -> {
                metrics.floodClosed.inc();
                boolean banned = rateLimits.closedPlayer(p.playerId, now);
                String why = banned
                        ? "refused " + config.limitCloseAt() + " times within a minute, again: banned for " + config.banSeconds() + " s"
                        : "refused " + config.limitCloseAt() + " times within a minute by rate limits";
                LOG.info("gateway: player {} on {}: {}", p.playerId, c, why);
                if (banned) {
                    for (Connection other : connections) {
                        if (other != c && other.player() == p) {
                            closeAndAbort(other, Codes.CLOSE_FLOOD, why);
                        }
                    }
                }
                closeAndAbort(c, Codes.CLOSE_FLOOD, why);
            }
            default -> {
                // the refusal is the answer
            }
        }
    }

    private void overBudget(Connection c, Object id) {
        metrics.rateLimited.inc();
        GatewayConfig cfg = config;
        if (c.budget.refusedRecently() >= cfg.floodLimit()) {
            if (!c.markFlooded()) {
                return;
            }
            metrics.floodClosed.inc();
            LOG.info("gateway: {} floods ({} messages over budget within 10 s): disconnected", c, c.budget.refusedRecently());
            closeAndAbort(c, Codes.CLOSE_FLOOD, "flooding: " + cfg.floodLimit() + " messages over the budget within 10 s");
            return;
        }
        c.send(protocol.error(id, Codes.RATE_LIMITED, "over the budget of " + cfg.messagesPerSecond()
                + " messages per second (burst " + cfg.messageBurst() + "); the message was ignored"));
    }

    private static Object idOf(Protocol.Parsed parsed) {
        return parsed instanceof Protocol.Good g ? g.request().id() : ((Protocol.Bad) parsed).id();
    }

    /** The UTF-8 length of {@code s}, counted only as far as needed to know it exceeds {@code limit}. */
    static int utf8Length(String s, int limit) {
        if ((long) s.length() * 3 <= limit) {
            return s.length();
        }
        int n = 0;
        for (int i = 0; i < s.length() && n <= limit; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n++;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- hello and resume

    /**
     * Opens or resumes a session. Never blocks: attaching the connection, and what needs the rooms
     * service, runs as a task of the session, after anything it has queued.
     */
    private void hello(Connection c, Request.Hello h) {
        if (c.isClosing()) {
            return;
        }
        if (c.player() != null) {
            c.send(protocol.error(h.id(), Codes.BAD_REQUEST, "this connection already has a session"));
            return;
        }
        if (draining) {
            c.send(drainingError(h.id()));
            return;
        }
        if (h.token() == null && shed("hello")) {
            c.send(overloadedError(h.id()));
            return;
        }
        RequestLimits.Refusal tooMany = rateLimits.check(RequestLimits.HELLO_PER_ADDRESS, "address:" + c.address);
        if (tooMany != null) {
            metrics.rateLimited.inc();
            rateLimits.refusedAddress(c.address, nowMillis());
            c.send(protocol.error(h.id(), Codes.RATE_LIMITED, "too many sessions opened from this address; try again in "
                    + tooMany.retryAfterMillis() + " ms", Map.of("retryAfterMillis", tooMany.retryAfterMillis(),
                    "policy", tooMany.policy())));
            return;
        }
        String name = cleanName(h.name());
        c.batch(h.batch());
        if (h.token() == null) {
            PlayerSession p = newSession(tokens.newPlayerId(), name, 0);
            sessions.put(p.playerId, p);
            c.player(p);
            p.tasks.submit(() -> {
                if (attached(c, p, p.attachHolding(c, welcome(h, p, "new"), presence(p, true)), h)) {
                    p.emptySnapshot();
                }
            });
            return;
        }
        ResumeTokens.Verified v = tokens.verify(h.token());
        if (!v.ok()) {
            c.send(protocol.error(h.id(), v.error(), Codes.TOKEN_EXPIRED.equals(v.error())
                    ? "the resume token has expired; say hello without a token to start a new session"
                    : "the resume token is not valid here; say hello without a token to start a new session"));
            return;
        }
        long ban = rateLimits.bannedFor(v.playerId(), nowMillis());
        if (ban > 0) {
            c.send(protocol.error(h.id(), Codes.BANNED, "this player is banned for " + (ban + 999) / 1000
                    + " s more, for being refused by rate limits again and again", Map.of("retryAfterMillis", ban)));
            return;
        }
        PlayerSession existing = sessions.get(v.playerId());
        if (existing != null && !existing.ended()) {
            c.player(existing);
            if (h.name() != null) {
                existing.name(name);
            }
            existing.tasks.submit(() -> resume(c, existing, h));
            return;
        }
        // Not known here (the gateway restarted, or the grace period ran out): the token still proves
        // who the player is; find their seat, if they still have one, and send a snapshot.
        PlayerSession p = sessions.compute(v.playerId(), (k, cur) -> cur == null || cur.ended()
                ? newSession(k, name, h.lastSeq()) : cur);
        c.player(p);
        p.tasks.submit(() -> rebuild(c, p, h));
    }

    private PlayerSession newSession(String playerId, String name, long firstSeq) {
        return new PlayerSession(playerId, name, firstSeq, new SerialQueue(pool), protocol, config.replayBufferEvents(),
                nowMillis());
    }

    /** Tells the rooms service whether the player is connected; called under the session's lock. */
    private Consumer<String> presence(PlayerSession p, boolean connected) {
        return room -> {
            RoomService rs = rooms;
            if (room != null && rs != null) {
                try {
                    rs.setConnected(room, p.playerId, connected);
                } catch (RuntimeException e) {
                    LOG.debug("gateway: could not mark {} connected={}: {}", p.playerId, connected, e.toString());
                }
            }
        };
    }

    /** Closes what an attach replaced; answers if the session could not take the connection. */
    private boolean attached(Connection c, PlayerSession p, PlayerSession.Attach a, Request.Hello h) {
        if (a.replaced() != null) {
            closeAndAbort(a.replaced(), Codes.CLOSE_REPLACED, "this session was resumed on another connection");
        }
        if (!a.attached()) {
            c.send(protocol.error(h.id(), Codes.UNAVAILABLE, "the session has ended; say hello again"));
            c.player(null);
        } else {
            announce("player.connected", p, h.token() == null ? "new" : "resumed");
        }
        return a.attached();
    }

    /** A known session on a new connection: missed events if they are all kept, else a snapshot. */
    private void resume(Connection c, PlayerSession p, Request.Hello h) {
        PlayerSession.Attach a = p.attachReplaying(c, welcome(h, p, "events"), h.lastSeq(), presence(p, true));
        if (a.covered()) {
            if (attached(c, p, a, h)) {
                metrics.resumedWithEvents.inc();
            }
            return;
        }
        p.continueAfter(h.lastSeq());
        if (attached(c, p, p.attachHolding(c, welcome(h, p, "snapshot"), presence(p, true)), h)) {
            metrics.resumedWithSnapshot.inc();
            resync(p);
        }
    }

    /** A player the gateway does not remember: their seat (if any) from the rooms service, and a snapshot. */
    private void rebuild(Connection c, PlayerSession p, Request.Hello h) {
        p.continueAfter(h.lastSeq());
        if (!attached(c, p, p.attachHolding(c, welcome(h, p, "snapshot"), presence(p, true)), h)) {
            return;
        }
        metrics.resumedWithSnapshot.inc();
        if (p.roomId() != null) {
            resync(p); // another connection rebuilt it a moment ago
            return;
        }
        RoomService rs = rooms;
        String room = null;
        if (rs != null) {
            // A room that is not over first; else the finished one, so the player sees its result.
            List<RoomInfo> mine = rs.roomsOf(p.playerId);
            room = mine.isEmpty() ? null : mine.get(0).roomId();
        }
        if (room == null) {
            p.emptySnapshot();
        } else {
            enterAndSync(p, rs, room);
        }
    }

    private String welcome(Request.Hello h, PlayerSession p, String resumed) {
        long ttl = config.tokenTtlSeconds();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("playerId", p.playerId);
        r.put("name", p.name());
        r.put("token", tokens.issue(p.playerId, ttl));
        r.put("expiresAt", tokens.expiresAt(ttl));
        r.put("resumed", resumed);
        r.put("graceSeconds", config.gracePeriodSeconds());
        r.put("batch", h.batch());
        return protocol.ok(h.id(), r);
    }

    private static String cleanName(String name) {
        if (name == null) {
            return "player";
        }
        StringBuilder b = new StringBuilder();
        name.strip().codePoints().filter(cp -> !hidesText(cp)).limit(32).forEach(b::appendCodePoint);
        String clean = b.toString().strip();
        return clean.isEmpty() ? "player" : clean;
    }

    /**
     * A control character, or a bidirectional override, embedding or isolate (U+202A to U+202E,
     * U+2066 to U+2069): text other players see must not break lines or read as other text than
     * it is (a name written backwards passing for another player's).
     */
    static boolean hidesText(int cp) {
        return Character.isISOControl(cp) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    }

    // ---------------------------------------------------------------- rooms

    /** A player's subscription to their room: hands the room's events to the session. */
    private record Listener(PlayerSession p) implements RoomBatchListener {
        @Override
        public void onEvent(RoomEvent e) {
            try {
                p.onRoomEvent(e);
            } catch (RuntimeException ex) {
                LOG.warn("gateway: event {} for {} not delivered: {}", e.type(), p.playerId, ex.toString());
            }
        }

        @Override
        public void onEvents(List<RoomEvent> events) {
            try {
                p.onRoomEvents(events);
            } catch (RuntimeException ex) {
                LOG.warn("gateway: {} events for {} not delivered: {}", events.size(), p.playerId, ex.toString());
            }
        }
    }

    /** Subscribes {@code p} to {@code room} and sends a snapshot. A session task. */
    private void enterAndSync(PlayerSession p, RoomService rs, String room) {
        closeQuietly(p.enter(room));
        AutoCloseable sub;
        try {
            sub = rs.subscribe(room, p.playerId, new Listener(p));
        } catch (RoomException e) {
            closeQuietly(p.leave());
            p.emptySnapshot();
            return;
        }
        closeQuietly(p.subscribed(room, sub));
        if (p.connection() != null) {
            try {
                rs.setConnected(room, p.playerId, true);
            } catch (RoomException e) {
                LOG.debug("gateway: setConnected {} {}: {}", room, p.playerId, e.code());
            }
        }
        snapshotNow(p, rs, room);
    }

    /** Sends a snapshot of the player's room. A session task. */
    private void resync(PlayerSession p) {
        String room = p.roomId();
        RoomService rs = rooms;
        if (room == null) {
            p.emptySnapshot();
            return;
        }
        if (rs == null) {
            return; // when the service returns, rooms(rs) subscribes again and sends a snapshot
        }
        p.hold();
        snapshotNow(p, rs, room);
    }

    private void snapshotNow(PlayerSession p, RoomService rs, String room) {
        try {
            Map<String, Object> view = rs.view(room, p.playerId);
            long version = view.get("room") instanceof RoomInfo info ? info.version() : 0;
            p.snapshot(view, version);
        } catch (RoomException e) {
            if (RoomException.NO_SUCH_ROOM.equals(e.code())) {
                closeQuietly(p.leave());
                p.emptySnapshot();
            } else {
                LOG.debug("gateway: snapshot of {} for {} failed ({}), retrying", room, p.playerId, e.code());
                try {
                    scheduler.schedule(() -> p.tasks.submit(() -> {
                        if (room.equals(p.roomId())) {
                            resync(p);
                        }
                    }), 1, TimeUnit.SECONDS);
                } catch (RejectedExecutionException stopped) {
                    // stopping
                }
            }
        }
    }

    // ---------------------------------------------------------------- requests

    /**
     * A request as a session task, with its correlation fields in the logging context, and an
     * action's span as the current one (the rooms runtime and the event store continue its trace).
     */
    private void handle(Connection c, PlayerSession p, Request r, Span span) {
        String requestId = requestId(c, r);
        MDC.put(LOG_REQUEST_ID, requestId);
        MDC.put(LOG_PLAYER_ID, p.playerId);
        String room = p.roomId();
        if (room != null) {
            MDC.put(LOG_ROOM_ID, room);
        }
        SpanContext trace = span.getSpanContext();
        if (trace.isValid()) {
            MDC.put(GatewayTracing.LOG_TRACE_ID, trace.getTraceId());
        }
        GatewayTracing.annotate(span, p.playerId, requestId, room);
        long taken = System.nanoTime();
        // Nothing to carry on without a trace (no traceparent, no SDK): skip the context switch.
        try (Scope scope = trace.isValid() ? span.makeCurrent() : Scope.noop()) {
            serve(c, p, r, span);
        } finally {
            if (!(r instanceof Request.Act)) {
                metrics.request(Protocol.typeOf(r), System.nanoTime() - taken); // an act is timed to its reply
            }
            MDC.remove(LOG_REQUEST_ID);
            MDC.remove(LOG_PLAYER_ID);
            MDC.remove(LOG_ROOM_ID);
            MDC.remove(GatewayTracing.LOG_TRACE_ID);
        }
    }

    /**
     * The request's id in the logs: the connection's number and the client's id for it,
     * {@code c12:7}; a client's id is cut to 64 characters and stripped of control characters.
     */
    static String requestId(Connection c, Request r) {
        String id = String.valueOf(r.id());
        StringBuilder b = new StringBuilder(72).append('c').append(c.id).append(':');
        id.codePoints().filter(cp -> !Character.isISOControl(cp)).limit(64).forEach(b::appendCodePoint);
        return b.toString();
    }

    /** Serves {@code r}; an action's {@code span} ends with its reply, whichever way it goes. */
    private void serve(Connection c, PlayerSession p, Request r, Span span) {
        if (r instanceof Request.Profile || r instanceof Request.Leaderboard || r instanceof Request.History) {
            statistics(c, p, r);
            return;
        }
        if (r instanceof Request.Replay rp) {
            replay(c, p, rp);
            return;
        }
        RoomService rs = rooms;
        if (rs == null && !(r instanceof Request.Ping)) {
            GatewayTracing.fail(span, Codes.UNAVAILABLE);
            p.reply(c, protocol.error(r.id(), Codes.UNAVAILABLE, "the rooms service is not available right now"));
            return;
        }
        if (draining && startsWork(r)) {
            GatewayTracing.fail(span, Codes.DRAINING);
            p.reply(c, drainingError(r.id()));
            return;
        }

        try {
            if (r instanceof Request.Ping ping) {
                p.reply(c, protocol.ok(ping.id(), Map.of("time", nowMillis())));
            } else if (r instanceof Request.ListRooms l) {
                listRooms(c, p, rs, l);
            } else if (r instanceof Request.CreateRoom cr) {
                dev.ludus.api.cluster.NodeInfo there = placedElsewhere(cr.game());
                if (there != null) {
                    p.reply(c, protocol.error(cr.id(), Codes.CREATE_ELSEWHERE, "new rooms of " + cr.game() + " go to node "
                            + there.id() + " now: connect to " + there.address() + ", resume with your token and create it there",
                            Map.of("address", there.address(), "node", there.id())));
                    return;
                }
                RoomInfo info = rs.create(gameHere(cr.game()), cr.name(), cr.options(), p.playerId);
                p.reply(c, protocol.ok(cr.id(), Map.of("room", Protocol.room(info))));
            } else if (r instanceof Request.JoinRoom j) {
                join(c, p, rs, j);
            } else if (r instanceof Request.LeaveRoom l) {
                leave(c, p, rs, l);
            } else if (r instanceof Request.AddBot a) {
                RoomInfo info = rs.addBot(requireRoom(p));
                p.reply(c, protocol.ok(a.id(), Map.of("room", Protocol.room(info))));
            } else if (r instanceof Request.RemoveBot rb) {
                RoomInfo info = rs.removeBot(requireRoom(p), rb.seat());
                p.reply(c, protocol.ok(rb.id(), Map.of("room", Protocol.room(info))));
            } else if (r instanceof Request.StartGame s) {
                RoomInfo info = rs.start(requireRoom(p));
                p.reply(c, protocol.ok(s.id(), Map.of("room", Protocol.room(info))));
            } else if (r instanceof Request.Act a) {
                act(c, p, rs, a, span);
            } else if (r instanceof Request.Sync s) {
                p.reply(c, protocol.ok(s.id(), Map.of()));
                resync(p);
            } else {
                p.reply(c, protocol.error(r.id(), Codes.BAD_REQUEST, "this connection already has a session"));
            }
        } catch (RoomException e) {
            GatewayTracing.fail(span, e.code()); // thrown before an action was handed over
            dev.ludus.api.cluster.NodeInfo owner = r instanceof Request.JoinRoom j && RoomException.NO_SUCH_ROOM.equals(e.code())
                    ? elsewhere(j.room()) : null;
            if (owner != null && owner.draining()) {
                p.reply(c, protocol.error(r.id(), Codes.ROOM_MOVING, "the room's node " + owner.id() + " is draining: the room"
                        + " moves to another node in a moment; join again in " + ROOM_MOVING_RETRY_MILLIS + " ms",
                        Map.of("retryAfterMillis", ROOM_MOVING_RETRY_MILLIS, "node", owner.id())));
            } else if (owner != null) {
                p.reply(c, protocol.error(r.id(), Codes.ROOM_ELSEWHERE, "the room runs on node " + owner.id()
                        + ": connect to " + owner.address() + ", resume with your token and join there",
                        Map.of("address", owner.address(), "node", owner.id())));
            } else {
                p.reply(c, protocol.error(r.id(), e.code(), e.getMessage()));
                if (RoomException.NO_SUCH_ROOM.equals(e.code()) && !(r instanceof Request.JoinRoom)) {
                    leaveIfElsewhere(p);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("gateway: request {} of {} failed", r.getClass().getSimpleName(), p.playerId, e);
            GatewayTracing.fail(span, Codes.INTERNAL_ERROR);
            p.reply(c, protocol.error(r.id(), Codes.INTERNAL_ERROR, "the request failed on the server"));
        }
    }

    /**
     * Replies to {@code profile}, {@code leaderboard} and {@code history}, kept in the cache
     * {@code stats} of the bound {@link dev.ludus.api.cache.Caches} under the stats service's
     * revision of what they show ({@link dev.ludus.api.stats.PlayerStats#playerRevision},
     * {@link dev.ludus.api.stats.PlayerStats#leaderboardRevision}): a counted game changes the
     * revision, so the next request is written anew and no reply outlives the figures it shows.
     * Replies of older revisions are never asked for again and leave by size or age.
     */
    static final dev.ludus.api.cache.CacheSpec<String> STATS_REPLIES = dev.ludus.api.cache.CacheSpec
            .of("stats", dev.ludus.api.cache.CacheCodec.UTF8).withMaxEntries(Gateway.STATS_KEPT)
            .withTimeToLive(java.time.Duration.ofMinutes(Gateway.REPLAY_MINUTES));
    static final int STATS_KEPT = 10_000;

    /** A {@code profile}, {@code leaderboard} or {@code history} request, answered from the stats service. */
    private void statistics(Connection c, PlayerSession p, Request r) {
        dev.ludus.api.stats.PlayerStats s = stats;
        if (s == null) {
            p.reply(c, protocol.error(r.id(), Codes.STATS_UNAVAILABLE, "player statistics are not available right now"));
            return;
        }
        try {
            String json;
            if (r instanceof Request.Profile pr) {
                String who = pr.player() == null ? p.playerId : pr.player();
                json = statsReply(s.playerRevision(who), "profile|", who, () -> protocol.json(
                        Map.of("profile", Protocol.profile(who, s.profile(who)))));
            } else if (r instanceof Request.Leaderboard l) {
                json = statsReply(s.leaderboardRevision(l.game()), "leaderboard|" + l.limit() + "|", l.game(),
                        () -> protocol.json(Map.of("game", l.game(),
                                "players", Protocol.standings(s.leaderboard(l.game(), l.limit())))));
            } else if (r instanceof Request.History h) {
                String who = h.player() == null ? p.playerId : h.player();
                json = statsReply(s.playerRevision(who), "history|" + h.limit() + "|", who, () -> protocol.json(
                        Map.of("player", who, "games", Protocol.games(s.history(who, h.limit())))));
            } else {
                return;
            }
            p.reply(c, protocol.okJson(r.id(), json));
        } catch (RuntimeException e) {
            LOG.error("gateway: statistics request {} of {} failed", r.getClass().getSimpleName(), p.playerId, e);
            p.reply(c, protocol.error(r.id(), Codes.INTERNAL_ERROR, "the request failed on the server"));
        }
    }

    /** A statistics reply through the cache, filed under {@code kind + revision + "|" + subject}. */
    private String statsReply(String revision, String kind, String subject, java.util.function.Supplier<String> render) {
        dev.ludus.api.cache.Caches cs = caches;
        if (cs == null || revision == null) {
            return render.get();
        }
        return cs.cache(STATS_REPLIES).get(kind + revision + "|" + subject, k -> render.get());
    }

    /**
     * Replies to {@code replay}: an archived game never changes, so its reply is written once and
     * kept in the cache {@code replays} of the bound {@link dev.ludus.api.cache.Caches} per game and
     * seat (at most {@value #REPLAYS_KEPT}, each {@value #REPLAY_MINUTES} minutes: a game deleted by
     * retention is served at most that long). A game not found is not kept, nor one whose steps
     * cannot be made now.
     */
    static final dev.ludus.api.cache.CacheSpec<String> REPLAYS = dev.ludus.api.cache.CacheSpec
            .of("replays", dev.ludus.api.cache.CacheCodec.UTF8).withMaxEntries(Gateway.REPLAYS_KEPT)
            .withTimeToLive(java.time.Duration.ofMinutes(Gateway.REPLAY_MINUTES));
    static final int REPLAYS_KEPT = 2000;
    static final int REPLAY_MINUTES = 10;

    /** A {@code replay} request: the archived game with its events and steps, through the cache when one is bound. */
    private void replay(Connection c, PlayerSession p, Request.Replay r) {
        dev.ludus.api.archive.ArchiveService a = archive;
        if (a == null) {
            p.reply(c, protocol.error(r.id(), Codes.ARCHIVE_UNAVAILABLE, "the archive is not available right now"));
            return;
        }
        RoomService rs = rooms;
        java.util.function.Function<String, String> render = key -> a.find(r.game())
                .map(g -> replayOf(g, rs, r.seat())).orElse(null);
        String json;
        try {
            dev.ludus.api.cache.Caches cs = caches;
            json = cs == null ? render.apply(r.game()) : cs.cache(REPLAYS).get(r.seat() + "|" + r.game(), render);
        } catch (NotKept e) {
            json = e.json;
        } catch (RoomException e) {
            p.reply(c, protocol.error(r.id(), e.code(), e.getMessage()));
            return;
        } catch (dev.ludus.api.archive.ArchiveException e) {
            p.reply(c, protocol.error(r.id(), Codes.ARCHIVE_UNAVAILABLE, "the archive cannot be read now: " + e.code()));
            return;
        } catch (RuntimeException e) {
            LOG.error("gateway: replay of {} for {} failed", r.game(), p.playerId, e);
            p.reply(c, protocol.error(r.id(), Codes.INTERNAL_ERROR, "the request failed on the server"));
            return;
        }
        if (json == null) {
            p.reply(c, protocol.error(r.id(), Codes.GAME_NOT_FOUND, "no finished game " + Protocol.clip(r.game())
                    + " in the archive"));
            return;
        }
        p.reply(c, protocol.okJson(r.id(), json));
    }

    /**
     * A replay's JSON. Its steps come from the rooms service; a game it cannot rebuild now (no rooms
     * service, the game's bundle absent) is answered with its events only and not kept, so the
     * steps appear as soon as it can. A seat the game does not have is the asker's error.
     */
    private String replayOf(dev.ludus.api.archive.CompletedGame g, RoomService rs, int seat) {
        if (rs == null) {
            throw new NotKept(protocol.replayResult(g, null, new RoomException(RoomException.UNAVAILABLE,
                    "the rooms service is not available right now")));
        }
        try {
            return protocol.replayResult(g, rs.replay(g.record(), seat), null);
        } catch (RoomException e) {
            if (RoomException.BAD_SEAT.equals(e.code())) {
                throw e;
            }
            if (RoomException.BAD_RECORD.equals(e.code())) {
                return protocol.replayResult(g, null, e); // a record that will never replay: kept as it is
            }
            throw new NotKept(protocol.replayResult(g, null, e));
        }
    }

    /** A reply that must not be kept in the cache (thrown out of the loader, caught by the asker). */
    private static final class NotKept extends RuntimeException {
        final transient String json;

        NotKept(String json) {
            super(null, null, false, false);
            this.json = json;
        }
    }

    private static String requireRoom(PlayerSession p) {
        String room = p.roomId();
        if (room == null) {
            throw new RoomException(Codes.NOT_IN_ROOM, "join a room first");
        }
        return room;
    }

    /** A lobby page; its JSON is written once per lobby version and shared by every asker. */
    private void listRooms(Connection c, PlayerSession p, RoomService rs, Request.ListRooms l) {
        p.reply(c, protocol.okJson(l.id(), lobbyReplies.result(rs, l.query())));
    }

    private void join(Connection c, PlayerSession p, RoomService rs, Request.JoinRoom j) {
        String current = p.roomId();
        if (current != null && !current.equals(j.room())) {
            Optional<RoomInfo> cur = rs.get(current);
            if (cur.isPresent() && cur.get().state() != RoomState.FINISHED && cur.get().seatOf(p.playerId) >= 0) {
                throw new RoomException(Codes.ALREADY_IN_ROOM, "leave room " + current + " first");
            }
            closeQuietly(p.leave());
        }
        if (j.name() != null) {
            p.name(cleanName(j.name()));
        }
        RoomInfo info = rs.join(j.room(), p.playerId, p.name());
        if (!j.room().equals(p.roomId())) {
            closeQuietly(p.enter(j.room()));
            AutoCloseable sub = rs.subscribe(j.room(), p.playerId, new Listener(p));
            closeQuietly(p.subscribed(j.room(), sub));
        } else {
            p.hold();
        }
        if (p.connection() != null) {
            rs.setConnected(j.room(), p.playerId, true);
        }
        p.reply(c, protocol.ok(j.id(), Map.of("room", Protocol.room(info), "seat", info.seatOf(p.playerId))));
        snapshotNow(p, rs, j.room());
    }

    private void leave(Connection c, PlayerSession p, RoomService rs, Request.LeaveRoom l) {
        String room = requireRoom(p);
        try {
            rs.leave(room, p.playerId);
        } catch (RoomException e) {
            // Leaving a room that is over, gone, or where the seat is already lost is still leaving.
            if (!LEFT_ANYWAY.contains(e.code())) {
                throw e;
            }
        }
        closeQuietly(p.leave());
        p.reply(c, protocol.ok(l.id(), Map.of()));
    }

    private void act(Connection c, PlayerSession p, RoomService rs, Request.Act a, Span span) {
        String room = requireRoom(p);
        long arrived = System.nanoTime();
        // Counted before the drain flag is read, and the drain sets the flag before it reads the
        // count: an action is either refused here or waited for by the drain, never neither.
        actionsInFlight.incrementAndGet();
        if (draining) {
            actionsInFlight.decrementAndGet();
            GatewayTracing.fail(span, Codes.DRAINING);
            p.reply(c, drainingError(a.id()));
            return;
        }
        java.util.concurrent.CompletionStage<ActionResult> handed;
        long hold = pacer.delayNanos(room, arrived);
        if (hold > 0) {
            // Over its share of a hot CPU: started later, in the room's order (RoomPacer).
            java.util.concurrent.CompletableFuture<ActionResult> later = new java.util.concurrent.CompletableFuture<>();
            try {
                scheduler.schedule(() -> {
                    try {
                        rs.act(room, p.playerId, a.action(), a.args()).whenComplete((r, e) -> {
                            if (e != null) {
                                later.completeExceptionally(e);
                            } else {
                                later.complete(r);
                            }
                        });
                    } catch (RuntimeException e) {
                        later.completeExceptionally(e);
                    }
                }, hold, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                later.completeExceptionally(new RoomException(RoomException.UNAVAILABLE, "the gateway is stopping"));
            }
            handed = later;
        } else {
            try {
                handed = rs.act(room, p.playerId, a.action(), a.args());
            } catch (RuntimeException e) {
                actionsInFlight.decrementAndGet();
                throw e;
            }
        }
        handed.whenComplete((result, error) -> {
            try {
                long took = System.nanoTime() - arrived;
                metrics.request("act", took);
                // With any wait imposed on a room over its share of a hot CPU: while rooms are held,
                // the latency signal keeps new rooms out (measured: counting only the node's own pace
                // let in twice the work and the games under way lost their smoothness).
                pressure.actionTook(took);
                Span reply = span.isRecording() ? tracing.startReply(span) : Span.getInvalid();
                String refused = null;
                if (error != null) {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof RoomException re) {
                        refused = re.code();
                        p.reply(c, protocol.error(a.id(), re.code(), re.getMessage()));
                    } else {
                        LOG.warn("gateway: action of {} failed: {}", p.playerId, cause.toString());
                        refused = Codes.INTERNAL_ERROR;
                        p.reply(c, protocol.error(a.id(), Codes.INTERNAL_ERROR, "the action failed on the server"));
                    }
                } else if (result instanceof ActionResult.Rejected rej) {
                    refused = rej.code();
                    p.reply(c, protocol.error(a.id(), rej.code(), rej.message()));
                } else {
                    p.reply(c, protocol.ok(a.id(), Map.of()));
                }
                GatewayTracing.end(reply);
                if (refused != null) {
                    GatewayTracing.fail(span, refused);
                } else {
                    GatewayTracing.end(span);
                }
            } finally {
                actionsInFlight.decrementAndGet();
            }
        });
    }

    /** Whether {@code r} starts new work a draining node refuses: a room, a seat, a game, an action. */
    private static boolean startsWork(Request r) {
        return r instanceof Request.CreateRoom || r instanceof Request.JoinRoom || r instanceof Request.AddBot
                || r instanceof Request.StartGame;
    }

    // ---------------------------------------------------------------- load shedding

    /**
     * Whether new work of this kind ({@code connection}, {@code hello}, {@code create_room},
     * {@code join_room}) is refused now: the node is overloaded and shedding is on. Counts it, and
     * in shadow mode counts what would have been refused and lets it through.
     */
    private boolean shed(String what) {
        if (!pressure.overloaded()) {
            return false;
        }
        String mode = config.shedding();
        if ("off".equals(mode)) {
            return false;
        }
        boolean shadow = "shadow".equals(mode);
        metrics.shed(what, shadow);
        return !shadow;
    }

    /**
     * Whether a new room is refused now because this window's new rooms are taken (admission by
     * capacity; counted as {@code new_room}). In shadow mode it counts and lets the room through.
     */
    private boolean paced() {
        String mode = config.shedding();
        if ("off".equals(mode) || admission.take()) {
            return false;
        }
        boolean shadow = "shadow".equals(mode);
        metrics.shed("new_room", shadow);
        return !shadow;
    }

    private String pacedError(Object id) {
        long after = PACED_RETRY_AFTER_MILLIS + java.util.concurrent.ThreadLocalRandom.current().nextLong(1000);
        return protocol.error(id, Codes.OVERLOADED, admission.refusal() + ": nothing was changed; try again in " + after
                + " ms", Map.of("retryAfterMillis", after));
    }

    /** The rooms playing (or paused) and waiting, for admission; {-1, 0} when the rooms service is away or cannot say. */
    private int[] roomsInPlay() {
        RoomService rs = rooms;
        if (rs == null) {
            return new int[] {-1, 0};
        }
        try {
            int playing = 0;
            int waiting = 0;
            for (RoomInfo i : rs.list()) {
                if (i.state() == RoomState.WAITING) {
                    waiting++;
                } else {
                    playing++;
                }
            }
            return new int[] {playing, waiting};
        } catch (RuntimeException e) {
            return new int[] {-1, 0};
        }
    }

    private static long shedRetryAfterMillis() {
        return SHED_RETRY_AFTER_MILLIS + java.util.concurrent.ThreadLocalRandom.current().nextLong(1000);
    }

    private String overloadedError(Object id) {
        long after = shedRetryAfterMillis();
        return protocol.error(id, Codes.OVERLOADED, "the node is overloaded (" + pressure.reason() + "): nothing was"
                + " changed; try again in " + after + " ms", Map.of("retryAfterMillis", after));
    }

    /** Takes a pressure reading and hands the next executor-lag probe; on the timer thread. */
    private void samplePressure() {
        try {
            boolean was = pressure.overloaded();
            Pressure.Reading reading = pressure.sample(nowMillis());
            GatewayConfig cfg = config;
            int[] inPlay = cfg.admitRoomsPercent() > 0 && !"off".equals(cfg.shedding()) ? roomsInPlay() : new int[2];
            double cpuPercent = cpu.percentSinceLast();
            long readAt = System.nanoTime();
            admission.open(reading, inPlay[0], inPlay[1], pressure.overloaded(), cpuPercent, cfg);
            pacer.reading(cpuPercent, pressure.lastActions(), lastReadingNanos == 0 ? 0 : readAt - lastReadingNanos,
                    inPlay[0], cfg);
            lastReadingNanos = readAt;
            connectionWindow.open(connections.size(), cfg);
            if (probeHandedNanos == 0) {
                long handed = System.nanoTime();
                probeHandedNanos = handed;
                try {
                    pool.execute(() -> {
                        probeLagMillis = (System.nanoTime() - handed) / 1e6;
                        probeHandedNanos = 0;
                    });
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    probeHandedNanos = 0;
                }
            }
            boolean now = pressure.overloaded();
            if (now != was) {
                String mode = config.shedding();
                if (now) {
                    LOG.warn("gateway: overloaded: {}; {}", pressure.reason(), "off".equals(mode)
                            ? "load shedding is off, nothing is refused"
                            : "shadow".equals(mode) ? "load shedding in shadow mode: counting what it would refuse"
                            : "refusing new connections (503), new players, create_room and join_room (overloaded)");
                } else {
                    LOG.info("gateway: no longer overloaded after {} ms; new work is taken again",
                            nowMillis() - pressure.overloadedSinceMillis());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("gateway: pressure reading failed: {}", e.toString());
        }
    }

    /** How long the pool's probe waits, or has waited so far if it has not run yet. */
    private double executorLagMillis() {
        long handed = probeHandedNanos;
        return handed != 0 ? Math.max(probeLagMillis, (System.nanoTime() - handed) / 1e6) : probeLagMillis;
    }

    /**
     * The event store's mean fsync time since the last reading, from its timer in the node's
     * metrics ({@code ludus_eventstore_fsync_seconds}); NaN when there is none or no fsync happened.
     */
    private double fsyncMillis() {
        com.codahale.metrics.MetricRegistry r = metrics.registry();
        if (r == null) {
            return Double.NaN;
        }
        for (Map.Entry<String, com.codahale.metrics.Timer> e : r.getTimers(
                (name, m) -> name.startsWith("ludus_eventstore_fsync_seconds")).entrySet()) {
            if (e.getValue() instanceof dev.ludus.api.metrics.SummingTimer t) {
                long count = t.getCount();
                long sum = t.getSumNanos();
                long seenCount = fsyncCountSeen;
                long seenSum = fsyncNanosSeen;
                fsyncCountSeen = count;
                fsyncNanosSeen = sum;
                if (seenCount < 0 || count <= seenCount) {
                    return Double.NaN;
                }
                return (sum - seenSum) / 1e6 / (count - seenCount);
            }
        }
        return Double.NaN;
    }

    private String drainingError(Object id) {
        return protocol.error(id, Codes.DRAINING, "this node is stopping (a restart or an update); nothing was"
                + " applied: reconnect in " + DRAIN_RETRY_AFTER_MILLIS + " ms and resume with your token",
                Map.of("retryAfterMillis", DRAIN_RETRY_AFTER_MILLIS));
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("gateway: closing a subscription failed: {}", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- maintenance

    /**
     * Players whose connection dropped and whose grace period runs, as the last {@link #maintain}
     * counted them (once a second): health reads this instead of walking every session on each
     * {@code GET /health} and each scrape, which at 17,500 players took a fifth of the node's Java
     * samples under a health probe five times a second.
     */
    private volatile int playersAway;

    private void maintain() {
        try {
            long now = nowMillis();
            GatewayConfig cfg = config;
            long idleMillis = cfg.idleTimeoutSeconds() * 1000L;
            if (now - lastSweepMillis >= cfg.pingIntervalSeconds() * 1000L) {
                lastSweepMillis = now;
                rateLimits.sweep(now);
            }
            // Each connection has its turn to be pinged once per interval, by its id, so the pings
            // of many connections are spread over the interval's seconds instead of written in one
            // burst (at 17,500 connections that burst stalled play for most of a second). A
            // connection heard from within the last half interval needs no ping to show it is there.
            // Only the connections whose turn it is, and those near the idle timeout, are looked at.
            wheel.tick(Math.max(1, cfg.pingIntervalSeconds()), now, idleMillis,
                    c -> !c.isClosing() && connections.contains(c), Connection::ping, c -> {
                        metrics.idleClosed.inc();
                        closeAndAbort(c, Codes.CLOSE_IDLE, "nothing received for " + cfg.idleTimeoutSeconds() + " s");
                    });
            long graceMillis = cfg.gracePeriodSeconds() * 1000L;
            RoomService rs = rooms;
            long nowNanos = System.nanoTime();
            int awayNow = 0;
            for (PlayerSession p : sessions.values()) {
                long away = p.detachedFor(now);
                if (away > graceMillis && !p.ended()) {
                    p.end();
                    p.tasks.submit(() -> expire(p));
                } else if (away < 0) {
                    if (rs != null) {
                        catchUp(p, rs, nowNanos);
                    }
                } else {
                    awayNow++;
                }
            }
            playersAway = awayNow;
        } catch (RuntimeException e) {
            LOG.error("gateway: maintenance failed", e);
        }
    }

    /**
     * The guard behind every delivery path: a connected player whose room has moved on while
     * nothing reached them for {@value #QUIET_MILLIS} ms (or whose snapshot has been pending for
     * as long) gets a fresh snapshot. Should never fire; when it does it is counted
     * ({@code playersCaughtUp} in health) and logged, since it means an event went astray.
     */
    private void catchUp(PlayerSession p, RoomService rs, long nowNanos) {
        String room = p.roomId();
        if (room == null) {
            return;
        }
        Optional<RoomInfo> info = rs.get(room);
        if (info.isEmpty() && cluster != null) {
            p.tasks.submit(() -> leaveIfElsewhere(p));
            return;
        }
        long version = info.filter(i -> i.state() != RoomState.FINISHED).map(RoomInfo::version).orElse(0L);
        if (p.leftBehind(version, QUIET_MILLIS, QUIET_MILLIS, nowNanos)) {
            metrics.caughtUp.inc();
            LOG.warn("gateway: {} heard nothing of room {} (now at version {}) for {} ms: sending a snapshot",
                    p.playerId, room, version, QUIET_MILLIS);
            // Subscribed again, not only sent a snapshot: the room may have left this node and come
            // back (a cluster node fenced it, then adopted it again), and the old subscription with it.
            p.tasks.submit(() -> {
                if (room.equals(p.roomId())) {
                    enterAndSync(p, rs, room);
                }
            });
        }
    }

    /** The grace period is over: the player leaves their room for good (a bot keeps their seat). */
    private void expire(PlayerSession p) {
        metrics.expired.inc();
        String room = p.roomId();
        RoomService rs = rooms;
        // A finished room is not left: the player has not seen its result yet and may still resume.
        if (room != null && rs != null && rs.get(room).map(i -> i.state() != RoomState.FINISHED).orElse(true)) {
            try {
                rs.leave(room, p.playerId);
            } catch (RoomException e) {
                LOG.debug("gateway: {} leaving {} on expiry: {}", p.playerId, room, e.code());
            }
        }
        closeQuietly(p.leave());
        sessions.remove(p.playerId, p);
    }

    // ---------------------------------------------------------------- health

    HealthResult health() {
        Map<String, Object> d = new LinkedHashMap<>();
        long now = nowMillis();
        d.put("connections", connections.size());
        d.put("players", sessions.size());
        d.put("playersAway", playersAway);
        d.put("connectionsOpened", metrics.opened.getCount());
        d.put("messagesIn", metrics.messagesIn.getCount());
        d.put("rateLimited", metrics.rateLimited.getCount());
        d.put("tooLarge", metrics.tooLarge.getCount());
        d.put("badRequests", metrics.badRequests.getCount());
        d.put("closedSlow", metrics.slowClosed.getCount());
        d.put("closedFlood", metrics.floodClosed.getCount());
        d.put("closedIdle", metrics.idleClosed.getCount());
        d.put("refusedUpgrades", metrics.refused.getCount());
        d.put("refusedOrigin", metrics.refusedOrigin.getCount());
        d.put("refusedHost", metrics.refusedHost.getCount());
        d.put("refusedPerAddress", metrics.refusedAddress.getCount());
        d.put("maxConnections", maxConnections);
        d.put("fileDescriptorLimit", fdLimit);
        d.put("outboundBytes", outbound.waiting());
        d.put("outboundBytesLimit", outbound.limit());
        d.put("lobbyPagesWritten", lobbyReplies.pagesWritten());
        d.put("lobbyPagesReused", lobbyReplies.pagesReused());
        d.put("resumedWithEvents", metrics.resumedWithEvents.getCount());
        d.put("resumedWithSnapshot", metrics.resumedWithSnapshot.getCount());
        d.put("expiredSessions", metrics.expired.getCount());
        d.put("playersCaughtUp", metrics.caughtUp.getCount());
        com.codahale.metrics.Snapshot acts = metrics.act.getSnapshot(); // recent actions, weighted to the last minutes
        d.put("actions", metrics.act.getCount());
        d.put("actionP50Millis", Math.round(acts.getMedian() / 1e5) / 10.0);
        d.put("actionP99Millis", Math.round(acts.get99thPercentile() / 1e5) / 10.0);
        d.put("actionMaxMillis", Math.round(acts.getMax() / 1e5) / 10.0);
        RequestLimits.Settings ls = rateLimits.settings();
        Map<String, Object> lim = new LinkedHashMap<>();
        lim.put("mode", ls.mode().name().toLowerCase(Locale.ROOT));
        dev.ludus.api.limits.RateLimiter limiter = rateLimits.limiter();
        lim.put("limiter", limiter == null ? null : rateLimits.limiterName());
        lim.put("refused", rateLimits.refused.get());
        lim.put("refusedByPolicy", rateLimits.refusedByPolicy());
        lim.put("wouldRefuse", rateLimits.shadowRefused.get());
        lim.put("limiterErrors", metrics.limitErrors.getCount());
        lim.put("banned", rateLimits.banned(now).size());
        if (!ls.refused().isEmpty()) {
            lim.put("policiesRefused", ls.refused());
        }
        Map<String, String> gamesRefused = rateLimits.gamesRefused();
        if (!gamesRefused.isEmpty()) {
            lim.put("gameLimitsRefused", gamesRefused);
        }
        d.put("limits", lim);
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("shedding", config.shedding());
        load.put("overloaded", pressure.overloaded());
        if (pressure.overloaded()) {
            load.put("reason", pressure.reason());
            load.put("sinceMillis", nowMillis() - pressure.overloadedSinceMillis());
        }
        load.put("pressure", pressure.details());
        load.put("admission", admission.details());
        load.put("roomShares", pacer.details());
        load.put("shed", metrics.shedCounts(false));
        load.put("wouldShed", metrics.shedCounts(true));
        d.put("load", load);
        if (rooms == null) {
            return HealthResult.degraded("the rooms service is not available: requests answer 'unavailable'", d);
        }
        if (ls.mode() != RequestLimits.Mode.OFF && limiter == null) {
            return HealthResult.degraded(ls.openWithoutLimiter()
                    ? "no rate limiter is bound: the players' rate limits are not enforced"
                    : "no rate limiter is bound: limited requests are refused", d);
        }
        if (!ls.refused().isEmpty()) {
            return HealthResult.degraded("rate limit settings refused (the previous ones stay): "
                    + String.join("; ", ls.refused().values()), d);
        }
        if (!gamesRefused.isEmpty()) {
            return HealthResult.degraded("a game's declared rate limits cannot be read (its actions get the act limit): "
                    + gamesRefused, d);
        }
        if (pressure.overloaded() && !"off".equals(config.shedding())) {
            return HealthResult.degraded("overloaded: " + pressure.reason() + ("shadow".equals(config.shedding())
                    ? " (shedding in shadow mode: nothing refused)" : "; new connections, players and rooms are refused"), d);
        }
        return HealthResult.up(d);
    }

    /** For tests: lobby pages written, and answered from what was written. */
    long[] lobbyPages() {
        return new long[] {lobbyReplies.pagesWritten(), lobbyReplies.pagesReused()};
    }

    /** For tests: the session of a player, if the gateway holds one. */
    PlayerSession session(String playerId) {
        return sessions.get(playerId);
    }

    int connectionCount() {
        return connections.size();
    }

    /** The sessions held now (connected players and those within their grace period). */
    java.util.Collection<PlayerSession> sessions() {
        return sessions.values();
    }
}
