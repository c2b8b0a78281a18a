package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class LatencyHistogramTest {

    @Test
    public void quantilesAreBucketUpperBounds() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0.0, h.quantileMillis(0.99), 0);
        for (int i = 1; i <= 98; i++) {
            h.record(1_000_000L); // 1 ms
        }
        h.record(50_000_000L);    // 50 ms
        h.record(2_000_000_000L); // 2 s
        assertEquals(100, h.count());
        assertEquals(1.1, h.quantileMillis(0.50), 1e-9);
        assertEquals(50.1, h.quantileMillis(0.99), 1e-9);
        assertEquals(2010.0, h.quantileMillis(1.0), 1e-9);
        assertEquals(2000.0, h.maxMillis(), 1e-9);
        h.record(60_000_000_000L); // a minute counts in the last bucket
        assertEquals(10_000.0, h.quantileMillis(1.0), 1e-9);
    }
}
