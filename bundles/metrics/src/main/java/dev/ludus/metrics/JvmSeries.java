package dev.ludus.metrics;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.CachedGauge;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.metrics.MetricName;

/**
 * The {@code ludus_jvm_*} series, read from the platform MXBeans when scraped (no thread, no
 * sampling in between). Sizes are in bytes, times in seconds; a maximum the JVM does not define
 * is -1.
 */
final class JvmSeries {

    private static final Logger LOG = LoggerFactory.getLogger(JvmSeries.class);

    /** HELP lines of the families recorded here. */
    static final Map<String, String> HELP = Map.ofEntries(
            Map.entry("ludus_jvm_memory_used_bytes", "Memory used, by area (heap, nonheap)."),
            Map.entry("ludus_jvm_memory_committed_bytes", "Memory committed by the JVM, by area (heap, nonheap)."),
            Map.entry("ludus_jvm_memory_max_bytes", "Most memory the JVM may use, by area (heap, nonheap); -1 if undefined."),
            Map.entry("ludus_jvm_memory_pool_used_bytes", "Memory used, by memory pool."),
            Map.entry("ludus_jvm_memory_pool_committed_bytes", "Memory committed, by memory pool."),
            Map.entry("ludus_jvm_memory_pool_max_bytes", "Most memory a pool may use; -1 if undefined."),
            Map.entry("ludus_jvm_gc_collections", "Garbage collections, by collector."),
            Map.entry("ludus_jvm_gc_collection_seconds", "Time spent in garbage collection, by collector."),
            Map.entry("ludus_jvm_threads", "Live threads, by state."),
            Map.entry("ludus_jvm_threads_live", "Live threads."),
            Map.entry("ludus_jvm_threads_daemon", "Live daemon threads."),
            Map.entry("ludus_jvm_threads_peak", "Most live threads since the JVM started."),
            Map.entry("ludus_jvm_classes_currently_loaded", "Classes loaded now."),
            Map.entry("ludus_jvm_classes_loaded", "Classes loaded since the JVM started."),
            Map.entry("ludus_jvm_classes_unloaded", "Classes unloaded since the JVM started."),
            Map.entry("ludus_jvm_buffer_pool_used_bytes", "Memory used by buffers, by buffer pool (direct, mapped)."),
            Map.entry("ludus_jvm_buffer_pool_capacity_bytes", "Total capacity of the buffers, by buffer pool."),
            Map.entry("ludus_jvm_buffer_pool_buffers", "Buffers, by buffer pool."),
            Map.entry("ludus_jvm_uptime_seconds", "Time since the JVM started."),
            Map.entry("ludus_jvm_available_processors", "Processors available to the JVM."),
            Map.entry("ludus_jvm_process_cpu_seconds", "CPU time used by the process."),
            Map.entry("ludus_jvm_open_fds", "Open file descriptors of the process."),
            Map.entry("ludus_jvm_max_fds", "Most file descriptors the process may open."),
            Map.entry("ludus_jvm_process_resident_memory_bytes",
                    "Resident memory of the process (VmRSS of /proc/self/status); -1 where the system does not tell."));

    /** Thread states change fast and cost a walk over every thread: one walk serves one scrape. */
    private static final long THREAD_STATES_CACHE_MILLIS = 1_000;

    private final MetricRegistry registry;
    private final List<String> names = new ArrayList<>();

    private JvmSeries(MetricRegistry registry) {
        this.registry = registry;
    }

    /** Registers every JVM series on {@code registry}; answers their names, to remove them later. */
    static List<String> registerOn(MetricRegistry registry) {
        JvmSeries s = new JvmSeries(registry);
        s.memory();
        s.gc();
        s.threads();
        s.classes();
        s.bufferPools();
        s.runtime();
        s.residentMemory();
        try {
            s.names.addAll(ProcessSeries.registerOn(registry));
        } catch (NoClassDefFoundError e) {
            LOG.info("com.sun.management is not available: process CPU time and file descriptors are not reported");
        }
        return List.copyOf(s.names);
    }

