package dev.ludus.rooms;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.cluster.Cluster;
import dev.ludus.api.cluster.NodeInfo;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomException;

/**
 * The rooms' side of a cluster, while a {@link Cluster} service is bound (none: everything here
 * does nothing, as on a single node). A room runs on the node that owns it in the cluster's
 * directory:
 * <ul>
 * <li>a new room is claimed before its first record is appended;</li>
 * <li>a room is claimed before it is rebuilt from the shared store (at start, when asked for, when
 * adopted), and not rebuilt if another live node owns it;</li>
 * <li>a room that ended for good is released;</li>
 * <li>every second, the rooms whose owner's lease lapsed are adopted: each orphan has one preferred
 * survivor (rendezvous hashing over the live nodes that are not draining), which claims it at
 * once; any node claims it after {@value #GRACE_MILLIS} ms, in case the preferred one cannot.</li>
 * </ul>
 * The shared event store's expected versions are the last word: a node that still runs a room
 * another node took over (its lease lapsed while it ran) fails its next append on the version the
 * new owner moved on, so the room keeps one history; and every second a node stops running the
 * rooms the directory says other live nodes own (it fences itself), so its players move to the
 * owner.
 */
final class ClusterRooms {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRooms.class);
    static final long GRACE_MILLIS = 3000;

    private final RoomsContext ctx;
    private final Map<String, Long> orphanSince = new ConcurrentHashMap<>();
    /** The game of each orphan, as read from the store, while it is one. */
    private final Map<String, String> orphanGame = new ConcurrentHashMap<>();
    /** The games no live node hosts, said once each until one does. */
    private final Set<String> hostless = ConcurrentHashMap.newKeySet();

    ClusterRooms(RoomsContext ctx) {
        this.ctx = ctx;
    }

    /** A new room is about to get its first record: it becomes this node's. */
    void claimNew(String roomId) {
        Cluster c = ctx.cluster;
        if (c == null) {
            if (required()) {
                throw new RoomException(RoomException.UNAVAILABLE, "this node is not in its cluster yet (requireCluster)");
            }
            return;
        }
        boolean mine;
        try {
            mine = c.claim(roomId);
        } catch (RuntimeException e) {
            // The player is told the code; the cause (addresses, the client's text) goes to the log.
            LOG.warn("room {}: the cluster could not record it as this node's: {}", roomId, e.toString());
            throw new RoomException(RoomException.UNAVAILABLE, "the cluster cannot record the new room ("
                    + (e instanceof dev.ludus.api.cluster.ClusterException ce ? ce.code() : "cluster_unavailable") + ")");
        }
        if (!mine) {
            throw new RoomException(RoomException.UNAVAILABLE, "room id " + roomId + " belongs to another node");
        }
    }

    /**
     * Whether this node may rebuild and run {@code roomId}: no cluster, or this node owns it now
     * (claimed if nobody did or its owner's lease lapsed). False while the cluster cannot say.
     */
    boolean mayRun(String roomId) {
        Cluster c = ctx.cluster;
        if (c == null) {
            return !required();
        }
        try {
            if (leftToOthers(c, roomId) && !c.owner(roomId).map(c.nodeId()::equals).orElse(false)) {
                return false;
            }
            return c.claim(roomId);
        } catch (RuntimeException e) {
            LOG.warn("room {}: not rebuilt, the cluster cannot say whose it is: {}", roomId, e.getMessage());
            return false;
        }
    }

    /**
     * Whether {@code roomId}, which does not run here, is one to run here: in the cluster's
     * directory under a node that is not live (its lease lapsed, or it left at a drain), or under
     * this node (claimed here, but its rebuild was dropped: the claim's answer was lost, say). False
     * without a cluster or while it cannot say.
     */
    boolean adoptable(String roomId) {
        Cluster c = ctx.cluster;
        if (c == null) {
            return false;
        }
        try {
            String owner = c.owner(roomId).orElse(null);
            if (owner == null || !(owner.equals(c.nodeId()) || c.nodes().stream().noneMatch(n -> n.id().equals(owner)))) {
                return false;
            }
            return owner.equals(c.nodeId()) || !leftToOthers(c, roomId);
        } catch (RuntimeException e) {
            LOG.debug("room {}: the cluster cannot say whose it is: {}", roomId, e.toString());
            return false;
        }
    }

    /** Whether rooms may run only while a cluster is bound ({@code requireCluster}). */
    boolean required() {
        RoomsConfig cfg = ctx.config;
        return cfg != null && cfg.requireCluster();
    }

    /** Whether recovery may begin: no cluster is required, or one is bound. */
    boolean ready() {
        return !required() || ctx.cluster != null;
    }

    /** The rooms of {@code ids} that other live nodes own (recovery leaves them alone). */
    Set<String> ownedElsewhere() {
        Cluster c = ctx.cluster;
        Set<String> out = new HashSet<>();
        if (c == null) {
            return out;
        }
        try {
            for (NodeInfo n : c.nodes()) {
                if (!n.id().equals(c.nodeId())) {
                    out.addAll(c.roomsOf(n.id()));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("rooms: the cluster's view could not be read ({}); each room is claimed as it is rebuilt", e.getMessage());
        }
        return out;
    }

    /** A room ended for good here: its directory entry goes (in the background). */
    void released(String roomId) {
        Cluster c = ctx.cluster;
        if (c == null || ctx.background == null) {
            return;
        }
        try {
            ctx.background.execute(() -> {
                try {
                    c.release(roomId);
                } catch (RuntimeException e) {
                    LOG.debug("room {}: not released in the cluster ({}); it stays listed until taken over", roomId, e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // deactivating
        }
    }

    /**
     * Every second: adopts the rooms whose owner's lease lapsed, and runs the rooms the directory
     * says are this node's but that do not run here (a claim whose answer was lost, a rebuild
     * dropped while the cluster could not say): the directory and the rooms here agree again.
     */
    void adoptOrphans() {
        Cluster c = ctx.cluster;
        if (c == null || !ctx.active || ctx.eventStore == null || !ctx.recoveryStarted.getAsBoolean()) {
            return; // before recovery has made this node's rooms known, a room found here could be woken twice
        }
        try {
            fence(c);
            int strays = 0;
            for (String id : c.roomsOf(c.nodeId())) {
                if (!ctx.rooms.containsKey(id) && !ctx.asleep.containsKey(id)) {
                    ctx.asleep.putIfAbsent(id, -1L);
                    if (ctx.wake(id, null) != null) { // a room that ended is released by its restore
                        strays++;
                    }
                }
            }
            if (strays > 0) {
                LOG.info("rooms: {} rooms this node owns in the cluster did not run here; rebuilding them", strays);
            }
            List<String> orphans = c.orphans();
            orphanSince.keySet().retainAll(new HashSet<>(orphans));
            orphanGame.keySet().retainAll(new HashSet<>(orphans));
            if (orphans.isEmpty()) {
                return;
            }
            List<NodeInfo> live = c.nodes().stream().filter(n -> !n.draining()).toList();
            List<String> everyone = live.stream().map(NodeInfo::id).toList();
            // Where every live node hosts the same games, any of them can run any orphan; where
            // they differ, an orphan goes only to the nodes that host its game (its first record,
            // read once from the shared store, names it).
            boolean uniform = !gamesDiffer(live);
            long now = System.currentTimeMillis();
            int adopted = 0;
            for (String id : orphans) {
                List<String> candidates = everyone;
                if (!uniform) {
                    String known = orphanGame.get(id);
                    String game = known != null ? known : gameOf(id);
                    if (!game.isEmpty()) {
                        orphanGame.put(id, game); // one the store could not tell is read again next time
                        candidates = live.stream().filter(n -> n.hosts(game)).map(NodeInfo::id).toList();
                        if (candidates.isEmpty() && hostless.add(game)) {
                            LOG.warn("rooms: orphaned rooms of game '{}' wait: no live node hosts that game", game);
                        } else if (!candidates.isEmpty()) {
                            hostless.remove(game);
                        }
                        if (!candidates.contains(c.nodeId()) || !hostedHere(game)) {
                            continue; // a node that hosts the game adopts it
                        }
                    }
                }
                long since = orphanSince.computeIfAbsent(id, k -> now);
                if (!c.nodeId().equals(preferred(id, candidates)) && now - since < GRACE_MILLIS) {
                    continue;
                }
                if (ctx.rooms.containsKey(id)) {
                    c.claim(id); // running here already (this node's own lease lapsed a moment): its again
                    continue;
                }
                ctx.asleep.putIfAbsent(id, -1L);
                if (ctx.wake(id, null) != null) { // the restore claims it first, and drops it if another node won
                    adopted++;
                }
            }
            if (adopted > 0) {
                LOG.info("rooms: adopting {} rooms whose node's lease lapsed", adopted);
            }
        } catch (RuntimeException e) {
            LOG.warn("rooms: orphaned rooms not adopted this time: {}", e.toString());
        }
    }

    /**
     * Stops running here the rooms the directory says another live node owns now: this node's
     * lease lapsed for a moment (a stall, a partition) and another node took them over, or a
     * directory entry moved while a rebuild here was under way. Without this, two nodes would run
     * one room, one of them failing every append on the versions the other wrote. A fenced room
     * leaves this node's memory (nothing is appended, released or archived here); its players here
     * hear nothing more of it, are sent a snapshot without it, and find it on its owner
     * ({@code room_elsewhere}).
     */
    private void fence(Cluster c) {
        java.util.Set<String> live = new HashSet<>();
        for (NodeInfo n : c.nodes()) {
            live.add(n.id());
        }
        if (!live.contains(c.nodeId())) {
            return; // this node is not a member now: its own claims cannot be told apart from lapsed ones
        }
        int fenced = 0;
        for (LiveRoom room : ctx.rooms.values()) {
            String owner = c.owner(room.id).orElse(null);
            if (owner != null && !owner.equals(c.nodeId()) && live.contains(owner)) {
                fenced++;
                room.steps.run(() -> {
                    if (ctx.rooms.remove(room.id, room)) {
                        room.disarm();
                        room.subscribers.clear();
                    }
                });
            }
        }
        if (fenced > 0) {
            LOG.warn("rooms: {} rooms that run here are owned by other live nodes now (this node's lease lapsed a moment,"
                    + " or they were taken over meanwhile); they stop here and play on there", fenced);
        }
    }

    /**
     * The game of room {@code roomId}, from the first record of its stream in the shared store; ""
     * when the store cannot tell (no such stream, or a first record that is not the room's
     * creation), and then any node may run it, as before games were told apart.
     */
    String gameOf(String roomId) {
        EventStore es = ctx.eventStore;
        if (es == null) {
            return "";
        }
        try {
            List<RecordedEvent> first = es.read(RoomsContext.STREAM_PREFIX + roomId, 1, 1);
            if (first.isEmpty() || !RoomRecord.Created.TYPE.equals(first.get(0).type())) {
                return "";
            }
            RoomRecord r = ctx.codec.decode(first.get(0).type(), first.get(0).data());
            return r instanceof RoomRecord.Created c ? c.gameType() : "";
        } catch (RuntimeException e) {
            LOG.debug("room {}: its game could not be read: {}", roomId, e.toString());
            return "";
        }
    }

    /**
     * Whether room {@code roomId}, not this node's, is for other nodes to run: the live nodes host
     * different games and this one lacks the room's. Such a room would only wait here, paused, for
     * a game that never comes, while a node that hosts it could play it. Where every node hosts the
     * same games nothing is read: a room of a game no node hosts is then run and paused as on a
     * single node, until the game is installed.
     */
    private boolean leftToOthers(Cluster c, String roomId) {
        return gamesDiffer(c.nodes()) && !hostedHere(gameOf(roomId));
    }

    /** Whether these nodes host different games (else any of them can run any room). */
    private static boolean gamesDiffer(List<NodeInfo> nodes) {
        return nodes.stream().map(NodeInfo::games).distinct().count() > 1;
    }

    /** Whether this node has {@code gameType} installed ("" for a game that cannot be told: yes). */
    private boolean hostedHere(String gameType) {
        return gameType.isEmpty() || ctx.game(gameType) != null;
    }

    /** The node that should adopt {@code roomId}: the highest of hash(room, node) over the candidates. */
    static String preferred(String roomId, List<String> nodes) {
        String best = null;
        long bestScore = Long.MIN_VALUE;
        for (String n : nodes) {
            long score = mix(roomId.hashCode() * 31L + n.hashCode());
            if (best == null || score > bestScore) {
                best = n;
                bestScore = score;
            }
        }
        return best;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
