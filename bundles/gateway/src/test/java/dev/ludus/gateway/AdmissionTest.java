package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

/** Admission by capacity: the window of new rooms each reading opens, and what closes it. */
public class AdmissionTest {

    private static Pressure.Reading reading(double actionP99, double executorLag) {
        double[] v = new double[Pressure.Signal.values().length];
        Arrays.fill(v, Double.NaN);
        v[Pressure.Signal.ACTION_P99.ordinal()] = actionP99;
        v[Pressure.Signal.EXECUTOR_LAG.ordinal()] = executorLag;
        return new Pressure.Reading(v);
    }

    private static int taken(Admission a) {
        int n = 0;
        while (a.take()) {
            n++;
        }
        return n;
    }

    @Test
    public void aWindowHoldsTheLargerOfTheMinimumAndTheShareOfTheRoomsInPlay() {
        TestConfig cfg = new TestConfig(); // 25 %, at least 8, target 25 ms
        Admission a = new Admission();
        assertEquals(8, a.open(reading(3, 1), 0, 0, false, Double.NaN, cfg));
        assertEquals(8, taken(a));
        assertFalse("used up until the next reading", a.take());
        assertTrue(a.refusal(), a.refusal().contains("at most 8 new rooms per 250 ms now (0 playing, 0 waiting)"));
        assertEquals(25, a.open(reading(3, 1), 100, 0, false, Double.NaN, cfg));
        assertEquals(25, taken(a));
        assertEquals("a quarter of 101, rounded up", 26, a.open(reading(Double.NaN, 1), 101, 0, false, Double.NaN, cfg));
        assertEquals("the rooms service away: the minimum", 8, a.open(reading(3, 1), -1, 0, false, Double.NaN, cfg));
        assertEquals("rooms still waiting for players are load not seen yet", 15, a.open(reading(3, 1), 100, 10, false, Double.NaN, cfg));
        assertEquals("never under the minimum", 8, a.open(reading(3, 1), 100, 40, false, Double.NaN, cfg));
    }

    @Test
    public void gamesSlowingDownOrAnOverloadedNodeCloseTheWindowAndTheNextGoodReadingOpensIt() {
        TestConfig cfg = new TestConfig();
        Admission a = new Admission();
        assertEquals(0, a.open(reading(26, 1), 100, 0, false, Double.NaN, cfg));
        assertFalse(a.take());
        assertEquals("action p99 26 ms over 25 ms", a.closedBecause());
        assertTrue(a.refusal(), a.refusal().startsWith("the node takes no new rooms now: action p99 26 ms"));
        assertEquals(0, a.open(reading(10, 80), 100, 0, false, Double.NaN, cfg));
        assertEquals("executor lag 80 ms over 25 ms", a.closedBecause());
        assertEquals(0, a.open(reading(10, 1), 100, 0, true, Double.NaN, cfg));
        assertEquals("the node is overloaded", a.closedBecause());
        cfg.admitCpuPercent = 80; // the production default (the tests' default leaves the CPU unwatched)
        assertEquals(0, a.open(reading(10, 1), 100, 0, false, 81.0, cfg));
        assertEquals("CPU 81 % over 80 %", a.closedBecause());
        assertEquals(25, a.open(reading(25, 25), 100, 0, false, 80.0, cfg));
        assertEquals("", a.closedBecause());
        assertEquals(25, a.details().get("left"));
    }

    @Test
    public void pacingOffOrNoTargetLeavesOnlyWhatIsConfigured() {
        TestConfig cfg = new TestConfig();
        cfg.admitRoomsPercent = 0;
        Admission a = new Admission();
        a.open(reading(500, 500), 100, 0, true, Double.NaN, cfg);
        assertEquals("unpaced: nothing closes it", 10_000, takeUpTo(a, 10_000));
        assertEquals(-1, a.windowOrMinusOne());
        cfg.admitRoomsPercent = 25;
        cfg.admitTargetMillis = 0;
        assertEquals("no target: only the overloaded state closes it", 25, a.open(reading(500, 500), 100, 0, false, Double.NaN, cfg));
    }

    private static int takeUpTo(Admission a, int n) {
        int t = 0;
        while (t < n && a.take()) {
            t++;
        }
        return t;
    }

    @Test
    public void manyThreadsTakeExactlyTheWindow() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.admitRoomsMin = 1000;
        Admission a = new Admission();
        a.open(reading(1, 1), 0, 0, false, Double.NaN, cfg);
        AtomicInteger got = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[8];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < 500; k++) {
                    if (a.take()) {
                        got.incrementAndGet();
                    }
                }
            });
            ts[i].start();
        }
        go.countDown();
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(1000, got.get());
        assertEquals(0, a.left());
    }
}
