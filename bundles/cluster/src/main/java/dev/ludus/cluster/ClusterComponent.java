package dev.ludus.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.cluster.Cluster;
import dev.ludus.api.cluster.NodeInfo;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.nats.client.NatsConnector;
import io.nats.client.Connection;

/**
 * This node in the cluster: a {@link NatsCluster} on a connection from the node's
 * {@link NatsConnector}, configured by {@value #PID} (required). Joins in the background (and tries
 * again every two seconds while NATS does not answer); the {@link Cluster} service is registered
 * while this node is a member. Announces the game types (and {@code type@version}) of the
 * {@link GameDefinition} services running here, the rooms that are not finished, and the
 * process's CPU use. The health check {@code cluster} is always registered while configured.
 */
@Component(service = HealthCheck.class, configurationPid = ClusterComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ClusterComponent.Config.class)
public class ClusterComponent implements HealthCheck {

    static final String PID = "dev.ludus.cluster";

    private static final Logger LOG = LoggerFactory.getLogger(ClusterComponent.class);

    @ObjectClassDefinition(name = "Ludus cluster",
            description = "This node's membership in a cluster of Ludus nodes sharing one NATS JetStream (and one shared event"
                    + " store). A new node id, prefix, lease or heartbeat makes the node leave and join again; a new address is announced at once.")
    public @interface Config {
        @AttributeDefinition(name = "Node id", min = "1", max = "64",
                description = "Unique in the cluster: letters, digits, - and _. A node restarted with its id waits for its old lease to lapse.")
        String nodeId();

        @AttributeDefinition(name = "Address", required = false,
                description = "Where players and other nodes reach this node, e.g. ws://game-1.example:8080/ws (announced to the others).")
        String address() default "";

        @AttributeDefinition(name = "Bucket prefix", min = "1", max = "64",
                description = "Names the cluster's two key-value buckets (<prefix>_nodes, <prefix>_rooms); clusters sharing a NATS differ here.")
        String prefix() default "ludus";

        @AttributeDefinition(name = "Lease (ms)", min = "1000", max = "600000",
                description = "A node that has not renewed its announcement this long is taken for dead and its rooms are claimed by others.")
        long leaseMillis() default 6000;

        @AttributeDefinition(name = "Heartbeat (ms)", min = "50", max = "300000",
                description = "How often this node renews its lease; at most half the lease.")
        long heartbeatMillis() default 1000;
    }

    @Reference(target = "(" + NatsConnector.NAME_PROPERTY + "=default)")
    private NatsConnector nats;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RoomService rooms;

    /** The series this component keeps in the node's registry (read from the cluster when scraped). */
    static final List<String> GAUGES = List.of("ludus_cluster_member", "ludus_cluster_nodes", "ludus_cluster_rooms_owned",
            "ludus_cluster_orphaned_rooms", "ludus_cluster_lease_age_seconds");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setMetrics(com.codahale.metrics.MetricRegistry registry) {
        removeGauges(registry); // what an earlier instance may have left
        registry.register("ludus_cluster_member", (com.codahale.metrics.Gauge<Integer>) () -> cluster != null ? 1 : 0);
        registry.register("ludus_cluster_nodes", (com.codahale.metrics.Gauge<Integer>) () -> figure(c -> c.nodes().size()));
        registry.register("ludus_cluster_rooms_owned",
                (com.codahale.metrics.Gauge<Integer>) () -> figure(c -> c.roomsOf(c.nodeId()).size()));
        registry.register("ludus_cluster_orphaned_rooms", (com.codahale.metrics.Gauge<Integer>) () -> figure(c -> c.orphans().size()));
        registry.register("ludus_cluster_lease_age_seconds", (com.codahale.metrics.Gauge<Double>) () -> {
            NatsCluster c = cluster;
            return c == null ? 0.0 : c.leaseAgeMillis() / 1000.0;
        });
    }

    void unsetMetrics(com.codahale.metrics.MetricRegistry registry) {
        removeGauges(registry);
    }

    private static void removeGauges(com.codahale.metrics.MetricRegistry registry) {
        GAUGES.forEach(registry::remove);
    }

