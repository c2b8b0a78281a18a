package dev.ludus.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.DoubleSupplier;

/**
 * The node's pressure, read every {@link #SAMPLE_MILLIS} ms from five signals, and whether the
 * gateway sheds new work because of it (docs/protocol.md, "Load shedding"):
 * <ul>
 * <li><b>action p99</b>: the 99th percentile of the actions answered since the last reading, from
 * their arrival to their reply (only when at least {@link #MIN_ACTIONS} were);</li>
 * <li><b>executor lag</b>: how long a task handed to the gateway's request threads waits before
 * it runs (a probe per reading; one that has not run yet counts from when it was handed);</li>
 * <li><b>outbound</b>: bytes waiting to be written to players, in percent of the gateway's bound;</li>
 * <li><b>heap after GC</b>: the heap the last collection left in use, in percent of the maximum;</li>
 * <li><b>fsync</b>: the event store's mean fsync time since the last reading.</li>
 * </ul>
 * The node is <em>overloaded</em> once some signal is over its threshold in
 * {@link #ENTER_READINGS} readings in a row, and no longer once every signal has stayed under
 * {@link #LEAVE_FRACTION} of its threshold for {@link #LEAVE_READINGS} readings in a row. A
 * threshold of 0 leaves its signal unwatched.
 */
final class Pressure {

    static final long SAMPLE_MILLIS = 250;
    static final int ENTER_READINGS = 2;
    static final int LEAVE_READINGS = 4;
    static final double LEAVE_FRACTION = 0.8;
    static final int MIN_ACTIONS = 20;
    /** Actions kept per reading for the percentile; beyond it the latest overwrite the oldest. */
    static final int WINDOW = 4096;

    /** The signals, in the order of {@link Reading#values}. */
    enum Signal {
        ACTION_P99("action p99", "ms"),
        EXECUTOR_LAG("executor lag", "ms"),
        OUTBOUND("outbound", "%"),
        HEAP_AFTER_GC("heap after GC", "%"),
        FSYNC("fsync", "ms");

        final String label;
        final String unit;

        Signal(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }

        /** The metric label value: {@code action_p99}, {@code executor_lag}... */
        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One reading: a value per signal (NaN when not known this time). */
    record Reading(double[] values) {
        double get(Signal s) {
            return values[s.ordinal()];
        }
    }

    /** The thresholds, per signal; 0 for one not watched. */
    record Thresholds(double[] values) {
        static Thresholds of(GatewayConfig c) {
            double[] v = new double[Signal.values().length];
            v[Signal.ACTION_P99.ordinal()] = c.shedActionP99Millis();
            v[Signal.EXECUTOR_LAG.ordinal()] = c.shedExecutorLagMillis();
            v[Signal.OUTBOUND.ordinal()] = c.shedOutboundPercent();
            v[Signal.HEAP_AFTER_GC.ordinal()] = c.shedHeapAfterGcPercent();
            v[Signal.FSYNC.ordinal()] = c.shedFsyncMillis();
            return new Thresholds(v);
        }

        double get(Signal s) {
            return values[s.ordinal()];
        }
    }

    private final AtomicLongArray actionNanos = new AtomicLongArray(WINDOW);
    private final AtomicInteger actions = new AtomicInteger();
    private final DoubleSupplier executorLagMillis;
    private final DoubleSupplier outboundPercent;
    private final DoubleSupplier heapAfterGcPercent;
    private final DoubleSupplier fsyncMillis;

    private volatile Thresholds thresholds;
    private volatile int lastActions;
    private volatile Reading last = new Reading(nan());
    private volatile boolean overloaded;
    private volatile String reason = "";
    private volatile long overloadedSinceMillis;
    private int over;
    private int under;

    Pressure(Thresholds thresholds, DoubleSupplier executorLagMillis, DoubleSupplier outboundPercent,
             DoubleSupplier heapAfterGcPercent, DoubleSupplier fsyncMillis) {
        this.thresholds = thresholds;
        this.executorLagMillis = executorLagMillis;
        this.outboundPercent = outboundPercent;
        this.heapAfterGcPercent = heapAfterGcPercent;
        this.fsyncMillis = fsyncMillis;
    }

    void thresholds(Thresholds t) {
        thresholds = t;
    }

