package dev.ludus.chaos;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

/** The proxy's injections, on a plain interface: what callers see, and what reaches the service. */
public class FaultProxyTest {

    interface Store {
        long append(String s) throws IOException;

        CompletionStage<Long> appendAsync(String s);

        int size();
    }

    private final AtomicInteger reached = new AtomicInteger();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);

    private final Store real = new Store() {
        @Override
        public long append(String s) {
            return reached.incrementAndGet();
        }

        @Override
        public CompletionStage<Long> appendAsync(String s) {
            return CompletableFuture.completedFuture((long) reached.incrementAndGet());
        }

        @Override
        public int size() {
            return 42;
        }
    };

    @After
    public void stop() {
        timers.shutdownNow();
    }

    private ActiveFault fault(Object... kv) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put("service", Store.class.getName());
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        return new ActiveFault(null, null, timers, "pid", Settings.fault("test", p));
    }

    private Store proxy(ActiveFault f) {
        return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
                new FaultProxy(f, real, Store.class));
    }

    @Test
    public void aDelayHoldsASynchronousCallerAndPostponesAnAsynchronousAnswerWithoutHoldingItsCaller() throws Exception {
        ActiveFault f = fault("latencyMillis", 300, "methods", "append,appendAsync");
        Store s = proxy(f);
        long t0 = System.nanoTime();
        assertEquals(1, s.append("a"));
        assertTrue("held", System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(290));
        t0 = System.nanoTime();
        CompletableFuture<Long> answer = s.appendAsync("b").toCompletableFuture();
        assertTrue("the caller is not held", System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(200));
        assertEquals("the service took it at once", 2, reached.get());
        assertEquals(2L, (long) answer.get(5, TimeUnit.SECONDS));
        assertTrue("answered late", System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(290));
        assertEquals("a method the fault does not name goes straight through", 42, s.size());
        assertEquals(2, f.delays.sum());
        assertEquals(2, f.calls.sum());
    }

    @Test
    public void anErrorIsOfTheDeclaredTypeAndNeverReachesTheService() throws Exception {
        ActiveFault f = fault("errorPercent", 100, "errorMessage", "disk on fire");
        Store s = proxy(f);
        try {
            s.append("a");
            fail("an injected error");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("disk on fire") && e.getMessage().contains("Store.append"));
        }
        try {
            s.appendAsync("b").toCompletableFuture().get(5, TimeUnit.SECONDS);
            fail("an injected error");
        } catch (ExecutionException e) {
            assertEquals(ChaosException.class, e.getCause().getClass());
        }
        try {
            s.size();
            fail("an injected error");
        } catch (ChaosException expected) {
            // size() declares nothing: a ChaosException
        }
        assertEquals(0, reached.get());
        assertEquals(3, f.errors.sum());
    }

    @Test
    public void aTimeoutFailsLateAndNeverReachesTheService() throws Exception {
        ActiveFault f = fault("timeoutPercent", 100, "timeoutMillis", 200);
        Store s = proxy(f);
        long t0 = System.nanoTime();
        CompletableFuture<Long> answer = s.appendAsync("b").toCompletableFuture();
        assertTrue("the caller is not held", System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(150));
        try {
            answer.get(5, TimeUnit.SECONDS);
            fail("timed out");
        } catch (ExecutionException e) {
            assertEquals(TimeoutException.class, e.getCause().getClass());
        }
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(190));
        try {
            s.append("a");
            fail("timed out");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("timed out"));
        }
        assertEquals(0, reached.get());
        assertEquals(2, f.timeouts.sum());
    }

    @Test
    public void aStoppedFaultLetsEveryCallThrough() throws Exception {
        ActiveFault f = fault("errorPercent", 100);
        Store s = proxy(f);
        f.stop();
        assertEquals(1, s.append("a"));
        assertEquals(0, f.errors.sum());
        assertTrue(s.toString(), s.toString().startsWith("chaos proxy (fault 'test')"));
        assertTrue(s.equals(s));
    }
}
