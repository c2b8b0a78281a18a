package dev.ludus.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.ludus.runtime.HeapTarget.MIB;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

public class HeapTargetTest {

    @Test
    public void theTargetIsTheLiveHeapPlusTenSecondsOfThePeakAllocationWithinTheFloorAndTheMaximum() {
        long max = 1024 * MIB;
        assertEquals("a quiet small node sits on the floor", HeapTarget.FLOOR, HeapTarget.target(20 * MIB, 0, max));
        assertEquals("16 MiB of room at the least", 16 * MIB, HeapTarget.MIN_ROOM);
        assertEquals("the least room", 300 * MIB + HeapTarget.MIN_ROOM, HeapTarget.target(300 * MIB, MIB / 2, max));
        assertEquals("ten seconds of 20 MiB/s", 300 * MIB + 200 * MIB, HeapTarget.target(300 * MIB, 20 * MIB, max));
        assertEquals("never above the maximum heap", max, HeapTarget.target(300 * MIB, 100 * MIB, max));
        assertEquals("no overflow", max, HeapTarget.target(Long.MAX_VALUE / 2, Long.MAX_VALUE / 3, max));
        assertEquals("rounded up to a MiB", 200 * MIB, HeapTarget.target(200 * MIB - HeapTarget.MIN_ROOM - 1000, 0, max));
        assertEquals("a heap smaller than the floor: the maximum", 64 * MIB, HeapTarget.target(10 * MIB, 0, 64 * MIB));
    }

    @Test
    public void smallChangesAreNotSet() {
        assertFalse(HeapTarget.worthSetting(512 * MIB, 512 * MIB + 7 * MIB));
        assertFalse("under a sixteenth", HeapTarget.worthSetting(512 * MIB, 512 * MIB + 20 * MIB));
        assertTrue(HeapTarget.worthSetting(512 * MIB, 512 * MIB + 40 * MIB));
        assertTrue(HeapTarget.worthSetting(1024 * MIB, 128 * MIB));
        assertTrue(HeapTarget.worthSetting(128 * MIB, 140 * MIB));
    }

    @Test
    public void theSettingIsAdaptiveOrJvmAndAnythingElseIsNamedAsWrong() {
        assertNull(HeapTarget.problem(null));
        assertNull(HeapTarget.problem(" "));
        assertNull(HeapTarget.problem("adaptive"));
        assertNull(HeapTarget.problem("JVM"));
        String wrong = HeapTarget.problem("auto");
        assertNotNull(wrong);
        assertTrue(wrong, wrong.contains("LUDUS_HEAP_TARGET") && wrong.contains("'auto'") && wrong.contains("adaptive or jvm"));
        assertNull("a wrong setting starts nothing (the launcher refuses it before)", HeapTarget.start("auto"));
    }

    /** Run in a JVM of its own: starts the governor, then allocates as told and prints the soft limit. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            System.out.println("said " + HeapTarget.start(args[0]));
            System.out.println("soft " + hotspot.getVMOption("SoftMaxHeapSize").getValue());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            List<byte[]> keep = new ArrayList<>();
            while ((line = in.readLine()) != null) {
                if (line.startsWith("churn ")) { // allocate about N MiB a second of garbage for 3 s
                    int mibPerSecond = Integer.parseInt(line.substring(6));
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                    while (System.nanoTime() < end) {
                        for (int i = 0; i < mibPerSecond * 16 / 10; i++) {
                            keep.add(new byte[64 * 1024]);
                        }
                        keep.clear();
                        Thread.sleep(100);
                    }
                } else if (line.startsWith("set ")) { // as an operator's jcmd VM.set_flag would
                    hotspot.setVMOption("SoftMaxHeapSize", line.substring(4));
                } else if (line.startsWith("wait ")) {
                    Thread.sleep(Long.parseLong(line.substring(5)));
                }
                System.out.println("soft " + hotspot.getVMOption("SoftMaxHeapSize").getValue());
                System.out.flush();
            }
        }
    }

    private record Probed(Process process, BufferedReader out) implements AutoCloseable {
        String line() throws IOException {
            String l = out.readLine();
            assertNotNull("the probe ended", l);
            return l;
        }

        long soft(String command) throws IOException {
            process.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            String l = line();
            while (!l.startsWith("soft ")) { // the governor's own log lines
                l = line();
            }
            return Long.parseLong(l.substring(5));
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static Probed probe(String setting, String... jvmOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), setting));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new Probed(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }

    private static String firstLine(Probed p, String prefix) throws IOException {
        String l = p.line();
        while (!l.startsWith(prefix)) {
            l = p.line();
        }
        return l;
    }

    @Test
    public void onZgcTheSoftLimitFollowsTheLiveHeapAndRisesWithTheAllocation() throws Exception {
        try (Probed p = probe("adaptive", "-XX:+UseZGC", "-Xmx1g")) {
            String said = firstLine(p, "said ");
            assertTrue(said, said.contains("follows the live heap"));
            long quiet = Long.parseLong(firstLine(p, "soft ").substring(5));
            assertTrue("a quiet JVM's soft limit comes down from the 1 GiB maximum: " + quiet, quiet < 512 * MIB);
            long busy = p.soft("churn 60");
            assertTrue("60 MiB/s of allocation raises it by hundreds of MiB: " + quiet + " -> " + busy, busy >= quiet + 200 * MIB);
            long operator = p.soft("set 300000000");
            assertEquals(300_000_000L, operator);
            long afterOperator = p.soft("churn 5");
            assertEquals("an operator's value stays", 300_000_000L, afterOperator);
        }
    }

    @Test
    public void anOperatorsSoftLimitAndOtherCollectorsAreLeftAlone() throws Exception {
        try (Probed p = probe("adaptive", "-XX:+UseZGC", "-Xmx1g", "-XX:SoftMaxHeapSize=700m")) {
            String said = firstLine(p, "said ");
            assertTrue(said, said.contains("is kept"));
            assertEquals(700 * MIB, p.soft("churn 40"));
        }
        try (Probed p = probe("jvm", "-XX:+UseZGC", "-Xmx1g")) {
            assertEquals("said null", firstLine(p, "said "));
            assertEquals("LUDUS_HEAP_TARGET=jvm: the JVM's own", 1024 * MIB, p.soft("wait 1500"));
        }
        try (Probed p = probe("adaptive", "-XX:+UseG1GC", "-Xmx1g")) {
            assertEquals("G1 does not read the soft limit", "said null", firstLine(p, "said "));
        }
    }
}
