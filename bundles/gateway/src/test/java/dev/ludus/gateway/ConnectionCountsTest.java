package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

public class ConnectionCountsTest {

    @Test
    public void countsAddUpFromManyThreads() throws Exception {
        ConnectionCounts c = new ConnectionCounts();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch done = new CountDownLatch(4);
            for (int t = 0; t < 4; t++) {
                pool.execute(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        c.received(3);
                        c.sent(5);
                    }
                    done.countDown();
                });
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(40_000, c.messagesIn());
        assertEquals(120_000, c.bytesIn());
        assertEquals(40_000, c.messagesOut());
        assertEquals(200_000, c.bytesOut());
    }
}
