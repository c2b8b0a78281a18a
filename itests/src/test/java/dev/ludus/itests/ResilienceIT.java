package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.PolicyStatus;
import dev.ludus.api.resilience.Resilience;

/**
 * Resilience policies in the default feature set in Felix: Resilience4j's bundles resolve, a policy
 * takes its settings from its own file in {@code conf/} and from ConfigAdmin, live; health names a
 * breaker an operator forced open; and the bundle is stopped, started and updated while callers
 * call through it, counting every call: none lost, none made twice.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ResilienceIT {

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("resilience", List.of(),
                Map.of("dev.ludus.resilience.policy-archive.jdbc.cfg", "attempts = 5\ntimeoutMillis = 2000\n"));
    }

    private Resilience resilience() throws Exception {
        ServiceTracker<Resilience, Resilience> t = new ServiceTracker<>(context, Resilience.class, null);
        t.open();
        try {
            Resilience r = t.waitForService(20_000);
            assertTrue("a Resilience service", r != null);
            return r;
        } finally {
            t.close();
        }
    }

    @Test
    public void policiesComeFromConfAndConfigAdminLiveAndHealthNamesAForcedOpenBreaker() throws Exception {
        Resilience r = resilience();
        Policy jdbc = r.policy("archive.jdbc");
        Wait.until("the policy's file applied", 20_000, () -> jdbc.status().settings().contains("5 attempts"));
        assertTrue(jdbc.status().settings(), jdbc.status().settings().contains("time limit 2000 ms"));
        assertEquals("through the time limit's thread", "value", jdbc.call(() -> "value"));

        org.osgi.service.cm.Configuration c = configAdmin.createFactoryConfiguration("dev.ludus.resilience.policy", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("name", "redis");
        p.put("attempts", "1");
        p.put("maxConcurrent", "4");
        c.update(p);
        Policy redis = r.policy("redis");
        Wait.until("ConfigAdmin's settings applied", 20_000, () -> redis.status().settings().contains("at most 4 at once"));

        r.force("redis", Resilience.Forced.OPEN);
        HealthResult h = HealthChecks.require(context, "resilience");
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("breaker open: redis forced open"));
        r.force("redis", Resilience.Forced.NONE);
        assertEquals(HealthStatus.UP, HealthChecks.require(context, "resilience").status());

        p.put("attempts", "lots");
        c.update(p);
        Wait.until("a bad setting refused and shown", 20_000, () -> {
            HealthResult x = HealthChecks.require(context, "resilience");
            return x.status() == HealthStatus.DEGRADED && x.reason().contains("attempts must be a whole number");
        });
        assertTrue("the last good settings stay", redis.status().settings().contains("at most 4 at once"));
        c.delete();
        Wait.until("back to the defaults", 20_000, () -> redis.status().settings().contains("3 attempts")
                && HealthChecks.require(context, "resilience").status() == HealthStatus.UP);
    }

    @Test
    public void archiveReadsGoThroughTheirBackendsReadPolicy() throws Exception {
        Resilience r = resilience();
        ServiceTracker<dev.ludus.api.archive.ArchiveService, dev.ludus.api.archive.ArchiveService> t =
                new ServiceTracker<>(context, dev.ludus.api.archive.ArchiveService.class, null);
        t.open();
        try {
            dev.ludus.api.archive.ArchiveService archive = t.waitForService(20_000);
            assertTrue("an archive service", archive != null);
            String id = "resilience-read-" + System.nanoTime();
            assertTrue("not found, through the policy", archive.find(id).isEmpty());
            Wait.until("the read policy used", 10_000, () -> r.policies().stream()
                    .anyMatch(s -> s.name().equals("archive.fs.read") && s.calls() > 0));
            r.force("archive.fs.read", Resilience.Forced.OPEN);
            try {
                archive.find(id);
                throw new AssertionError("a read through a breaker forced open is refused");
            } catch (dev.ludus.api.archive.ArchiveException e) {
                assertEquals(e.getMessage(), "backend_unavailable", e.code());
                assertTrue(e.getMessage(), e.getMessage().contains("archive.fs.read"));
            }
            r.force("archive.fs.read", Resilience.Forced.NONE);
            assertTrue(archive.find(id).isEmpty());
        } finally {
            t.close();
        }
    }

    @Test
    public void theBundleIsSwappedUnderCallsAndNoCallIsLostOrMadeTwice() throws Exception {
        resilience();
        Bundle bundle = null;
        for (Bundle b : context.getBundles()) {
            if ("dev.ludus.resilience".equals(b.getSymbolicName())) {
                bundle = b;
            }
        }
        assertTrue("the resilience bundle", bundle != null);
        // Callers as Ludus's own will be: through the policy while a Resilience service is there,
        // straight to the call while none is (the bundle stopped, or between an update's stop and start).
        ServiceTracker<Resilience, Resilience> tracker = new ServiceTracker<>(context, Resilience.class, null);
        tracker.open();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong made = new AtomicLong();
        AtomicLong returned = new AtomicLong();
        AtomicLong throughPolicy = new AtomicLong();
        AtomicLong direct = new AtomicLong();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> callers = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    try {
                        Resilience r = tracker.getService();
                        long v;
                        if (r == null) {
                            v = made.incrementAndGet();
                            direct.incrementAndGet();
                        } else {
                            v = r.policy("swap.check").call(made::incrementAndGet);
                            throughPolicy.incrementAndGet();
                        }
                        if (v > 0) {
                            returned.incrementAndGet();
                        }
                        Thread.sleep(0, 200_000);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }
            }, "resilience-caller-" + i);
            callers.add(t);
            t.start();
        }
        assertTrue(started.await(10, TimeUnit.SECONDS));
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        try {
            for (int i = 0; i < 5; i++) {
                Thread.sleep(200);
                bundle.stop();
                Thread.sleep(100);
                bundle.start();
                Thread.sleep(200);
                bundle.update();
                CountDownLatch refreshed = new CountDownLatch(1);
                wiring.refreshBundles(List.of(bundle), e -> refreshed.countDown());
                assertTrue("refreshed", refreshed.await(30, TimeUnit.SECONDS));
                resilience();
            }
            Thread.sleep(300);
        } finally {
            stop.set(true);
            for (Thread t : callers) {
                t.join(10_000);
            }
            tracker.close();
        }
        assertEquals("no call failed: " + errors, List.of(), errors);
        assertEquals("every call made once and answered once", made.get(), returned.get());
        assertTrue("calls went through the policy: " + throughPolicy.get(), throughPolicy.get() > 100);
        PolicyStatus s = resilience().policy("swap.check").status();
        assertEquals(PolicyStatus.State.CLOSED, s.state());
        System.out.println("RESILIENCE SWAP: 5 stop/starts and 5 updates, " + made.get() + " calls, "
                + throughPolicy.get() + " through a policy, " + direct.get() + " straight while none was there, 0 lost, 0 twice");
    }

    @Test
    public void theConsolePageShowsThePoliciesAndForcesABreakerFromTheConsolesOwnOriginOnly() throws Exception {
        Resilience r = resilience();
        r.policy("console.check").call(() -> "made");
        String port = context.getProperty("org.osgi.service.http.port");
        String console = "http://127.0.0.1:" + port + "/system/console";
        String password = context.getProperty("ludus.itest.password");
        Wait.until("the page lists the policy", 20_000, () -> {
            Http.Response page = Http.get(console + "/ludus-resilience", "admin", password);
            return page.status() == 200 && page.body().contains("console.check") && page.body().contains("Breaker");
        });
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode m = json.readTree(Http.get(console + "/ludus-resilience.json", "admin", password).body());
        boolean listed = false;
        for (com.fasterxml.jackson.databind.JsonNode p : m.get("policies")) {
            if (p.get("policy").asText().equals("console.check")) {
                listed = true;
                assertEquals("CLOSED", p.get("state").asText());
                assertTrue(p.get("calls").asLong() >= 1);
            }
        }
        assertTrue(m.toString(), listed);
        String self = "http://127.0.0.1:" + port;
        Map<String, String> open = Map.of("action", "force", "policy", "console.check", "how", "open");
        assertEquals(403, Http.postForm(console + "/ludus-resilience.json", "admin", password, "Origin",
                "http://evil.example", open).status());
        assertEquals(PolicyStatus.State.CLOSED, r.policy("console.check").status().state());
        Http.Response bad = Http.postForm(console + "/ludus-resilience.json", "admin", password, "Origin", self,
                Map.of("action", "force", "policy", "console.check", "how", "sideways"));
        assertEquals(400, bad.status());
        assertEquals("bad_how", json.readTree(bad.body()).get("error").asText());
        Http.Response unknown = Http.postForm(console + "/ludus-resilience.json", "admin", password, "Origin", self,
                Map.of("action", "force", "policy", "never.used", "how", "open"));
        assertEquals(404, unknown.status());
        assertEquals("unknown_policy", json.readTree(unknown.body()).get("error").asText());
        Http.Response done = Http.postForm(console + "/ludus-resilience.json", "admin", password, "Origin", self, open);
        assertEquals(done.body(), 200, done.status());
        assertEquals("admin", json.readTree(done.body()).get("by").asText());
        assertEquals(PolicyStatus.State.FORCED_OPEN, r.policy("console.check").status().state());
        Http.Response back = Http.postForm(console + "/ludus-resilience.json", "admin", password, "Origin", self,
                Map.of("action", "force", "policy", "console.check", "how", "none"));
        assertEquals(back.body(), 200, back.status());
        assertEquals(PolicyStatus.State.CLOSED, r.policy("console.check").status().state());
    }
}
