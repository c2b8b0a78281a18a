package dev.ludus.gateway;

import java.lang.management.ManagementFactory;

/**
 * The share of its processors the node's process used between two readings, from the JDK's
 * {@code com.sun.management} bean (an optional import: without it, or on a JVM that cannot say,
 * every reading is NaN and admission does not watch the CPU). One reader: the pressure thread.
 */
final class ProcessCpu {

    private final Reader reader = reader();
    private long lastCpuNanos = -1;
    private long lastWallNanos;

    /** Percent of the processors available to the JVM, since the previous call; NaN on the first or when unknown. */
    double percentSinceLast() {
        if (reader == null) {
            return Double.NaN;
        }
        long cpu = reader.cpuNanos();
        long wall = System.nanoTime();
        long prevCpu = lastCpuNanos;
        long prevWall = lastWallNanos;
        lastCpuNanos = cpu;
        lastWallNanos = wall;
        if (cpu < 0 || prevCpu < 0 || wall <= prevWall) {
            return Double.NaN;
        }
        return 100.0 * (cpu - prevCpu) / ((double) (wall - prevWall) * Runtime.getRuntime().availableProcessors());
    }

    private interface Reader {
        long cpuNanos();
    }

    private static Reader reader() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os::getProcessCpuTime;
            }
        } catch (NoClassDefFoundError | SecurityException absent) {
            // not on this JVM, or not imported in this framework: CPU not watched
        }
        return null;
    }
}
