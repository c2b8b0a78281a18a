package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import dev.ludus.api.cluster.Cluster;
import dev.ludus.api.cluster.NodeInfo;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;

/**
 * The cluster bundle in the distribution (features nats and cluster) against a real NATS: the node
 * joins and announces its game, sees another node (announced by the test through NATS itself, as
 * another process would), places new rooms by load, claims rooms by compare-and-set, and takes
 * over the rooms of the other node once its lease lapses; a restart of the bundle hands the lease
 * to its next instance (no room becomes an orphan), and deleting its configuration leaves at once.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClusterIT {

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        String nats;
        try {
            nats = ExamNats.url(ClusterIT.class, 1);
        } catch (org.junit.AssumptionViolatedException noNats) {
            return ExamConfig.defaultFeatureSet("cluster", List.of("nats", "cluster"),
                    frameworkProperty("ludus.itest.skip").value(noNats.getMessage()));
        }
        String prefix = "itest" + Long.toHexString(System.nanoTime());
        return ExamConfig.defaultFeatureSet("cluster", List.of("nats", "cluster"), Map.of(
                "dev.ludus.nats.cfg", "servers = " + nats + "\ncheckSeconds = 1\n",
                "dev.ludus.cluster.cfg", "nodeId = node-a\naddress = ws://127.0.0.1:1/ws\nprefix = " + prefix
                        + "\nleaseMillis = 2000\nheartbeatMillis = 300\n"),
                frameworkProperty("ludus.itest.nats").value(nats), frameworkProperty("ludus.itest.prefix").value(prefix));
    }

    private Cluster cluster() throws Exception {
        Wait.until("the Cluster service", 30_000, () -> context.getServiceReference(Cluster.class) != null);
        return context.getService(context.getServiceReference(Cluster.class));
    }

    private HealthResult health() throws Exception {
        for (ServiceReference<HealthCheck> ref : context.getServiceReferences(HealthCheck.class, null)) {
            HealthCheck h = context.getService(ref);
            if (h != null && h.name().equals("cluster")) {
                return h.check();
            }
        }
        throw new AssertionError("no cluster health check");
    }

    @Test
    public void theNodeJoinsPlacesClaimsAndTakesOverADeadNodesRooms() throws Exception {
        org.junit.Assume.assumeTrue(context.getProperty("ludus.itest.skip"), context.getProperty("ludus.itest.skip") == null);
        String prefix = context.getProperty("ludus.itest.prefix");
        Cluster cluster = cluster();
        assertEquals("node-a", cluster.nodeId());
        Wait.until("this node announced with its game", 10_000,
                () -> cluster.nodes().stream().anyMatch(n -> n.id().equals("node-a") && n.hosts("liap-tui")));
        assertEquals(HealthStatus.UP, health().status());

        try (Connection nats = Nats.connect(context.getProperty("ludus.itest.nats"))) {
            KeyValue nodes = nats.keyValue(prefix + "_nodes");
            KeyValue rooms = nats.keyValue(prefix + "_rooms");
            // another node, busier than this one's nothing, owning a room
            String other = "address=ws://127.0.0.1:2/ws\ngames=liap-tui\nrooms=500\nplayers=2000\ncpu=0.9\ndraining=false\n";
            nodes.put("node-b", other.getBytes(StandardCharsets.UTF_8));
            rooms.create("room-of-b", "node-b".getBytes(StandardCharsets.UTF_8));
            Wait.until("node-b seen", 10_000, () -> cluster.nodes().size() == 2);
            NodeInfo b = cluster.nodes().stream().filter(n -> n.id().equals("node-b")).findFirst().orElseThrow();
            assertEquals(500, b.rooms());
            for (int i = 0; i < 20; i++) {
                assertEquals("the less loaded node", "node-a", cluster.place("liap-tui"));
            }
            assertFalse("node-b is alive and owns its room", cluster.claim("room-of-b"));
            assertTrue(cluster.claim("room-of-a"));
            assertEquals(Optional.of("node-a"), cluster.owner("room-of-a"));

            // node-b stops renewing (as if killed): its lease lapses and its room can be taken over
            long t0 = System.nanoTime();
            Wait.until("node-b's lease lapses", 15_000, () -> cluster.nodes().size() == 1);
            long lapsed = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertTrue("lapsed within the lease and a heartbeat: " + lapsed + " ms", lapsed < 5_000);
            assertTrue("a survivor takes over a dead node's room", cluster.claim("room-of-b"));
            assertEquals(Optional.of("node-a"), cluster.owner("room-of-b"));
            Wait.until("the directory's replica", 10_000, () -> cluster.roomsOf("node-a").size() == 2);
            String base = "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
            Wait.until("the cluster's series", 10_000, () -> {
                String m = Http.get(base + "/metrics").body();
                return m.contains("ludus_cluster_member 1.0") && m.contains("ludus_cluster_nodes 1.0")
                        && m.contains("ludus_cluster_rooms_owned 2.0") && m.contains("ludus_cluster_orphaned_rooms 0.0");
            }, () -> Http.get(base + "/metrics").body().lines().filter(l -> l.startsWith("ludus_cluster")).toList());
            cluster.release("room-of-a");
            assertEquals(Optional.empty(), cluster.owner("room-of-a"));

            // stopping the bundle (a restart, an update) while the node runs on hands the lease to
            // the next instance: the announcement stays, and the restarted bundle continues it at
            // once instead of waiting for it to lapse, so the node's rooms never become orphans
            Bundle bundle = context.getServiceReference(Cluster.class).getBundle();
            long revision = nodes.get("node-a").getRevision();
            bundle.stop();
            assertTrue("the announcement stays at a bundle stop", nodes.get("node-a") != null);
            long t1 = System.nanoTime();
            bundle.start();
            Cluster again = cluster();
            Wait.until("renewed by the new instance", 10_000, () -> nodes.get("node-a") != null
                    && nodes.get("node-a").getRevision() > revision);
            long continuedMillis = Duration.ofNanos(System.nanoTime() - t1).toMillis();
            assertTrue("continued without waiting for the lease (2,000 ms): " + continuedMillis + " ms", continuedMillis < 1_500);
            assertEquals("its rooms stay its own across the restart", Optional.of("node-a"), again.owner("room-of-b"));
            assertTrue("never an orphan", again.orphans().isEmpty());
            Wait.until("health UP again", 10_000, () -> health().status() == HealthStatus.UP);

            // the node's cluster configuration deleted: it leaves for good, with a goodbye at once
            org.osgi.service.cm.ConfigurationAdmin ca = context.getService(
                    context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class));
            // a new address is announced by the same membership (no leaving, no waiting)
            org.osgi.service.cm.Configuration cfg = ca.getConfiguration("dev.ludus.cluster", "?");
            java.util.Dictionary<String, Object> props = cfg.getProperties();
            props.put("address", "ws://127.0.0.1:3/ws");
            long before = nodes.get("node-a").getRevision();
            cfg.update(props);
            Wait.until("the new address announced", 5_000, () -> again.nodes().stream().anyMatch(
                    n -> n.id().equals("node-a") && n.address().equals("ws://127.0.0.1:3/ws")));
            assertTrue("the same membership renewed it", context.getServiceReference(Cluster.class) != null
                    && nodes.get("node-a").getRevision() > before);
            // a new node id: the node leaves under the old one (goodbye at once) and joins under the new
            props.put("nodeId", "node-c");
            cfg.update(props);
            Wait.until("node-a gone at once and node-c joined", 5_000, () -> nodes.get("node-a") == null
                    && nodes.get("node-c") != null);
            cfg.delete();
            Wait.until("the announcement deleted at once (well before the lease)", 1_500, () -> nodes.get("node-c") == null);
        } finally {
            try (Connection nats = Nats.connect(context.getProperty("ludus.itest.nats"))) {
                for (String b : List.of(prefix + "_nodes", prefix + "_rooms")) {
                    try {
                        nats.keyValueManagement().delete(b); // the real NATS outlives the test
                    } catch (Exception gone) {
                        // never made
                    }
                }
            }
        }
    }
}
