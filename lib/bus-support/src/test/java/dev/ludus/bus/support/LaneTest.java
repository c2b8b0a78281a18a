package dev.ludus.bus.support;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.After;
import org.junit.Test;

/** One lane of a consumer group: order, holds for retries, the fast path, keep-alive, giving back. */
public class LaneTest {

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    @After
    public void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(2000);
        }
    }

    private void start(Lane<String> lane) {
        Thread t = new Thread(lane::run, "lane");
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            assertTrue("timed out waiting for " + what, System.nanoTime() < deadline);
            Thread.sleep(5);
        }
    }

    @Test
    public void aFailedMessageIsHeldForItsBackoffAndTheLanesLaterMessagesWaitBehindIt() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        long[] failedAt = new long[1];
        long[] retriedAt = new long[1];
        Lane<String> lane = new Lane<>("g", (l, m, attempt, failures) -> {
            if (m.equals("b") && failures == 0) {
                failedAt[0] = System.nanoTime();
                l.hold(m, 2, failures + 1, 50);
                return;
            }
            if (m.equals("b")) {
                retriedAt[0] = System.nanoTime();
                assertEquals(2, attempt);
                assertEquals(1, failures);
            }
            handled.add(m);
        }, running::get, 0, m -> { });
        start(lane);
        HandlerPace slow = new HandlerPace();
        for (String m : List.of("a", "b", "c", "d")) {
            lane.offer(m, slow);
        }
        await("all four", () -> handled.size() == 4);
        assertEquals(List.of("a", "b", "c", "d"), handled);
        assertTrue("held for its backoff", retriedAt[0] - failedAt[0] >= 50_000_000L);
    }

    @Test
    public void aQuickHandlerRunsOnTheDeliveringThreadWhileTheLaneIsIdle() throws Exception {
        List<String> threadsSeen = new CopyOnWriteArrayList<>();
        Lane<String> lane = new Lane<>("g", (l, m, attempt, failures) -> threadsSeen.add(Thread.currentThread().getName()),
                running::get, 0, m -> { });
        start(lane);
        HandlerPace quick = new HandlerPace();
        for (int i = 0; i < 50; i++) {
            quick.took(1_000);
        }
        lane.offer("x", quick);
        assertEquals(List.of(Thread.currentThread().getName()), threadsSeen);
        lane.offer("y", new HandlerPace()); // not shown quick yet: through the lane's thread
        await("the second", () -> threadsSeen.size() == 2);
        assertEquals("lane", threadsSeen.get(1));
    }

    @Test
    public void whatTheLaneHoldsIsKeptAliveAndGivenBackWhenItsGroupStops() throws Exception {
        List<String> kept = new CopyOnWriteArrayList<>();
        Lane<String> lane = new Lane<>("g", (l, m, attempt, failures) -> l.hold(m, 2, 1, 60_000), running::get,
                20_000_000L, kept::add);
        start(lane);
        HandlerPace slow = new HandlerPace();
        lane.offer("held", slow);
        await("the hold", () -> kept.contains("held"));
        lane.offer("behind", slow);
        await("both kept alive", () -> kept.contains("behind") && kept.stream().filter("held"::equals).count() >= 2);
        running.set(false);
        lane.wake();
        stop();
        List<String> back = new ArrayList<>();
        lane.giveBack(back::add);
        assertEquals(List.of("held", "behind"), back);
    }
}
