package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.Test;

public class LauncherTest {

    @Test
    public void aPortAnotherProcessListensOnIsNamedBeforeAnythingStarts() throws Exception {
        int port;
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = other.getLocalPort();
            String why = Launcher.portInUse("127.0.0.1", port);
            assertNotNull(why);
            assertTrue(why, why.startsWith("cannot listen on 127.0.0.1:" + port + " ("));
            assertTrue(why, why.endsWith("another process holds the port (another Ludus node?); stop it, or choose"
                    + " another port (LUDUS_HTTP_PORT)"));
        }
        assertNull("free once the other has closed it", Launcher.portInUse("127.0.0.1", port));
        assertNull("the check itself leaves it free", Launcher.portInUse("127.0.0.1", port));
    }

    @Test
    public void anAddressThatIsNotThisMachinesIsRefusedToo() {
        String why = Launcher.portInUse("192.0.2.1", 8080); // TEST-NET-1: no interface here has it
        assertNotNull(why);
        assertTrue(why, why.startsWith("cannot listen on 192.0.2.1:8080 ("));
        assertTrue(why, why.endsWith("LUDUS_HTTP_HOST must be an address of this machine (127.0.0.1, or 0.0.0.0"
                + " for all), and a port below 1024 needs privileges (LUDUS_HTTP_PORT)"));
    }

    @Test
    public void exitCodesAreDistinct() {
        assertEquals(7, java.util.Set.of(Launcher.EXIT_OK, Launcher.EXIT_CONFIG, Launcher.EXIT_UNRESOLVED,
                Launcher.EXIT_NOT_READY, Launcher.EXIT_STOP_TIMEOUT, Launcher.EXIT_DATA_IN_USE,
                Launcher.EXIT_PORT_IN_USE).size());
    }

    @Test
    public void aHeapAboveTheMachinesMemoryIsNamedAndOneWithinItIsNot() {
        long gib = 1L << 30;
        String why = Launcher.heapAboveMemory(64 * gib, 24 * gib);
        assertNotNull(why);
        assertTrue(why, why.contains("65536 MiB") && why.contains("24576 MiB") && why.contains("LUDUS_HEAP"));
        assertNull(Launcher.heapAboveMemory(gib, 24 * gib));
        assertNull("equal fits", Launcher.heapAboveMemory(24 * gib, 24 * gib));
        assertNull("memory unknown", Launcher.heapAboveMemory(64 * gib, -1));
    }

    @Test
    public void anUnknownFeatureNameIsExplainedWhenItIsAListWithoutCommasOrATypo() {
        java.util.List<String> available = java.util.List.of("framework", "games", "http", "ludus-core", "webconsole");
        assertEquals(" (feature names are separated by commas, such as 'framework, http, webconsole, ludus-core, games')",
                Launcher.featureHint("framework http webconsole", available));
        assertEquals(" (did you mean 'ludus-core'?)", Launcher.featureHint("Ludus-Core", available));
        assertEquals(" (did you mean 'games'?)", Launcher.featureHint("game", available));
        assertEquals("", Launcher.featureHint("redis", available));
    }

    @Test
    public void aFeatureBundleUninstalledWhileTheNodeRunsIsNamedWithItsFeatureAndWhatBringsItBack() {
        String w = Launcher.uninstalledWarning("dev.ludus.eventstore", new org.osgi.framework.Version("0.1.0.SNAPSHOT"),
                "ludus-core");
        assertTrue(w, w.startsWith("bundle dev.ludus.eventstore 0.1.0.SNAPSHOT (feature ludus-core) was uninstalled"));
        assertTrue(w, w.contains("the next start installs it again"));
        assertTrue(w, w.contains("leave the feature out of ludus.features or LUDUS_FEATURES"));
    }
}