    /** A figure of the cluster for a gauge; 0 while not a member or while NATS does not answer. */
    private int figure(java.util.function.ToIntFunction<NatsCluster> f) {
        NatsCluster c = cluster;
        if (c == null) {
            return 0;
        }
        try {
            return f.applyAsInt(c);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private BundleContext context;
    private Config config;
    private ScheduledExecutorService joiner;
    private volatile NatsCluster cluster;
    private volatile Connection connection;
    private ServiceRegistration<Cluster> registration;
    private volatile String problem = "joining";
    private volatile boolean deactivated;
    /** Set when the framework begins to stop (SIGTERM, the console's drain): the node takes no new rooms. */
    private volatile boolean draining;
    private final org.osgi.framework.SynchronousBundleListener stopping = e -> {
        if (e.getBundle().getBundleId() == 0 && e.getType() == org.osgi.framework.BundleEvent.STOPPING && !draining) {
            draining = true;
            LOG.info("cluster: the node is stopping; it announces that it is draining (no new rooms are placed here,"
                    + " and its rooms go to the other nodes once they are stopped here)");
            NatsCluster c = cluster;
            if (c != null) {
                c.announceNow();
            }
        }
    };

    @Activate
    void activate(Config config, BundleContext context) {
        this.config = config;
        this.context = context;
        context.addBundleListener(stopping);
        joiner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-cluster-join");
            t.setDaemon(true);
            return t;
        });
        joiner.scheduleWithFixedDelay(this::tend, 0, 2, TimeUnit.SECONDS);
    }

    /**
     * A change of the configuration: a new address is announced at the next heartbeat; a new node
     * id, prefix, lease or heartbeat makes the node leave (with a goodbye) and join again as
     * configured.
     */
    @Modified
    synchronized void modified(Config changed) {
        Config was = config;
        config = changed;
        if (was.nodeId().equals(changed.nodeId()) && was.prefix().equals(changed.prefix())
                && was.leaseMillis() == changed.leaseMillis() && was.heartbeatMillis() == changed.heartbeatMillis()) {
            NatsCluster c = cluster;
            if (c != null) {
                c.announceNow();
            }
            return;
        }
        LOG.info("cluster: the configuration changed (node id {} -> {}, prefix {} -> {}); node {} leaves and joins again",
                was.nodeId(), changed.nodeId(), was.prefix(), changed.prefix(), was.nodeId());
        leave(false);
        problem = "joining";
        joiner.execute(this::tend);
    }

    private synchronized void tend() {
        if (deactivated) {
            return;
        }
        if (cluster != null) {
            return;
        }
        try {
            NatsCluster.Settings settings = new NatsCluster.Settings(config.prefix(), Duration.ofMillis(config.leaseMillis()),
                    Duration.ofMillis(config.heartbeatMillis()));
            Connection c = nats.connect("cluster");
            try {
                cluster = new NatsCluster(c, config.nodeId(), settings, this::announcement, new Random(), inheritedRevision());
                connection = c;
                cluster.onDrainRequest(this::stopNode);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            registration = context.registerService(Cluster.class, cluster, null);
            problem = null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            note(e.getMessage());
        } catch (IOException | RuntimeException e) {
            note("cannot join yet: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long after answering a drain request the node begins to stop. */
    static final long STOP_DELAY_MILLIS = 300;

    /** Stops the node as SIGTERM does, a moment after the request is answered. */
    private void stopNode() {
        org.osgi.framework.Bundle system = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_LOCATION);
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(STOP_DELAY_MILLIS);
                system.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (org.osgi.framework.BundleException | RuntimeException e) {
                LOG.error("cluster: the drain asked for could not stop the node", e);
            }
        }, "ludus-cluster-drain");
        stopper.setDaemon(false);
        stopper.start();
    }

    private void note(String reason) {
        if (!reason.equals(problem)) {
            LOG.warn("cluster: {}", reason);
            problem = reason;
        }
    }

    private NatsCluster.Announcement announcement() {
        Set<String> games = new TreeSet<>();
        try {
            for (ServiceReference<GameDefinition> ref : context.getServiceReferences(GameDefinition.class, null)) {
                GameDefinition g = context.getService(ref);
                if (g != null) {
                    try {
                        games.add(g.type());
                        games.add(g.type() + "@" + ref.getBundle().getVersion());
                    } finally {
                        context.ungetService(ref);
                    }
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // stopping
        }
        RoomService r = rooms;
        int roomCount = 0;
        if (r != null) {
            try {
                roomCount = r.list().size();
            } catch (RuntimeException e) {
                // rooms are restarting
            }
        }
        return new NatsCluster.Announcement(config.address(), games, roomCount, 0, cpu(), draining);
    }

    private static double cpu() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                double load = os.getProcessCpuLoad();
                return load < 0 ? 0 : load;
            }
        } catch (LinkageError notExported) {
            // the framework does not export com.sun.management: placement goes by rooms alone
        }
        return 0;
    }

    /** Where an instance leaves its lease to the next ({@link #handOver}): in the bundle's data area, kept across updates. */
    static final String HANDOVER_FILE = "lease-handover";

