package dev.ludus.runtime;

import com.sun.management.GcInfo;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps ZGC's soft heap limit ({@code SoftMaxHeapSize}) near what the node needs: the heap the last
 * collection left live, plus ten seconds of the fastest allocation of the last minute, at least 16
 * MiB of room, and never above the maximum heap.
 *
 * <p>Why: with the soft limit at the maximum heap (the JVM's default) ZGC lets garbage fill the heap
 * far beyond the live objects before it collects, and every page that garbage touched stays in the
 * process's memory: 15,000 idle players, 6.7 KiB each of live objects, grew the node by 29 KiB each,
 * and it did not shrink in five minutes. With this class (and the JVM giving back heap unused for
 * 30 s, which {@code bin/ludus} asks for) 11-13 KiB each once their burst of handshakes was over.
 * With the limit following the live heap, a quiet node collects sooner and holds little more than
 * its live heap; a busy node's allocation raises the limit within a second, so it collects about
 * as often as with the default (a fixed low limit made ZGC collect eight times as often at 2,000
 * players, for a third more CPU). The soft limit is soft: the heap still grows to the maximum when
 * the allocation outruns the collector, and nothing waits on this class.
 *
 * <p>Only on ZGC (the collector that reads the soft limit), and only when the operator has not set
 * {@code -XX:SoftMaxHeapSize} (JAVA_OPTS) or turned it off ({@code LUDUS_HEAP_TARGET=jvm}).
 */
final class HeapTarget {

    /** The system property bin/ludus sets from {@code LUDUS_HEAP_TARGET}: {@code adaptive} (default) or {@code jvm}. */
    static final String PROPERTY = "ludus.heap.target";
    static final long MIB = 1024 * 1024;
    /**
     * The least room above the live heap. A quiet node's room is this, and ZGC holds it on top of
     * the live heap: 64 MiB was 3.7 KiB per idle connection at 17,500; 16 MiB cost no CPU that showed.
     */
    static final long MIN_ROOM = 16 * MIB;
    /** The least target: an idle node's own heap (its bundles, caches) with room to allocate. */
    static final long FLOOR = 128 * MIB;
    /** Seconds of allocation kept as room. */
    static final int HORIZON_SECONDS = 10;
    /** Seconds over which the fastest allocation is remembered. */
    static final int WINDOW_SECONDS = 60;
    private static final String OPTION = "SoftMaxHeapSize";

    private final HotSpotDiagnosticMXBean hotspot;
    private final List<MemoryPoolMXBean> heapPools;
    private final long maxHeap;
    /** Bytes allocated in each of the last {@link #WINDOW_SECONDS} seconds, a ring. */
    private final long[] allocated = new long[WINDOW_SECONDS];
    private int next;
    private long lastUsed = -1;
    private long target;
    private final List<com.sun.management.GarbageCollectorMXBean> cycleBeans;
    private long lastCycleId = -1;
    private boolean stopped;

    private HeapTarget(HotSpotDiagnosticMXBean hotspot, List<MemoryPoolMXBean> heapPools, long maxHeap, long initial) {
        this.hotspot = hotspot;
        this.heapPools = heapPools;
        this.maxHeap = maxHeap;
        this.target = initial;
        this.cycleBeans = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(b -> b instanceof com.sun.management.GarbageCollectorMXBean && b.getName().contains("Cycles"))
                .map(b -> (com.sun.management.GarbageCollectorMXBean) b).toList();
    }

    /**
     * The soft limit for a live heap and the fastest allocation per second of the last minute:
     * live plus {@link #HORIZON_SECONDS} of that allocation (at least {@link #MIN_ROOM}), at least
     * {@link #FLOOR}, at most the maximum heap; rounded up to a MiB.
     */
    static long target(long live, long peakAllocatedPerSecond, long maxHeap) {
        long room = Math.max(MIN_ROOM, saturatedMultiply(Math.max(0, peakAllocatedPerSecond), HORIZON_SECONDS));
        long t = Math.min(maxHeap, Math.max(FLOOR, saturatedAdd(Math.max(0, live), room)));
        return Math.min(maxHeap, (t + MIB - 1) / MIB * MIB);
    }

    /** Whether a new target differs enough from the one in force to be set: by 8 MiB and a sixteenth. */
    static boolean worthSetting(long current, long proposed) {
        long diff = Math.abs(proposed - current);
        return diff >= 8 * MIB && diff >= current / 16;
    }

    /** What is wrong with a {@link #PROPERTY} value, or {@code null} when it is adaptive, jvm or unset. */
    static String problem(String setting) {
        String s = normal(setting);
        return s.equals("adaptive") || s.equals("jvm") ? null
                : "LUDUS_HEAP_TARGET (" + PROPERTY + ") must be adaptive or jvm, got '" + setting + "'";
    }

    private static String normal(String setting) {
        return setting == null || setting.isBlank() ? "adaptive" : setting.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Starts following the heap, if this JVM runs ZGC and the setting allows; returns what it did,
     * for the log, or {@code null} when it did nothing worth saying.
     *
     * @param setting the {@link #PROPERTY} value: {@code adaptive}, {@code jvm}, or null for the default
     */
    static String start(String setting) {
        if (problem(setting) != null || normal(setting).equals("jvm")) {
            return null;
        }
        try {
            return startOnZgc();
        } catch (RuntimeException e) { // the node runs as well without it: say so, and go on
            return "heap target: not followed (" + e + "); the soft heap limit stays the JVM's";
        }
    }

    private static String startOnZgc() {
        if (!"ZGC".equals(Launcher.collector())) {
            return null; // G1, Parallel and Serial do not read the soft limit
        }
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        VMOption option;
        try {
            option = hotspot.getVMOption(OPTION);
        } catch (IllegalArgumentException e) {
            return null; // a JVM without the option
        }
        VMOption.Origin origin = option.getOrigin();
        if ((origin != VMOption.Origin.DEFAULT && origin != VMOption.Origin.ERGONOMIC) || !option.isWriteable()) {
            return "heap target: " + OPTION + " set by the JVM's options (" + option.getValue() + " bytes) is kept";
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
        if (pools.isEmpty()) {
            return null;
        }
        long initial = Long.parseLong(option.getValue());
        HeapTarget governor = new HeapTarget(hotspot, pools, maxHeap, initial);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-heap-target");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        governor.tick();
        timer.scheduleWithFixedDelay(governor::tickQuietly, 1, 1, TimeUnit.SECONDS);
        return "heap target: ZGC's soft limit follows the live heap plus " + HORIZON_SECONDS
                + " s of allocation (at least " + FLOOR / MIB + " MiB, at most the maximum " + maxHeap / MIB
                + " MiB; now " + governor.target / MIB + " MiB); LUDUS_HEAP_TARGET=jvm leaves it at the maximum";
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // a failed sample changes nothing; the next one tries again
        }
    }

    /** One sample: the allocation of the last second, the live heap, and the target they give. */
    void tick() {
        if (stopped) {
            return;
        }
        long used = 0;
        for (MemoryPoolMXBean p : heapPools) {
            used += p.getUsage().getUsed();
        }
        GcInfo cycle = lastCycle();
        long afterCollection = cycle == null ? 0 : heapUsed(cycle.getMemoryUsageAfterGc());
        long allocatedNow = 0;
        if (lastUsed >= 0) {
            allocatedNow = cycle != null && cycle.getId() != lastCycleId
                    // a collection ran since the last sample: what came before it began, and what came after
                    ? Math.max(0, heapUsed(cycle.getMemoryUsageBeforeGc()) - lastUsed) + Math.max(0, used - afterCollection)
                    : Math.max(0, used - lastUsed);
        }
        if (cycle != null) {
            lastCycleId = cycle.getId();
        }
        lastUsed = used;
        allocated[next] = allocatedNow;
        next = (next + 1) % allocated.length;
        long peak = 0;
        for (long a : allocated) {
            peak = Math.max(peak, a);
        }
        long live = afterCollection > 0 ? afterCollection : used;
        long proposed = target(live, peak, maxHeap);
        if (worthSetting(target, proposed)) {
            if (!setByOthers()) {
                hotspot.setVMOption(OPTION, Long.toString(proposed));
                target = proposed;
            }
        }
    }

    /**
     * Whether someone else (an operator's {@code jcmd VM.set_flag}) set the soft limit since this
     * governor did: then it stops, and says so, and the operator's value stays.
     */
    private boolean setByOthers() {
        if (stopped) {
            return true;
        }
        long now = Long.parseLong(hotspot.getVMOption(OPTION).getValue());
        if (now != target) {
            stopped = true;
            Log.info("heap target: " + OPTION + " was set to " + now + " bytes from outside; the node leaves it there");
            return true;
        }
        return false;
    }

    /** The latest collection cycle of the collector's cycle beans (ZGC's "Cycles"), or null. */
    private GcInfo lastCycle() {
        GcInfo latest = null;
        for (com.sun.management.GarbageCollectorMXBean c : cycleBeans) {
            GcInfo info = c.getLastGcInfo();
            if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
                latest = info;
            }
        }
        return latest;
    }

    private long heapUsed(Map<String, MemoryUsage> byPool) {
        long sum = 0;
        for (MemoryPoolMXBean p : heapPools) {
            MemoryUsage u = byPool.get(p.getName());
            sum += u == null ? 0 : u.getUsed();
        }
        return sum;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static long saturatedMultiply(long a, long b) {
        return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }
}
