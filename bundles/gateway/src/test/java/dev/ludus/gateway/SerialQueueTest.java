package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

public class SerialQueueTest {

    @Test
    public void tasksRunInOrderOneAtATimeAcrossBurstsAndNothingWaitsBetweenThem() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            SerialQueue q = new SerialQueue(pool);
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            int[] running = new int[1];
            int[] most = new int[1];
            for (int burst = 0; burst < 50; burst++) {
                CountDownLatch done = new CountDownLatch(20);
                for (int i = 0; i < 20; i++) {
                    int n = burst * 20 + i;
                    Runnable task = () -> {
                        synchronized (running) {
                            most[0] = Math.max(most[0], ++running[0]);
                        }
                        ran.add(n);
                        synchronized (running) {
                            running[0]--;
                        }
                        done.countDown();
                    };
                    if (i % 2 == 0) {
                        q.submit(task);
                    } else {
                        q.runNowOrSubmit(task);
                    }
                }
                assertTrue(done.await(10, TimeUnit.SECONDS));
                // the burst is over: the queue holds nothing until the next one
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (q.waiting() > 0 && System.nanoTime() < until) {
                    Thread.sleep(1);
                }
                assertEquals(0, q.waiting());
            }
            List<Integer> expected = new ArrayList<>();
            for (int n = 0; n < 1000; n++) {
                expected.add(n);
            }
            assertEquals(expected, ran);
            assertEquals(1, most[0]);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void aRefusingExecutorDropsTheTaskAndLeavesTheQueueUsable() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        SerialQueue q = new SerialQueue(pool);
        assertEquals(false, q.submit(() -> { }));
        assertEquals(0, q.waiting());
        List<String> ran = new ArrayList<>();
        q.runNowOrSubmit(() -> ran.add("now"));
        assertEquals(List.of("now"), ran);
    }
}
