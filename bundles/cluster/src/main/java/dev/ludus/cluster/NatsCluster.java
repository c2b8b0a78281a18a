package dev.ludus.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.cluster.Cluster;
import dev.ludus.api.cluster.ClusterException;
import dev.ludus.api.cluster.NodeInfo;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StorageType;
import io.nats.client.impl.NatsKeyValueWatchSubscription;

/**
 * The cluster on two NATS JetStream key-value buckets:
 * <ul>
 * <li>{@code <prefix>_nodes}: one entry per live node, written by the node every heartbeat; the
 * bucket's time to live is the lease, so the server itself drops the entry of a node that stopped
 * renewing it (killed, cut off). Nothing is compared with a node's own clock.</li>
 * <li>{@code <prefix>_rooms}: room → owning node. Written only by compare-and-set (create if
 * absent, update at the revision read, delete at the revision read), so two nodes claiming one
 * room cannot both win. Every node keeps a replica of it, fed by a watch, for
 * {@link #roomsOf(String)}; {@link #owner(String)} and claims read the bucket itself.</li>
 * </ul>
 * A node that cannot renew its lease for a whole lease must assume its rooms are being claimed by
 * others: {@link #leaseHeld()} says whether it still may act as their owner. Even if it does not
 * stop in time, the shared event store's expected versions refuse its appends once another owner
 * appended.
 */