    /** An action answered {@code nanos} after it arrived. Lock-free: one increment and one store. */
    void actionTook(long nanos) {
        int i = actions.getAndIncrement();
        actionNanos.set(i & (WINDOW - 1), nanos);
    }

    /** Takes a reading and updates the overloaded state; called by one thread, every {@link #SAMPLE_MILLIS}. */
    synchronized Reading sample(long nowMillis) {
        double[] v = nan();
        int all = actions.getAndSet(0);
        lastActions = all;
        int n = Math.min(all, WINDOW);
        if (n >= MIN_ACTIONS) {
            long[] taken = new long[n];
            for (int i = 0; i < n; i++) {
                taken[i] = actionNanos.get(i);
            }
            Arrays.sort(taken);
            v[Signal.ACTION_P99.ordinal()] = taken[(int) Math.ceil(0.99 * n) - 1] / 1e6;
        }
        v[Signal.EXECUTOR_LAG.ordinal()] = executorLagMillis.getAsDouble();
        v[Signal.OUTBOUND.ordinal()] = outboundPercent.getAsDouble();
        v[Signal.HEAP_AFTER_GC.ordinal()] = heapAfterGcPercent.getAsDouble();
        v[Signal.FSYNC.ordinal()] = fsyncMillis.getAsDouble();
        Reading r = new Reading(v);
        last = r;
        Thresholds t = thresholds;
        String overNow = over(r, t, 1.0);
        if (!overloaded) {
            over = overNow == null ? 0 : over + 1;
            if (over >= ENTER_READINGS) {
                overloaded = true;
                overloadedSinceMillis = nowMillis;
                reason = overNow;
                under = 0;
            }
        } else {
            String stillOver = over(r, t, LEAVE_FRACTION);
            if (overNow != null) {
                reason = overNow;
            }
            under = stillOver == null ? under + 1 : 0;
            if (under >= LEAVE_READINGS) {
                overloaded = false;
                reason = "";
                over = 0;
            }
        }
        return r;
    }

    /** What is over {@code fraction} of its threshold, said for people, or null when nothing is. */
    private static String over(Reading r, Thresholds t, double fraction) {
        StringBuilder b = null;
        for (Signal s : Signal.values()) {
            double limit = t.get(s);
            double value = r.get(s);
            if (limit > 0 && !Double.isNaN(value) && value > limit * fraction) {
                b = b == null ? new StringBuilder() : b.append(", ");
                b.append(s.label).append(' ').append(format(value)).append(' ').append(s.unit).append(" over ")
                        .append(format(limit)).append(' ').append(s.unit);
            }
        }
        return b == null ? null : b.toString();
    }

    private static String format(double v) {
        return v >= 10 ? String.valueOf(Math.round(v)) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The actions answered between the last two readings. */
    int lastActions() {
        return lastActions;
    }

    boolean overloaded() {
        return overloaded;
    }

    /** Why the node is overloaded (the signals over their thresholds at the last reading over), or "". */
    String reason() {
        return reason;
    }

    long overloadedSinceMillis() {
        return overloadedSinceMillis;
    }

    Reading last() {
        return last;
    }

    /** The last reading by signal key, for health and the console (unknown values left out). */
    Map<String, Object> details() {
        Map<String, Object> m = new LinkedHashMap<>();
        Reading r = last;
        for (Signal s : Signal.values()) {
            double v = r.get(s);
            if (!Double.isNaN(v)) {
                m.put(s.key(), Math.round(v * 10) / 10.0);
            }
        }
        return m;
    }

    private static double[] nan() {
        double[] v = new double[Signal.values().length];
        Arrays.fill(v, Double.NaN);
        return v;
    }

    /**
     * The heap the last collections left in use, in percent of the maximum: the sum over the heap
     * pools that report it (the old generation for G1, the one pool of ZGC). NaN when no pool says.
     */
    static double heapAfterGcPercent() {
        long used = 0;
        long max = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP || !pool.isCollectionUsageThresholdSupported()) {
                continue;
            }
            MemoryUsage after = pool.getCollectionUsage();
            long poolMax = pool.getUsage().getMax();
            if (after == null || poolMax <= 0) {
                continue;
            }
            used += after.getUsed();
            max += poolMax;
        }
        return max == 0 ? Double.NaN : 100.0 * used / max;
    }
}
