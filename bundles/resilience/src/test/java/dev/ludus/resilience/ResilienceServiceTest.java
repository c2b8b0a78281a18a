package dev.ludus.resilience;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.PolicyStatus;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.resilience.ResilienceException;

public class ResilienceServiceTest {

    private final ResilienceService service = new ResilienceService();
    private int configs;

    @After
    public void tearDown() {
        service.deactivate();
    }

    private ResilienceService started(Map<String, Object> defaults) {
        service.activate(null, defaults);
        return service;
    }

    /** A policy's own configuration, as ConfigAdmin hands it over. */
    private String configure(String name, Object... keyValues) throws Exception {
        String pid = ResilienceService.POLICY_PID + ".c" + (++configs);
        configureAt(pid, name, keyValues);
        return pid;
    }

    private void configureAt(String pid, String name, Object... keyValues) throws Exception {
        Hashtable<String, Object> d = new Hashtable<>();
        if (name != null) {
            d.put("name", name);
        }
        for (int i = 0; i < keyValues.length; i += 2) {
            d.put((String) keyValues[i], keyValues[i + 1]);
        }
        service.configurations.updated(pid, d);
    }

    /** Makes a call that always fails through {@code p}; how many attempts it made. */
    private static int attemptsOfAFailingCall(Policy p) {
        AtomicInteger made = new AtomicInteger();
        try {
            p.call(() -> {
                made.incrementAndGet();
                throw new IOException("disk");
            });
            fail("the call failed every time");
        } catch (IOException expected) {
            // after its attempts
        }
        return made.get();
    }

    private static ResilienceException refusal(Policy p) {
        try {
            p.call(() -> "made");
            fail("the call was made");
            return null;
        } catch (ResilienceException e) {
            return e;
        }
    }

    @Test
    public void aCallThatSucceedsReturnsItsValueOnce() {
        Policy p = started(Map.of()).policy("archive.jdbc");
        AtomicInteger made = new AtomicInteger();
        assertEquals("value", p.call(() -> {
            made.incrementAndGet();
            return "value";
        }));
        assertEquals(1, made.get());
        PolicyStatus s = p.status();
        assertEquals(PolicyStatus.State.CLOSED, s.state());
        assertEquals(1, s.calls());
        assertEquals(0, s.retries());
        assertEquals(0, s.failures());
        assertSame("one policy per name", p, service.policy("archive.jdbc"));
    }

    @Test
    public void aFailingCallIsTriedItsAttemptsAndThrowsItsOwnLastFailureUnwrapped() throws Exception {
        started(Map.of("retryWaitMillis", 1));
        configure("disk", "attempts", 4);
        Policy p = service.policy("disk");
        AtomicInteger made = new AtomicInteger();
        try {
            p.call(() -> {
                throw new IOException("attempt " + made.incrementAndGet());
            });
            fail("no failure");
        } catch (IOException e) {
            assertEquals("the caller's own checked exception, the last attempt's", "attempt 4", e.getMessage());
        }
        assertEquals(4, made.get());
        PolicyStatus s = p.status();
        assertEquals(1, s.calls());
        assertEquals(3, s.retries());
        assertEquals(1, s.failures());
        assertTrue(s.lastFailure(), s.lastFailure().endsWith("IOException: attempt 4"));

        // A failure on the second attempt only: the call succeeds.
        AtomicInteger second = new AtomicInteger();
        assertEquals("ok", p.call(() -> {
            if (second.incrementAndGet() == 1) {
                throw new IOException("once");
            }
            return "ok";
        }));
        assertEquals(2, second.get());
    }

