package dev.ludus.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.sun.management.UnixOperatingSystemMXBean;

/**
 * Process CPU time and file descriptors, from the JDK's {@code com.sun.management} beans. Kept
 * apart from {@link JvmSeries} because that package is imported optionally: loading this class
 * fails with {@link NoClassDefFoundError} when it is not there.
 */
final class ProcessSeries {

    private ProcessSeries() {
    }

    /** Registers what this JDK and operating system offer; answers the names registered. */
    static List<String> registerOn(MetricRegistry registry) {
        List<String> names = new ArrayList<>();
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            CumulativeGauge cpu = () -> Math.max(0, sun.getProcessCpuTime()) / 1e9;
            registry.register("ludus_jvm_process_cpu_seconds", cpu);
            names.add("ludus_jvm_process_cpu_seconds");
        }
        if (os instanceof UnixOperatingSystemMXBean unix) {
            registry.register("ludus_jvm_open_fds", (Gauge<Long>) unix::getOpenFileDescriptorCount);
            registry.register("ludus_jvm_max_fds", (Gauge<Long>) unix::getMaxFileDescriptorCount);
            names.add("ludus_jvm_open_fds");
            names.add("ludus_jvm_max_fds");
        }
        return names;
    }
}