    /**
     * The revision of this node's announcement the previous instance handed over, if it was for this
     * node id and prefix (read once: the file goes); 0 otherwise.
     */
    private long inheritedRevision() {
        java.io.File f = context.getDataFile(HANDOVER_FILE);
        if (f == null || !f.exists()) {
            return 0;
        }
        try {
            List<String> lines = java.nio.file.Files.readAllLines(f.toPath());
            java.nio.file.Files.deleteIfExists(f.toPath());
            if (lines.size() == 3 && lines.get(0).equals(config.nodeId()) && lines.get(1).equals(config.prefix())) {
                return Long.parseLong(lines.get(2));
            }
            LOG.info("cluster: the lease handed over was for another node id or prefix ({}); this node joins afresh", lines);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cluster: the lease handed over could not be read ({}); this node joins afresh", e.toString());
        }
        return 0;
    }

    /**
     * Leaves the lease to this node's next instance: the cluster bundle (or its NATS connection) is
     * restarted while the node runs on, so its rooms should stay its own rather than move to the
     * other nodes and back. Without a next instance within the lease, the lease lapses as after a kill.
     */
    private void handOver(NatsCluster c) {
        long revision = c.handOver();
        java.io.File f = context.getDataFile(HANDOVER_FILE);
        if (revision == 0 || f == null) {
            return;
        }
        try {
            java.nio.file.Files.writeString(f.toPath(), config.nodeId() + "\n" + config.prefix() + "\n" + revision + "\n");
        } catch (IOException e) {
            LOG.warn("cluster: the lease could not be handed over ({}); the next instance waits for it to lapse", e.toString());
        }
    }

    /**
     * Whether this node's configuration is still there: deleted, the node leaves the cluster for
     * good. True when it cannot be told (no Configuration Admin).
     */
    private boolean configurationPresent() {
        try {
            ServiceReference<org.osgi.service.cm.ConfigurationAdmin> ref = context.getServiceReference(
                    org.osgi.service.cm.ConfigurationAdmin.class);
            org.osgi.service.cm.ConfigurationAdmin ca = ref == null ? null : context.getService(ref);
            if (ca == null) {
                return true;
            }
            try {
                org.osgi.service.cm.Configuration[] found = ca.listConfigurations("(service.pid=" + PID + ")");
                return found != null && found.length > 0;
            } finally {
                context.ungetService(ref);
            }
        } catch (NoClassDefFoundError | IOException | InvalidSyntaxException | IllegalStateException e) {
            return true;
        }
    }

    /**
     * Leaves the cluster. When the framework stops (SIGTERM, a drain) or the node's cluster
     * configuration was deleted, the node says goodbye, so its rooms go to the others at once; when
     * only this component stops while the node runs on (the bundle restarted or updated, its NATS
     * connector restarted), the lease is handed over to the next instance instead, and no room moves.
     */
    @Deactivate
    synchronized void deactivate() {
        deactivated = true;
        try {
            context.removeBundleListener(stopping);
        } catch (IllegalStateException gone) {
            // stopping
        }
        joiner.shutdownNow();
        leave(!draining && configurationPresent());
    }

    /** Unregisters the service and leaves: handing the lease over to a next instance, or with a goodbye. */
    private void leave(boolean handOver) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException gone) {
                // stopping
            }
            registration = null;
        }
        NatsCluster c = cluster;
        cluster = null;
        if (c != null) {
            if (handOver) {
                handOver(c);
            } else {
                c.close();
            }
        }
        Connection conn = connection;
        connection = null;
        if (conn != null) {
            try {
                conn.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("nodeId", config.nodeId());
        d.put("prefix", config.prefix());
        d.put("nats", nats.target());
        NatsCluster c = cluster;
        if (c == null) {
            return HealthResult.down("not a member: " + problem, d);
        }
        d.put("leaseAgeMillis", c.leaseAgeMillis());
        try {
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (NodeInfo n : c.nodes()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", n.id());
                m.put("address", n.address());
                m.put("rooms", n.rooms());
                m.put("ownedRooms", c.roomsOf(n.id()).size());
                m.put("cpu", Math.round(n.cpu() * 100) / 100.0);
                m.put("leaseAgeMillis", n.leaseAgeMillis());
                m.put("draining", n.draining());
                nodes.add(m);
            }
            d.put("nodes", nodes);
            d.put("orphanedRooms", c.orphans().size());
        } catch (RuntimeException e) {
            return HealthResult.degraded("the cluster's store does not answer: " + e.getMessage(), d);
        }
        if (!c.leaseHeld()) {
            return HealthResult.degraded("this node has not renewed its lease for " + c.leaseAgeMillis()
                    + " ms: others may take its rooms over (" + Optional.ofNullable(c.lastError()).orElse("") + ")", d);
        }
        return HealthResult.up(d);
    }
}
