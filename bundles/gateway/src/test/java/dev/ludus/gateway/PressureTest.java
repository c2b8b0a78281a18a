package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;

/** The pressure readings and the overloaded state they give, signal by signal. */
public class PressureTest {

    private final AtomicReference<Double> lag = new AtomicReference<>(0.0);
    private final AtomicReference<Double> outbound = new AtomicReference<>(0.0);
    private final AtomicReference<Double> heap = new AtomicReference<>(Double.NaN);
    private final AtomicReference<Double> fsync = new AtomicReference<>(Double.NaN);

    private Pressure pressure(TestConfig cfg) {
        return new Pressure(Pressure.Thresholds.of(cfg), lag::get, outbound::get, heap::get, fsync::get);
    }

    @Test
    public void oneSignalOverItsThresholdTwiceInARowOverloadsAndFourReadingsUnderEightyPercentEndIt() {
        Pressure p = pressure(new TestConfig());
        lag.set(300.0); // over 250
        p.sample(0);
        assertFalse("one reading over is not enough", p.overloaded());
        lag.set(10.0);
        p.sample(250);
        lag.set(300.0);
        p.sample(500);
        assertFalse("over, under, over: not in a row", p.overloaded());
        p.sample(750);
        assertTrue(p.overloaded());
        assertEquals("executor lag 300 ms over 250 ms", p.reason());
        assertEquals(750, p.overloadedSinceMillis());

        lag.set(220.0); // under the threshold but over 80 % of it: still overloaded
        for (int i = 0; i < 10; i++) {
            p.sample(1000 + i * 250);
        }
        assertTrue("between 80 and 100 % the node stays overloaded", p.overloaded());
        lag.set(150.0);
        for (int i = 0; i < 3; i++) {
            p.sample(4000 + i * 250);
            assertTrue(p.overloaded());
        }
        p.sample(5000);
        assertFalse("four readings under 80 % end it", p.overloaded());
        assertEquals("", p.reason());
    }

    @Test
    public void theActionPercentileNeedsTwentyActionsAndCountsOnlyThoseSinceTheLastReading() {
        TestConfig cfg = new TestConfig();
        cfg.shedActionP99Millis = 100;
        Pressure p = pressure(cfg);
        for (int i = 0; i < 19; i++) {
            p.actionTook(500_000_000L);
        }
        assertTrue("19 actions say nothing", Double.isNaN(p.sample(0).get(Pressure.Signal.ACTION_P99)));
        for (int i = 0; i < 99; i++) {
            p.actionTook(1_000_000L);
        }
        p.actionTook(400_000_000L);
        assertEquals(1.0, p.sample(250).get(Pressure.Signal.ACTION_P99), 1e-9); // 99 of 100 took 1 ms
        for (int i = 0; i < 50; i++) {
            p.actionTook(150_000_000L);
        }
        assertEquals(150.0, p.sample(500).get(Pressure.Signal.ACTION_P99), 1e-9);
        for (int i = 0; i < 50; i++) {
            p.actionTook(150_000_000L);
        }
        p.sample(750);
        assertTrue(p.overloaded());
        assertTrue(p.reason(), p.reason().startsWith("action p99 150 ms over 100 ms"));
    }

    @Test
    public void aThresholdOfZeroLeavesItsSignalUnwatchedAndUnknownValuesNeverOverload() {
        TestConfig cfg = new TestConfig();
        cfg.shedOutboundPercent = 0;
        Pressure p = pressure(cfg);
        outbound.set(99.0);
        heap.set(Double.NaN);
        for (int i = 0; i < 5; i++) {
            p.sample(i * 250L);
        }
        assertFalse(p.overloaded());
        assertEquals(99.0, (double) p.details().get("outbound"), 1e-9);
        assertFalse("unknown values are left out of the details", p.details().containsKey("heap_after_gc"));
    }

    @Test
    public void severalSignalsOverAreAllNamedAndNewThresholdsApplyAtTheNextReading() {
        TestConfig cfg = new TestConfig();
        Pressure p = pressure(cfg);
        heap.set(95.0);
        fsync.set(400.0);
        p.sample(0);
        p.sample(250);
        assertTrue(p.overloaded());
        assertEquals("heap after GC 95 % over 90 %, fsync 400 ms over 200 ms", p.reason());
        cfg.shedHeapAfterGcPercent = 0;
        cfg.shedFsyncMillis = 0;
        p.thresholds(Pressure.Thresholds.of(cfg));
        for (int i = 0; i < 4; i++) {
            p.sample(500 + i * 250L);
        }
        assertFalse("unwatched signals cannot hold it", p.overloaded());
    }

    @Test
    public void theHeapAfterCollectionIsReadFromTheJvmsPools() {
        System.gc();
        double v = Pressure.heapAfterGcPercent();
        assertTrue("a percentage after a collection: " + v, v >= 0 && v <= 100);
    }
}
