package dev.ludus.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.junit.Test;

import com.codahale.metrics.MetricRegistry;

public class ResidentMemoryTest {

    @Test
    public void theVmRssLineIsReadInBytes() {
        String status = "Name:\tjava\nVmPeak:\t 5000000 kB\nVmHWM:\t  700000 kB\nVmRSS:\t  605184 kB\nRssAnon:\t  590000 kB\n";
        assertEquals(605184L * 1024, ResidentMemory.parse(status));
    }

    @Test
    public void aStatusWithoutVmRssOrNoStatusFileIsUnknown() {
        assertEquals(ResidentMemory.UNKNOWN, ResidentMemory.parse("Name:\tjava\nState:\tS (sleeping)\n"));
        assertEquals(ResidentMemory.UNKNOWN, ResidentMemory.parse("VmRSS:\t  lots kB\n"));
        assertEquals(ResidentMemory.UNKNOWN, ResidentMemory.read(Path.of("/no/such/proc/self/status")));
    }

    @Test
    public void theGaugeReportsThisProcessOnLinuxAndUnknownElsewhere() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        JvmSeries.registerOn(registry);
        long rss = ((Number) registry.getGauges().get("ludus_jvm_process_resident_memory_bytes").getValue()).longValue();
        boolean linux = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && Files.isReadable(Path.of("/proc/self/status"));
        if (linux) {
            // At least the heap this JVM has committed and touched, and less than the machine could hold.
            long used = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            assertTrue(rss + " resident, " + used + " heap used", rss > used / 2 && rss > 16L << 20);
            assertTrue(String.valueOf(rss), rss < 1L << 40);
        } else {
            assertEquals(ResidentMemory.UNKNOWN, rss);
        }
    }
}