public final class NatsCluster implements Cluster, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NatsCluster.class);
    /** What a key may hold; other room ids are written base64url-encoded after {@code b64.}. */
    private static final Pattern KEY = Pattern.compile("[-_=.a-zA-Z0-9]{1,200}");
    static final Pattern NODE_ID = Pattern.compile("[-_a-zA-Z0-9]{1,64}");

    /**
     * @param prefix    the buckets' name prefix (clusters sharing a NATS keep apart by it)
     * @param lease     how long a node's announcement lives without renewal
     * @param heartbeat how often a node renews it (well under the lease)
     */
    public record Settings(String prefix, Duration lease, Duration heartbeat) {
        public Settings {
            if (prefix == null || !NODE_ID.matcher(prefix).matches()) {
                throw new IllegalArgumentException("prefix must be 1-64 letters, digits, - or _, got '" + prefix + "'");
            }
            if (lease.toMillis() < 1000 || heartbeat.toMillis() < 50 || heartbeat.toMillis() * 2 > lease.toMillis()) {
                throw new IllegalArgumentException("the lease must be at least 1 s and at least twice the heartbeat, got lease "
                        + lease.toMillis() + " ms, heartbeat " + heartbeat.toMillis() + " ms");
            }
        }
    }

    /** What this node announces besides its id: supplied afresh at every heartbeat. */
    public record Announcement(String address, Set<String> games, int rooms, int players, double cpu, boolean draining) {
    }

    private final Connection connection;
    private final String nodeId;
    private final Settings settings;
    /** The lease in force: the nodes bucket's time to live. */
    private final Duration lease;
    private final Supplier<Announcement> announcement;
    private final Random random;
    private final KeyValue nodes;
    /** Reads the nodes bucket's subjects (see {@link #announcements}). */
    private final io.nats.client.JetStreamManagement streams;
    private final KeyValue rooms;
    private final Map<String, String> directory = new ConcurrentHashMap<>(); // key -> owner, from the watch
    private final NatsKeyValueWatchSubscription watch;
    private final ScheduledExecutorService heartbeats;
    private volatile long lastRenewedNanos;
    /** The revision of this node's announcement that its last renewal wrote (0: none yet). */
    private volatile long lastRevision;
    /** The revision a previous instance of this node handed over ({@link #handOver()}); 0: none. */
    private final long inheritedRevision;
    private volatile String lastError;
    private volatile List<NodeInfo> cachedNodes = List.of();
    private volatile long cachedAtNanos;
    private volatile boolean closed;
    /** Answers drain requests addressed to this node; null until {@link #onDrainRequest} is called. */
    private volatile io.nats.client.Dispatcher drainRequests;

    /**
     * Sets up the buckets if they do not exist, announces this node and starts renewing its lease.
     *
     * @throws ClusterException ({@value ClusterException#UNAVAILABLE}) if NATS or JetStream does not answer
     * @throws IllegalArgumentException if the node id is not 1-64 letters, digits, - or _
     */
    public NatsCluster(Connection connection, String nodeId, Settings settings, Supplier<Announcement> announcement,
                       Random random) {
        this(connection, nodeId, settings, announcement, random, 0);
    }

    /**
     * As {@link #NatsCluster(Connection, String, Settings, Supplier, Random)}, continuing the lease a
     * previous instance of this node handed over: if this node's announcement is still the one at
     * {@code inheritedRevision} (no one renewed it since, and it has not lapsed), this instance
     * renews it at once instead of waiting for it to lapse, and the node's rooms stay its own.
     */
    public NatsCluster(Connection connection, String nodeId, Settings settings, Supplier<Announcement> announcement,
                       Random random, long inheritedRevision) {
        this.inheritedRevision = inheritedRevision;
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("node id must be 1-64 letters, digits, - or _, got '" + nodeId + "'");
        }
        this.connection = connection;
        this.nodeId = nodeId;
        this.settings = settings;
        this.announcement = announcement;
        this.random = random;
        try {
            KeyValueManagement kvm = connection.keyValueManagement();
            ensure(kvm, KeyValueConfiguration.builder().name(settings.prefix() + "_nodes").maxHistoryPerKey(1)
                    .ttl(settings.lease()).storageType(StorageType.Memory).build());
            ensure(kvm, KeyValueConfiguration.builder().name(settings.prefix() + "_rooms").maxHistoryPerKey(1)
                    .storageType(StorageType.File).build());
            Duration bucketTtl = kvm.getStatus(settings.prefix() + "_nodes").getTtl();
            if (bucketTtl != null && !bucketTtl.isZero() && !bucketTtl.equals(settings.lease())) {
                LOG.warn("cluster: the lease is the {}_nodes bucket's, {} ms, set by the node that made it; this node's"
                        + " leaseMillis ({}) is not used: give every node the same", settings.prefix(), bucketTtl.toMillis(),
                        settings.lease().toMillis());
                lease = bucketTtl;
            } else {
                lease = settings.lease();
            }
            nodes = connection.keyValue(settings.prefix() + "_nodes");
            streams = connection.jetStreamManagement();
            rooms = connection.keyValue(settings.prefix() + "_rooms");
            awaitOwnIdFree();
            renew();
            watch = rooms.watchAll(new KeyValueWatcher() {
                @Override
                public void watch(KeyValueEntry e) {
                    if (e.getOperation() == KeyValueOperation.PUT) {
                        directory.put(e.getKey(), e.getValueAsString());
                    } else {
                        directory.remove(e.getKey());
                    }
                }

                @Override
                public void endOfData() {
                    // the replica holds everything the bucket held; updates follow
                }
            });
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("setting up the cluster's buckets", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("setting up the cluster's buckets", e);
        }
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-cluster-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = settings.heartbeat().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
        LOG.info("cluster: node {} joined (lease {} ms, heartbeat {} ms, buckets {}_nodes and {}_rooms)", nodeId,
                lease.toMillis(), every, settings.prefix(), settings.prefix());
    }

    /**
     * A node restarted within its lease finds its own old announcement: it waits for it to lapse.
     * If the announcement is renewed meanwhile, another live node has this id, and this one stops.
     */
    private void awaitOwnIdFree() throws IOException, JetStreamApiException, InterruptedException {
        KeyValueEntry old = nodes.get(nodeId);
        if (old == null || old.getOperation() != KeyValueOperation.PUT) {
            return;
        }
        if (inheritedRevision != 0 && old.getRevision() == inheritedRevision) {
            LOG.info("cluster: node {} continues the lease its previous instance handed over (a restart of the cluster bundle"
                    + " or of its NATS connection): its rooms stay its own", nodeId);
            return;
        }
        LOG.info("cluster: node {} finds an announcement under its id (a restart within the lease?); waiting for it to lapse",
                nodeId);
        long deadline = System.nanoTime() + lease.toNanos() + settings.heartbeat().toNanos() * 2;
        while (System.nanoTime() < deadline) {
            Thread.sleep(100);
            KeyValueEntry now = nodes.get(nodeId);
            if (now == null || now.getOperation() != KeyValueOperation.PUT) {
                return;
            }
            if (now.getRevision() != old.getRevision()) {
                throw new IllegalStateException("another live node announces the id '" + nodeId
                        + "': every node needs an id of its own (conf/dev.ludus.cluster.cfg, nodeId)");
            }
        }
        throw new IllegalStateException("the announcement under the id '" + nodeId + "' did not lapse within the lease");
    }

    private static void ensure(KeyValueManagement kvm, KeyValueConfiguration config) throws IOException, JetStreamApiException {
        try {
            kvm.getStatus(config.getBucketName());
        } catch (JetStreamApiException missing) {
            try {
                kvm.create(config);
            } catch (JetStreamApiException raced) {
                kvm.getStatus(config.getBucketName()); // another node made it meanwhile; else this throws
            }
        }
    }

    private void heartbeat() {
        if (closed) {
            return;
        }
        try {
            renew();
            if (lastError != null) {
                LOG.info("cluster: node {} renews its lease again", nodeId);
                lastError = null;
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            if (lastError == null) {
                LOG.warn("cluster: node {} could not renew its lease: {}", nodeId, e.toString());
            }
            lastError = e.toString();
        }
    }

    /**
     * Renews the lease now, with a fresh announcement, on the heartbeat thread (so it never races a
     * heartbeat): what changed (draining) is seen by the others at once instead of a heartbeat later.
     */
    public void announceNow() {
        try {
            heartbeats.execute(this::heartbeat);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // left already
        }
    }

    private void renew() throws IOException, JetStreamApiException {
        Announcement a = announcement.get();
        StringBuilder b = new StringBuilder();
        b.append("address=").append(a.address()).append('\n');
        b.append("games=").append(String.join(",", a.games())).append('\n');
        b.append("rooms=").append(a.rooms()).append('\n');
        b.append("players=").append(a.players()).append('\n');
        b.append("cpu=").append(a.cpu()).append('\n');
        b.append("draining=").append(a.draining()).append('\n');
        lastRevision = nodes.put(nodeId, b.toString().getBytes(StandardCharsets.UTF_8));
        lastRenewedNanos = System.nanoTime();
    }

    /** Whether this node renewed its lease within the lease: while not, others may claim its rooms. */
    public boolean leaseHeld() {
        return lastRenewedNanos != 0 && System.nanoTime() - lastRenewedNanos < lease.toNanos();
    }

    /** Milliseconds since this node last renewed its lease. */
    public long leaseAgeMillis() {
        return (System.nanoTime() - lastRenewedNanos) / 1_000_000;
    }

    public String lastError() {
        return lastError;
    }

    // ---------------------------------------------------------------- Cluster

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public List<NodeInfo> nodes() {
        long now = System.nanoTime();
        if (now - cachedAtNanos < TimeUnit.MILLISECONDS.toNanos(200)) {
            return cachedNodes;
        }
        cachedNodes = listNodes();
        cachedAtNanos = now;
        return cachedNodes;
    }

    /** The live nodes as the bucket has them now, not cached. */
    List<NodeInfo> listNodes() {
        try {
            List<NodeInfo> out = new ArrayList<>();
            for (KeyValueEntry e : announcements()) {
                out.add(parse(e.getKey(), e));
            }
            out.sort(Comparator.comparing(NodeInfo::id));
            return List.copyOf(out);
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("listing the nodes", e);
        }
    }

    /**
     * Every node's current announcement: the bucket's keys as the server holds them at one
     * instant (its stream's subjects), then each key's entry. Not {@code KeyValue.keys()} nor a
     * watch: both walk the bucket with a consumer and stop by a count of what is left, and
     * renewals made while they walk (history 1 drops an entry's old message and appends a new
     * one) made them list a node twice or leave a live node out.
     */
    private List<KeyValueEntry> announcements() throws IOException, JetStreamApiException {
        String bucket = settings.prefix() + "_nodes";
        String subjectPrefix = "$KV." + bucket + ".";
        io.nats.client.api.StreamInfo info = streams.getStreamInfo("KV_" + bucket,
                io.nats.client.api.StreamInfoOptions.allSubjects());
        List<KeyValueEntry> out = new ArrayList<>();
        List<io.nats.client.api.Subject> subjects = info.getStreamState().getSubjects();
        for (io.nats.client.api.Subject subject : subjects == null ? List.<io.nats.client.api.Subject>of() : subjects) {
            if (!subject.getName().startsWith(subjectPrefix)) {
                continue;
            }
            KeyValueEntry e = nodes.get(subject.getName().substring(subjectPrefix.length()));
            if (e != null && e.getOperation() == KeyValueOperation.PUT) {
                out.add(e); // an entry gone since (a lease lapsed, a goodbye) is left out
            }
        }
        return out;
    }

    private static NodeInfo parse(String id, KeyValueEntry e) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String line : e.getValueAsString().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                f.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        long age = e.getCreated() == null ? 0
                : Math.max(0, Duration.between(e.getCreated().toInstant(), Instant.now()).toMillis());
        String games = f.getOrDefault("games", "");
        return new NodeInfo(id, f.getOrDefault("address", ""), games.isEmpty() ? Set.of() : Set.of(games.split(",")),
                intOf(f.get("rooms")), intOf(f.get("players")), doubleOf(f.get("cpu")),
                Boolean.parseBoolean(f.get("draining")), age);
    }

    private static int intOf(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double doubleOf(String s) {
        try {
            return s == null ? 0 : Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private boolean alive(String node) throws IOException, JetStreamApiException {
        if (node.equals(nodeId)) {
            return leaseHeld();
        }
        // A claim decides on that node's own announcement, read now in one request, not on the
        // listing of all nodes (the bucket's keys through a consumer that stops at its first
        // silence, then each one's entry): a listing that came back short would let a live node's
        // room be taken over. A CI run once saw two nodes told "yours" for one room, under load;
        // the listing is the one step of a claim that is not a single read.
        KeyValueEntry e = nodes.get(node);
        return e != null && e.getOperation() == KeyValueOperation.PUT;
    }

    static String key(String roomId) {
        if (roomId == null || roomId.isEmpty()) {
            throw new IllegalArgumentException("room id must not be empty");
        }
        if (KEY.matcher(roomId).matches() && !roomId.startsWith("b64.") && !roomId.startsWith(".") && !roomId.endsWith(".")
                && !roomId.contains("..")) {
            return roomId;
        }
        return "b64." + Base64.getUrlEncoder().withoutPadding().encodeToString(roomId.getBytes(StandardCharsets.UTF_8));
    }

    static String roomId(String key) {
        return key.startsWith("b64.") ? new String(Base64.getUrlDecoder().decode(key.substring(4)), StandardCharsets.UTF_8) : key;
    }

    @Override
    public Optional<String> owner(String roomId) {
        try {
            KeyValueEntry e = rooms.get(key(roomId));
            return e == null || e.getOperation() != KeyValueOperation.PUT ? Optional.empty() : Optional.of(e.getValueAsString());
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("reading a room's owner", e);
        }
    }

    @Override
    public boolean claim(String roomId) {
        String key = key(roomId);
        byte[] me = nodeId.getBytes(StandardCharsets.UTF_8);
        try {
            KeyValueEntry e = rooms.get(key);
            if (e == null || e.getOperation() != KeyValueOperation.PUT) {
                try {
                    rooms.create(key, me);
                    directory.put(key, nodeId);
                    return true;
                } catch (JetStreamApiException lost) {
                    return nodeId.equals(owner(roomId).orElse(null)); // another node created it first
                }
            }
            String owner = e.getValueAsString();
            if (owner.equals(nodeId)) {
                return true;
            }
            if (alive(owner)) {
                return false;
            }
            try {
                rooms.update(key, me, e.getRevision());
                directory.put(key, nodeId);
                LOG.info("cluster: node {} took room {} over from node {}, whose lease lapsed", nodeId, roomId, owner);
                return true;
            } catch (JetStreamApiException lost) {
                return false; // another survivor took it first
            }
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("claiming a room", e);
        }
    }

    @Override
    public void release(String roomId) {
        String key = key(roomId);
        try {
            KeyValueEntry e = rooms.get(key);
            if (e != null && e.getOperation() == KeyValueOperation.PUT && e.getValueAsString().equals(nodeId)) {
                try {
                    rooms.delete(key, e.getRevision());
                } catch (JetStreamApiException changed) {
                    // someone else owns it now
                }
            }
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("releasing a room", e);
        }
    }

    @Override
    public List<String> roomsOf(String node) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : directory.entrySet()) {
            if (e.getValue().equals(node)) {
                out.add(roomId(e.getKey()));
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public List<String> orphans() {
        Set<String> live = new java.util.HashSet<>();
        cachedAtNanos = 0;
        nodes().forEach(n -> live.add(n.id()));
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : directory.entrySet()) {
            if (!live.contains(e.getValue())) {
                out.add(roomId(e.getKey()));
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public String place(String gameType) {
        List<NodeInfo> candidates = nodes().stream().filter(n -> n.hosts(gameType) && !n.draining()).toList();
        if (candidates.isEmpty()) {
            throw new ClusterException(ClusterException.NO_NODE, "no live node hosts the game '" + gameType + "'", null);
        }
        if (candidates.size() == 1) {
            return candidates.get(0).id();
        }
        int i = random.nextInt(candidates.size());
        int j = random.nextInt(candidates.size() - 1);
        if (j >= i) {
            j++;
        }
        NodeInfo a = candidates.get(i);
        NodeInfo b = candidates.get(j);
        return a.load() <= b.load() ? a.id() : b.id();
    }

    /** The subject a node listens on for drain requests. */
    private String drainSubject(String node) {
        return settings.prefix() + ".drain." + node;
    }

    /**
     * Listens for drain requests addressed to this node ({@link #requestDrain}); {@code drain} is
     * run once per request (it must only begin the stop, not wait for it), then the requester is
     * answered. Call once.
     */
    public void onDrainRequest(Runnable drain) {
        io.nats.client.Dispatcher d = connection.createDispatcher(m -> {
            String from = new String(m.getData(), StandardCharsets.UTF_8);
            LOG.warn("cluster: node {} is asked to drain by {}", nodeId, from.isBlank() ? "another node" : from);
            drain.run();
            if (m.getReplyTo() != null) {
                connection.publish(m.getReplyTo(), "draining".getBytes(StandardCharsets.UTF_8));
            }
        });
        d.subscribe(drainSubject(nodeId));
        drainRequests = d;
    }

    @Override
    public void requestDrain(String node) {
        if (node == null || !NODE_ID.matcher(node).matches() || nodes().stream().noneMatch(n -> n.id().equals(node))) {
            throw new ClusterException(ClusterException.NO_NODE, "no live node has the id '" + node + "'", null);
        }
        try {
            io.nats.client.Message reply = connection.request(drainSubject(node), nodeId.getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(3));
            if (reply == null || reply.isStatusMessage()) {
                throw new ClusterException(ClusterException.NO_NODE, "node '" + node + "' did not answer the drain request"
                        + " (an older version without drain requests, or it is stopping already)", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("asking node " + node + " to drain", e);
        } catch (RuntimeException e) {
            if (e instanceof ClusterException) {
                throw e;
            }
            throw new ClusterException(ClusterException.NO_NODE, "node '" + node + "' did not answer the drain request: "
                    + e.getMessage(), e);
        }
    }

    private ClusterException unavailable(String doing, Exception e) {
        return new ClusterException(ClusterException.UNAVAILABLE, "NATS did not answer while " + doing + ": " + e.getMessage(), e);
    }

    /**
     * Leaves the cluster: stops renewing and deletes this node's announcement (its rooms stay in
     * the directory, for whoever takes them over). {@link #abandon()} leaves without the goodbye,
     * as a killed node would.
     */
    @Override
    public void close() {
        abandon();
        try {
            nodes.delete(nodeId);
        } catch (IOException | JetStreamApiException e) {
            LOG.debug("cluster: node {} left without deleting its announcement: {}", nodeId, e.toString());
        }
        LOG.info("cluster: node {} left", nodeId);
    }

    /**
     * Stops renewing the lease without a goodbye, for a next instance of this node to continue it
     * (a restart of the cluster bundle or of its NATS connection, while the node's rooms run on):
     * returns the revision of the announcement this instance wrote last, to pass to the next one
     * (0 if it never wrote one). If no next instance renews it within the lease, it lapses and the
     * other nodes take the rooms over, as after a kill.
     */
    public long handOver() {
        closed = true;
        heartbeats.shutdown(); // a renewal under way finishes (not interrupted): its revision is the last
        try {
            heartbeats.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        abandon();
        LOG.info("cluster: node {} hands its lease over to its next instance (revision {})", nodeId, lastRevision);
        return lastRevision;
    }

    /** Stops renewing the lease and watching, without a goodbye: the lease lapses on its own. */
    public void abandon() {
        closed = true;
        heartbeats.shutdownNow();
        io.nats.client.Dispatcher d = drainRequests;
        if (d != null) {
            try {
                connection.closeDispatcher(d);
            } catch (RuntimeException e) {
                // the connection is closing
            }
        }
        try {
            watch.unsubscribe();
        } catch (RuntimeException e) {
            // the connection is closing
        }
    }

    Connection connection() {
        return connection;
    }
}
