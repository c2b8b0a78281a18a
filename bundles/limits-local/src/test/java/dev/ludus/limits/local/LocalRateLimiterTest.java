package dev.ludus.limits.local;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;

public class LocalRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LocalRateLimiter limiter = new LocalRateLimiter(now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    public void aBucketAllowsItsBurstThenRefusesUntilItRefills() {
        LimitPolicy p = LimitPolicy.parse("create_room", "5/1m");
        for (int i = 0; i < 5; i++) {
            Decision d = limiter.acquire(p, "player:ann", 1);
            assertTrue(d.allowed());
            assertEquals(4 - i, d.remaining());
        }
        Decision refused = limiter.acquire(p, "player:ann", 1);
        assertFalse(refused.allowed());
        assertFalse(refused.blocked());
        assertEquals("one token comes back every 12 s", 12_000, refused.retryAfterMillis());
        assertTrue("another key has a bucket of its own", limiter.acquire(p, "player:bob", 1).allowed());
        advance(Duration.ofSeconds(12));
        assertTrue("refilled smoothly", limiter.acquire(p, "player:ann", 1).allowed());
        assertFalse(limiter.acquire(p, "player:ann", 1).allowed());
    }

    @Test
    public void refusedTwiceInARowBlocksForThePolicysTimeThenStartsAfresh() {
        LimitPolicy p = LimitPolicy.parse("start", "3/1m block 10m");
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.acquire(p, "player:ann", 1).allowed());
        }
        Decision first = limiter.acquire(p, "player:ann", 1);
        assertFalse(first.allowed() || first.blocked());
        Decision second = limiter.acquire(p, "player:ann", 1);
        assertTrue(second.blocked());
        assertEquals(600_000, second.retryAfterMillis());
        advance(Duration.ofMinutes(5));
        Decision still = limiter.acquire(p, "player:ann", 1);
        assertTrue("blocked although the bucket has refilled", still.blocked() && !still.allowed());
        assertEquals(300_000, still.retryAfterMillis());
        advance(Duration.ofMinutes(5));
        assertTrue(limiter.acquire(p, "player:ann", 1).allowed());
    }

    @Test
    public void anAllowedRequestBetweenTwoRefusalsDoesNotBlock() {
        LimitPolicy p = LimitPolicy.parse("start", "1/1s block 1h");
        assertTrue(limiter.acquire(p, "k", 1).allowed());
        assertFalse(limiter.acquire(p, "k", 1).allowed());
        advance(Duration.ofSeconds(1));
        assertTrue(limiter.acquire(p, "k", 1).allowed());
        Decision d = limiter.acquire(p, "k", 1);
        assertFalse(d.allowed());
        assertFalse("the streak started again", d.blocked());
    }

    @Test
    public void aShadowPolicyRefusesNothingAndSaysWhatItWouldHaveDone() {
        LimitPolicy p = LimitPolicy.parse("ping", "2/1m block 1m shadow");
        assertFalse(limiter.acquire(p, "k", 1).shadowed());
        assertFalse(limiter.acquire(p, "k", 1).shadowed());
        Decision third = limiter.acquire(p, "k", 1);
        assertTrue(third.allowed() && third.shadowed() && !third.blocked());
        Decision fourth = limiter.acquire(p, "k", 1);
        assertTrue(fourth.allowed() && fourth.shadowed() && fourth.blocked());
    }

    @Test
    public void aCostTakesThatManyTokensAndACostAboveTheCapacityIsNeverAllowed() {
        LimitPolicy p = LimitPolicy.parse("messages", "10/1s");
        assertEquals(3, limiter.acquire(p, "k", 7).remaining());
        assertFalse(limiter.acquire(p, "k", 4).allowed());
        Decision never = limiter.acquire(p, "other", 11);
        assertFalse(never.allowed());
        assertTrue("a wait that would never be enough is a very long one", never.retryAfterMillis() > Duration.ofDays(365).toMillis());
    }

    @Test
    public void badArgumentsAreRefusedAndChangeNothing() {
        LimitPolicy p = LimitPolicy.parse("messages", "1/1s");
        for (Runnable bad : List.<Runnable>of(() -> limiter.acquire(p, "", 1), () -> limiter.acquire(p, null, 1),
                () -> limiter.acquire(p, "k", 0), () -> limiter.acquire(p, "k", -5))) {
            try {
                bad.run();
                fail("accepted");
            } catch (IllegalArgumentException expected) {
                // refused
            }
        }
        assertEquals(0, limiter.size());
        assertTrue(limiter.acquire(p, "k", 1).allowed());
    }

    @Test
    public void aChangedPolicyAppliesToItsExistingBuckets() {
        LimitPolicy narrow = LimitPolicy.parse("join_room", "2/1m");
        assertTrue(limiter.acquire(narrow, "k", 1).allowed());
        assertTrue(limiter.acquire(narrow, "k", 1).allowed());
        assertFalse(limiter.acquire(narrow, "k", 1).allowed());
        LimitPolicy wide = LimitPolicy.parse("join_room", "20/1m");
        // Empty stays empty in proportion, then the new rate refills it ten times as fast.
        assertFalse(limiter.acquire(wide, "k", 1).allowed());
        advance(Duration.ofSeconds(3));
        assertTrue(limiter.acquire(wide, "k", 1).allowed());
    }

    @Test
    public void resetForgetsABlock() {
        LimitPolicy p = LimitPolicy.parse("start", "1/1m block 1h");
        limiter.acquire(p, "player:ann", 1);
        limiter.acquire(p, "player:ann", 1);
        assertTrue(limiter.acquire(p, "player:ann", 1).blocked());
        limiter.reset("start", "player:ann");
        assertTrue(limiter.acquire(p, "player:ann", 1).allowed());
    }

    @Test
    public void fullBucketsAreForgottenAndTheKeyLimitHoldsWithAStricterSharedBucket() {
        LimitPolicy p = LimitPolicy.parse("hello", "2/1s");
        limiter.maxKeys(100);
        for (int i = 0; i < 100; i++) {
            assertTrue(limiter.acquire(p, "address:" + i, 1).allowed());
        }
        assertEquals(100, limiter.size());
        // None is full again yet: new keys share the policy's overflow bucket (2 tokens for all of them).
        assertTrue(limiter.acquire(p, "address:new1", 1).allowed());
        assertTrue(limiter.acquire(p, "address:new2", 1).allowed());
        assertFalse(limiter.acquire(p, "address:new3", 1).allowed());
        assertEquals(3, limiter.overflowed());
        assertTrue(limiter.size() <= 101);
        advance(Duration.ofSeconds(1));
        limiter.sweep();
        assertEquals("every bucket refilled: all forgotten", 0, limiter.size());
        assertTrue(limiter.acquire(p, "address:new3", 1).allowed());
    }

    @Test
    public void aBlockedKeyIsNotForgottenByTheSweep() {
        LimitPolicy p = LimitPolicy.parse("start", "1/1s block 1h");
        limiter.acquire(p, "k", 1);
        limiter.acquire(p, "k", 1);
        limiter.acquire(p, "k", 1);
        advance(Duration.ofMinutes(1));
        limiter.sweep();
        assertEquals(1, limiter.size());
        assertTrue(limiter.acquire(p, "k", 1).blocked());
    }

    @Test
    public void manyThreadsTogetherGetExactlyTheCapacity() throws Exception {
        LimitPolicy p = LimitPolicy.parse("play", "1000/1h");
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 500; i++) {
                    if (limiter.acquire(p, "player:ann", 1).allowed()) {
                        allowed.incrementAndGet();
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join(10_000);
        }
        assertEquals(1000, allowed.get());
    }

    @Test
    public void memoryPerKeyStaysSmall() {
        LocalRateLimiter real = new LocalRateLimiter();
        LimitPolicy p = LimitPolicy.parse("play", "20/1m");
        int n = 100_000;
        long before = usedAfterGc();
        for (int i = 0; i < n; i++) {
            real.acquire(p, "player:" + i, 1);
        }
        long after = usedAfterGc();
        long perKey = (after - before) / n;
        System.out.println("local rate limiter: about " + perKey + " bytes of heap per key (" + n + " keys, key strings included)");
        assertEquals(n, real.size());
        assertTrue("bytes per key: " + perKey, perKey < 1024);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