    @Test
    public void theCallersOwnFailuresAreNeitherRetriedNorCounted() {
        started(Map.of("retryWaitMillis", 1, "minimumCalls", 2, "windowCalls", 2));
        Policy p = service.policy("bad.input");
        AtomicInteger made = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            try {
                p.call(() -> {
                    made.incrementAndGet();
                    throw new IllegalArgumentException("no such game");
                }, e -> e instanceof IllegalArgumentException);
                fail();
            } catch (IllegalArgumentException expected) {
                // thrown at once
            }
        }
        assertEquals(5, made.get());
        assertEquals(PolicyStatus.State.CLOSED, p.status().state());
        assertEquals(0, p.status().retries());
    }

    @Test
    public void theBreakerOpensRefusesWithoutMakingTheCallThenTriesAgainAndCloses() throws Exception {
        started(Map.of("attempts", 1, "windowCalls", 4, "minimumCalls", 4, "failureRatePercent", 50, "openMillis", 300,
                "halfOpenCalls", 1));
        Policy p = service.policy("redis");
        for (int i = 0; i < 4; i++) {
            try {
                p.call(() -> {
                    throw new IllegalStateException("connection refused");
                });
                fail();
            } catch (IllegalStateException expected) {
                // counted
            }
        }
        assertEquals(PolicyStatus.State.OPEN, p.status().state());
        AtomicBoolean made = new AtomicBoolean();
        try {
            p.call(() -> {
                made.set(true);
                return null;
            });
            fail("refused");
        } catch (ResilienceException e) {
            assertEquals(ResilienceException.OPEN, e.code());
            assertEquals("redis", e.policy());
            assertTrue("retry after " + e.retryAfterMillis(), e.retryAfterMillis() > 0 && e.retryAfterMillis() <= 300);
        }
        assertFalse("an open breaker does not make the call", made.get());
        assertEquals(1, p.status().refused());
        HealthResult h = service.check();
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("breaker open: redis open since"));
        assertTrue(h.reason(), h.reason().contains("connection refused"));

        Thread.sleep(350);
        assertEquals("the trial call is made", "back", p.call(() -> "back"));
        assertEquals(PolicyStatus.State.CLOSED, p.status().state());
        assertEquals(HealthStatus.UP, service.check().status());
    }

    @Test
    public void anAsynchronousCallIsCountedWhenItsStageCompletesAndRefusedAtOnceWhileTheBreakerIsOpen() throws Exception {
        started(Map.of("attempts", 3, "windowCalls", 5, "minimumCalls", 5, "failureRatePercent", 50, "openMillis", 300,
                "halfOpenCalls", 1));
        Policy p = service.policy("bus.nats");
        java.util.concurrent.CompletableFuture<String> pending = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletionStage<String> s = p.callAsync(() -> pending, null);
        assertFalse("not ended before the call's stage", s.toCompletableFuture().isDone());
        pending.complete("stored");
        assertEquals("stored", s.toCompletableFuture().get(1, TimeUnit.SECONDS));

        // A caller's own failure passes through uncounted.
        java.util.concurrent.CompletionStage<String> own = p.callAsync(
                () -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalArgumentException("bad topic")),
                t -> t instanceof IllegalArgumentException);
        assertEquals("bad topic", causeOf(own).getMessage());
        assertEquals(0, p.status().failures());

        AtomicInteger made = new AtomicInteger();
        for (int i = 0; i < 4; i++) {
            java.util.concurrent.CompletionStage<String> f = p.callAsync(() -> {
                made.incrementAndGet();
                return java.util.concurrent.CompletableFuture.failedFuture(new IOException("broker away"));
            }, null);
            assertEquals("one attempt each, its own failure", "broker away", causeOf(f).getMessage());
        }
        assertEquals(4, made.get());
        assertEquals(PolicyStatus.State.OPEN, p.status().state());
        java.util.concurrent.CompletionStage<String> refused = p.callAsync(() -> {
            made.incrementAndGet();
            return java.util.concurrent.CompletableFuture.completedFuture("x");
        }, null);
        Throwable r = causeOf(refused);
        assertTrue(r.toString(), r instanceof ResilienceException re && ResilienceException.OPEN.equals(re.code()));
        assertEquals("an open breaker does not start the call", 4, made.get());

        // A start that throws is the stage's failure, never the caller's exception.
        Thread.sleep(350);
        java.util.concurrent.CompletionStage<String> thrown = p.callAsync(() -> {
            throw new IllegalStateException("no connection");
        }, null);
        assertEquals("no connection", causeOf(thrown).getMessage());
        assertEquals(5, p.status().failures());
    }

    @Test
    public void anAsynchronousCallPastTheTimeLimitFailsWithTimeoutAndItsLateOutcomeIsIgnored() throws Exception {
        started(Map.of());
        configure("bus.rabbitmq", "timeoutMillis", 100, "attempts", 1, "maxConcurrent", 1);
        Policy p = service.policy("bus.rabbitmq");
        java.util.concurrent.CompletableFuture<String> never = new java.util.concurrent.CompletableFuture<>();
        long start = System.nanoTime();
        java.util.concurrent.CompletionStage<String> s = p.callAsync(() -> never, null);
        Throwable t = causeOf(s);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(t.toString(), t instanceof ResilienceException re && ResilienceException.TIMEOUT.equals(re.code()));
        assertTrue("gave up after about 100 ms: " + took, took >= 90 && took < 5_000);
        assertEquals(1, p.status().timeouts());
        never.complete("late");
        assertEquals("the late outcome is not counted again", 1, p.status().failures());
        assertEquals("the bulkhead's place was given back once", "next",
                p.callAsync(() -> java.util.concurrent.CompletableFuture.completedFuture("next"), null)
                        .toCompletableFuture().get(1, TimeUnit.SECONDS));
        java.util.concurrent.CompletableFuture<String> holding = new java.util.concurrent.CompletableFuture<>();
        p.callAsync(() -> holding, null);
        Throwable full = causeOf(p.callAsync(() -> java.util.concurrent.CompletableFuture.completedFuture("x"), null));
        assertTrue(full.toString(), full instanceof ResilienceException re && ResilienceException.FULL.equals(re.code()));
        holding.complete("done");
    }

    /** The failure a stage ended with, unwrapped; fails if it succeeded. */
    private static Throwable causeOf(java.util.concurrent.CompletionStage<?> s) throws Exception {
        try {
            s.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the stage succeeded");
    }

    @Test
    public void anAttemptPastTheTimeLimitIsInterruptedCountedAndRetried() throws Exception {
        started(Map.of());
        configure("webhooks.shop", "timeoutMillis", 100, "attempts", 2, "retryWaitMillis", 1);
        Policy p = service.policy("webhooks.shop");
        AtomicInteger made = new AtomicInteger();
        CountDownLatch interrupted = new CountDownLatch(2);
        long start = System.nanoTime();
        try {
            p.call(() -> {
                made.incrementAndGet();
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
                return null;
            });
            fail();
        } catch (ResilienceException e) {
            assertEquals(ResilienceException.TIMEOUT, e.code());
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue("two attempts of 100 ms, took " + took, took >= 200 && took < 5_000);
        assertEquals(2, made.get());
        assertTrue("each slow attempt is interrupted", interrupted.await(5, TimeUnit.SECONDS));
        assertEquals(2, p.status().timeouts());
        // Within the limit, the value comes back from the policy's thread.
        assertEquals("quick", p.call(() -> "quick"));
        // And a failure there is the caller's own, unwrapped.
        try {
            p.call(() -> {
                throw new IOException("refused by the receiver");
            });
            fail();
        } catch (IOException e) {
            assertEquals("refused by the receiver", e.getMessage());
        }
    }

    @Test
    public void aFullBulkheadAndASpentRateRefuseTheCall() throws Exception {
        started(Map.of("attempts", 1));
        configure("postgres", "maxConcurrent", 1);
        configure("nats", "callsPerSecond", 3);
        Policy pg = service.policy("postgres");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try {
                pg.call(() -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holder.start();
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        assertEquals(ResilienceException.FULL, refusal(pg).code());
        release.countDown();
        holder.join(5_000);
        assertEquals("made", pg.call(() -> "made"));

        Policy nats = service.policy("nats");
        int made = 0;
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            try {
                nats.call(() -> "x");
                made++;
            } catch (ResilienceException e) {
                codes.add(e.code());
            }
        }
        assertTrue("at most 3 in a second, made " + made, made >= 3 && made <= 4); // a new second may begin
        assertTrue(codes.stream().allMatch(ResilienceException.RATE::equals));
        assertEquals(6 - made, nats.status().refused());
        assertEquals("refusals do not open the breaker", PolicyStatus.State.CLOSED, nats.status().state());
    }

    @Test
    public void waitsGrowBetweenAttempts() {
        started(Map.of());
        Policy p = service.policy("backoff");
        // defaults: 3 attempts, 200 ms then 400 ms, each ±50 %: at least 100 + 200 ms in all
        long start = System.nanoTime();
        try {
            p.call(() -> {
                throw new IllegalStateException("down");
            });
        } catch (IllegalStateException expected) {
            // after 3 attempts
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue("took " + took + " ms", took >= 300 && took < 5_000);
        assertEquals(2, p.status().retries());
    }

    @Test
    public void settingsChangeLiveForThePolicyCallersAlreadyHold() throws Exception {
        started(Map.of("retryWaitMillis", 1));
        Policy p = service.policy("archive.fs");
        String pid = configure("archive.fs", "attempts", 5);
        assertEquals(5, attemptsOfAFailingCall(p));
        assertTrue(p.status().settings(), p.status().settings().contains("5 attempts"));
        // Deleted: back to the defaults (3 attempts).
        service.configurations.deleted(pid);
        assertEquals(3, attemptsOfAFailingCall(p));
        // The defaults themselves change live too.
        service.modified(Map.of("attempts", 1));
        assertEquals(1, attemptsOfAFailingCall(p));
    }

    @Test
    public void badSettingsAreRefusedWholeNamingTheSettingAndTheLastGoodOnesStay() throws Exception {
        started(Map.of("retryWaitMillis", 1));
        String pid = configure("bus.rabbitmq", "attempts", 2);
        Policy p = service.policy("bus.rabbitmq");
        configureAt(pid, "bus.rabbitmq", "attempts", "many", "failureRatePercent", 0, "retryJitter", "1.5",
                "minimumCalls", 30);
        HealthResult h = service.check();
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("attempts must be a whole number from 1 to 20, got 'many'"));
        assertTrue(h.reason(), h.reason().contains("failureRatePercent must be from 1 to 100, got 0"));
        assertTrue(h.reason(), h.reason().contains("retryJitter must be from 0 to 0.9, got 1.5"));
        assertTrue(p.status().settings(), p.status().settings().contains("2 attempts"));

        configureAt(pid, "bus.rabbitmq", "minimumCalls", 30);
        assertTrue(service.check().reason().contains("minimumCalls (30) must not exceed windowCalls (20)"));

        configureAt(pid, "bus.rabbitmq", "attempts", "4");
        assertEquals(HealthStatus.UP, service.check().status());
        assertTrue(p.status().settings(), p.status().settings().contains("4 attempts"));

        // A configuration without a name, one with a bad name, one naming a configured policy again.
        configureAt(ResilienceService.POLICY_PID + ".x", null);
        assertTrue(service.check().reason(), service.check().reason().contains("no policy name"));
        configureAt(ResilienceService.POLICY_PID + ".y", "bad name!");
        assertTrue(service.check().reason(), service.check().reason().contains("a policy name is 1 to 64 letters"));
        configureAt(ResilienceService.POLICY_PID + ".z", "bus.rabbitmq", "attempts", 9);
        assertTrue(service.check().reason(), service.check().reason().contains("configured already by " + pid));
        assertTrue(p.status().settings().contains("4 attempts"));
        service.configurations.deleted(ResilienceService.POLICY_PID + ".x");
        service.configurations.deleted(ResilienceService.POLICY_PID + ".y");
        service.configurations.deleted(ResilienceService.POLICY_PID + ".z");
        assertEquals(HealthStatus.UP, service.check().status());

        // Bad defaults are refused the same way.
        service.modified(Map.of("openMillis", 5));
        assertTrue(service.check().reason(), service.check().reason().contains("openMillis must be from 100 to 3600000, got 5"));
    }

    @Test
    public void anOperatorForcesABreakerOpenOrClosedAndGivesItBack() {
        started(Map.of("attempts", 1, "windowCalls", 2, "minimumCalls", 2));
        Policy p = service.policy("archive.jdbc");
        service.force("archive.jdbc", Resilience.Forced.OPEN);
        assertEquals(PolicyStatus.State.FORCED_OPEN, p.status().state());
        assertEquals(ResilienceException.OPEN, refusal(p).code());
        assertTrue(service.check().reason().contains("archive.jdbc forced open"));

        service.force("archive.jdbc", Resilience.Forced.CLOSED);
        for (int i = 0; i < 5; i++) {
            try {
                p.call(() -> {
                    throw new IllegalStateException("down");
                });
            } catch (IllegalStateException expected) {
                // made every time
            }
        }
        assertEquals(PolicyStatus.State.FORCED_CLOSED, p.status().state());
        assertEquals(HealthStatus.UP, service.check().status());

        service.force("archive.jdbc", Resilience.Forced.NONE);
        assertEquals(PolicyStatus.State.CLOSED, p.status().state());
    }

    @Test
    public void policyNamesAreCheckedAndTakenFromTheFileName() {
        started(Map.of());
        for (String bad : new String[] {null, "", "9lives", "has space", "x".repeat(65), "a/b"}) {
            try {
                service.policy(bad);
                fail("accepted " + bad);
            } catch (ResilienceException e) {
                assertEquals(ResilienceException.INVALID_NAME, e.code());
            }
        }
        assertEquals("archive.jdbc", ResilienceService.nameOf(Map.of("felix.fileinstall.filename",
                "file:/srv/ludus/conf/dev.ludus.resilience.policy-archive.jdbc.cfg")));
        assertEquals("given", ResilienceService.nameOf(Map.of("name", "given", "felix.fileinstall.filename",
                "file:/srv/ludus/conf/dev.ludus.resilience.policy-archive.jdbc.cfg")));
        assertNull(ResilienceService.nameOf(Map.of("felix.fileinstall.filename", "file:/srv/other.cfg")));
    }

    @Test
    public void configuredPoliciesAreListedBeforeTheirFirstCall() throws Exception {
        started(Map.of());
        configure("eventstore.fsync", "timeoutMillis", 500);
        service.policy("redis");
        List<String> names = service.policies().stream().map(PolicyStatus::name).toList();
        assertEquals(List.of("eventstore.fsync", "redis"), names);
        assertTrue(service.policies().get(0).settings().contains("time limit 500 ms"));
    }

    @Test
    public void eachPolicysFiguresAreGaugesWhileARegistryIsBound() {
        com.codahale.metrics.MetricRegistry registry = new com.codahale.metrics.MetricRegistry();
        service.bindRegistry(registry);
        started(Map.of("attempts", 2, "retryWaitMillis", 1));
        Policy p = service.policy("archive.fs");
        try {
            p.call(() -> {
                throw new IllegalStateException("disk full");
            });
        } catch (IllegalStateException expected) {
            // two attempts
        }
        service.force("archive.fs", Resilience.Forced.OPEN);
        Map<String, Double> seen = new java.util.TreeMap<>();
        registry.getGauges().forEach((name, g) -> seen.put(name, ((Number) g.getValue()).doubleValue()));
        assertEquals(seen.toString(), 1.0, seen.get("ludus_resilience_calls{policy=\"archive.fs\"}"), 0);
        assertEquals(1.0, seen.get("ludus_resilience_failures{policy=\"archive.fs\"}"), 0);
        assertEquals(1.0, seen.get("ludus_resilience_retries{policy=\"archive.fs\"}"), 0);
        assertEquals("forced open", 3.0, seen.get("ludus_resilience_state{policy=\"archive.fs\"}"), 0);
        assertEquals(1.0, seen.get("ludus_resilience_transitions{policy=\"archive.fs\"}"), 0);
        assertEquals(8, seen.size());
        service.unbindRegistry(registry);
        assertTrue(registry.getGauges().isEmpty());
    }

    @Test
    public void aBreakerThatOpensBetweenTwoAttemptsEndsTheCallWithItsOwnLastFailure() throws Exception {
        started(Map.of("retryWaitMillis", 1, "attempts", 5, "windowCalls", 2, "minimumCalls", 2));
        Policy p = service.policy("flaky");
        AtomicInteger made = new AtomicInteger();
        try {
            p.call(() -> {
                throw new IOException("attempt " + made.incrementAndGet());
            });
            fail();
        } catch (IOException e) {
            assertEquals("open after two: the third attempt is refused", "attempt 2", e.getMessage());
        }
        assertEquals(2, made.get());
        assertEquals(PolicyStatus.State.OPEN, p.status().state());
        assertEquals(1, p.status().failures());
        assertEquals(1, p.status().refused());
        assertEquals("the next call is refused at once", ResilienceException.OPEN, refusal(p).code());
    }

    @Test
    public void callOnceMakesOneAttemptWhateverTheAttemptsAndStillCountsForTheBreaker() throws Exception {
        started(Map.of("attempts", 5, "retryWaitMillis", 1, "windowCalls", 2, "minimumCalls", 2));
        Policy p = service.policy("consumer");
        AtomicInteger made = new AtomicInteger();
        for (int i = 1; i <= 2; i++) {
            try {
                p.callOnce(() -> {
                    throw new IOException("attempt " + made.incrementAndGet());
                }, null);
                fail();
            } catch (IOException e) {
                assertEquals("attempt " + i, e.getMessage());
            }
        }
        assertEquals(2, made.get());
        assertEquals(0, p.status().retries());
        assertEquals(PolicyStatus.State.OPEN, p.status().state());
        try {
            p.callOnce(() -> "x", null);
            fail();
        } catch (ResilienceException e) {
            assertEquals(ResilienceException.OPEN, e.code());
        }
    }
}
