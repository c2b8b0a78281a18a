package dev.ludus.api.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

public class SummingMetricsTest {

    @Test
    public void aSummingTimerKeepsTheExactSumOfEveryDurationWhateverWayItWasRecorded() throws Exception {
        SummingTimer timer = new SummingTimer();
        timer.update(3, TimeUnit.MILLISECONDS);
        timer.update(Duration.ofNanos(250));
        timer.update(-5, TimeUnit.NANOSECONDS); // refused by Timer: neither counted nor summed
        var context = timer.time();
        Thread.sleep(2);
        long inside = context.stop();
        assertEquals(3, timer.getCount());
        assertEquals(3_000_000 + 250 + inside, timer.getSumNanos());
    }

    @Test
    public void aSummingTimerKeepsMoreThanItsReservoirHolds() {
        SummingTimer timer = new SummingTimer();
        for (int i = 1; i <= 5_000; i++) { // the reservoir keeps 1,028 of them
            timer.update(i, TimeUnit.NANOSECONDS);
        }
        assertEquals(5_000L * 5_001 / 2, timer.getSumNanos());
        assertEquals(1_028, timer.getSnapshot().size()); // a sample: no sum could be had from it
    }

    @Test
    public void aSummingHistogramSumsItsValues() {
        SummingHistogram histogram = new SummingHistogram();
        histogram.update(7);
        histogram.update(35L);
        assertEquals(2, histogram.getCount());
        assertEquals(42, histogram.getSum());
    }

    @Test
    public void aRunningTotalReadsItsSourceAndCannotBeCountedOtherwise() {
        AtomicLong deleted = new AtomicLong(4);
        RunningTotal total = new RunningTotal(deleted::get);
        assertEquals(4, total.getCount());
        deleted.addAndGet(3);
        assertEquals(7, total.getCount());
        assertThrows(UnsupportedOperationException.class, total::inc);
        assertThrows(UnsupportedOperationException.class, () -> total.dec(2));
        assertEquals(7, total.getCount());
    }
}