    private void memory() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        area("heap", memory::getHeapMemoryUsage);
        area("nonheap", memory::getNonHeapMemoryUsage);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MetricName name = MetricName.of("ludus_jvm_memory_pool_used_bytes").with("pool", pool.getName());
            gauge(name, () -> usage(pool.getUsage(), MemoryUsage::getUsed));
            gauge(MetricName.of("ludus_jvm_memory_pool_committed_bytes", name.labels()),
                    () -> usage(pool.getUsage(), MemoryUsage::getCommitted));
            gauge(MetricName.of("ludus_jvm_memory_pool_max_bytes", name.labels()),
                    () -> usage(pool.getUsage(), MemoryUsage::getMax));
        }
    }

    private void area(String area, Supplier<MemoryUsage> usage) {
        gauge(MetricName.of("ludus_jvm_memory_used_bytes").with("area", area), () -> usage.get().getUsed());
        gauge(MetricName.of("ludus_jvm_memory_committed_bytes").with("area", area), () -> usage.get().getCommitted());
        gauge(MetricName.of("ludus_jvm_memory_max_bytes").with("area", area), () -> usage.get().getMax());
    }

    /** A pool that is no longer valid answers no usage. */
    private static long usage(MemoryUsage usage, ToLongFunction<MemoryUsage> part) {
        return usage == null ? -1 : part.applyAsLong(usage);
    }

    private void gc() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            cumulative(MetricName.of("ludus_jvm_gc_collections").with("gc", gc.getName()),
                    () -> (double) Math.max(0, gc.getCollectionCount()));
            cumulative(MetricName.of("ludus_jvm_gc_collection_seconds").with("gc", gc.getName()),
                    () -> Math.max(0, gc.getCollectionTime()) / 1_000.0);
        }
    }

    private void threads() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        gauge(MetricName.of("ludus_jvm_threads_live"), threads::getThreadCount);
        gauge(MetricName.of("ludus_jvm_threads_daemon"), threads::getDaemonThreadCount);
        gauge(MetricName.of("ludus_jvm_threads_peak"), threads::getPeakThreadCount);
        CachedGauge<Map<Thread.State, Integer>> byState = new CachedGauge<>(THREAD_STATES_CACHE_MILLIS,
                TimeUnit.MILLISECONDS) {
            @Override
            protected Map<Thread.State, Integer> loadValue() {
                Map<Thread.State, Integer> counts = new EnumMap<>(Thread.State.class);
                for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
                    if (info != null) { // a thread that ended meanwhile
                        counts.merge(info.getThreadState(), 1, Integer::sum);
                    }
                }
                return counts;
            }
        };
        for (Thread.State state : Thread.State.values()) {
            gauge(MetricName.of("ludus_jvm_threads").with("state", state.name().toLowerCase(Locale.ROOT)),
                    () -> byState.getValue().getOrDefault(state, 0));
        }
    }

    private void classes() {
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        gauge(MetricName.of("ludus_jvm_classes_currently_loaded"), classes::getLoadedClassCount);
        cumulative(MetricName.of("ludus_jvm_classes_loaded"), () -> (double) classes.getTotalLoadedClassCount());
        cumulative(MetricName.of("ludus_jvm_classes_unloaded"), () -> (double) classes.getUnloadedClassCount());
    }

    private void bufferPools() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            MetricName used = MetricName.of("ludus_jvm_buffer_pool_used_bytes").with("pool", pool.getName());
            gauge(used, pool::getMemoryUsed);
            gauge(MetricName.of("ludus_jvm_buffer_pool_capacity_bytes", used.labels()), pool::getTotalCapacity);
            gauge(MetricName.of("ludus_jvm_buffer_pool_buffers", used.labels()), pool::getCount);
        }
    }

    private void runtime() {
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        gauge(MetricName.of("ludus_jvm_uptime_seconds"), () -> runtime.getUptime() / 1_000.0);
        gauge(MetricName.of("ludus_jvm_available_processors"), Runtime.getRuntime()::availableProcessors);
    }

    /** Read at each scrape; a system without {@code /proc} (macOS, Windows) answers -1. */
    private void residentMemory() {
        Path status = Path.of("/proc/self/status");
        gauge(MetricName.of("ludus_jvm_process_resident_memory_bytes"), () -> ResidentMemory.read(status));
    }

    private void gauge(MetricName name, Gauge<? extends Number> gauge) {
        register(name, gauge);
    }

    private void cumulative(MetricName name, CumulativeGauge gauge) {
        register(name, gauge);
    }

    private void register(MetricName name, Metric metric) {
        registry.register(name.toString(), metric);
        names.add(name.toString());
    }
}
