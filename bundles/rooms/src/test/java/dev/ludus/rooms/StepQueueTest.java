package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

public class StepQueueTest {

    private final ThreadLocal<Boolean> worker = new ThreadLocal<>();
    private final AtomicInteger handOffs = new AtomicInteger();
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> new Thread(() -> {
        worker.set(Boolean.TRUE);
        r.run();
    }));

    @After
    public void stop() {
        pool.shutdownNow();
    }

    private StepQueue queue(boolean knowsItsThreads) {
        return new StepQueue("test", "r1", r -> {
            handOffs.incrementAndGet();
            pool.execute(r);
        }, () -> knowsItsThreads && worker.get() != null);
    }

    /**
     * A step whose stage a worker completes once the queue waits for it (its continuation is
     * registered), then a step that records whether it ran on that worker.
     */
    private List<String> appendThenNext(StepQueue q) throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        CompletableFuture<Void> append = new CompletableFuture<>();
        String[] completer = new String[1];
        q.submit(() -> {
            order.add("append");
            return append;
        });
        q.run(() -> {
            order.add("next on " + (Thread.currentThread().getName().equals(completer[0]) ? "completer" : "other"));
            done.countDown();
        });
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (append.getNumberOfDependents() == 0 && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertEquals("the queue waits for the append", 1, append.getNumberOfDependents());
        pool.execute(() -> {
            completer[0] = Thread.currentThread().getName();
            append.complete(null);
        });
        assertTrue(done.await(5, TimeUnit.SECONDS));
        return order;
    }

    @Test
    public void theStepAfterAnAppendRunsOnTheWorkerThatCompletedItWithoutAnotherHandOff() throws Exception {
        List<String> order = appendThenNext(queue(true));
        assertEquals(List.of("append", "next on completer"), order);
        assertEquals("only the first step went through the executor", 1, handOffs.get());
    }

    @Test
    public void aStageCompletedOffTheExecutorGoesBackThroughIt() throws Exception {
        List<String> order = appendThenNext(queue(false));
        assertEquals(2, order.size()); // on any of the pool's threads: the completer may be free again
        assertEquals("a second trip through the executor", 2, handOffs.get());
    }

    @Test
    public void stepsKeepTheirOrderWhateverThreadCompletesTheirStages() throws Exception {
        StepQueue q = queue(true);
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        int n = 500;
        for (int i = 0; i < n; i++) {
            int k = i;
            q.submit(() -> {
                seen.add(k);
                CompletableFuture<Void> f = new CompletableFuture<>();
                if (k % 3 == 0) {
                    f.complete(null); // done before it is returned
                } else if (k % 3 == 1) {
                    pool.execute(() -> f.complete(null)); // by a worker, maybe while this one still drains
                } else {
                    new Thread(() -> f.complete(null)).start(); // by a thread of no executor
                }
                if (k == n - 1) {
                    done.countDown();
                }
                return f;
            });
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertEquals(expected, seen);
    }
}
