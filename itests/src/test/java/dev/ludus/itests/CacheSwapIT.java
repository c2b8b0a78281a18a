package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
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
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.TcpRelay;

/**
 * The archive's lookups read through the cache while the cache implementation is switched under
 * them (ConfigAdmin, like the archive's backend): Caffeine → Redis → two-level → Caffeine, with
 * Redis cut away for a few seconds in the two-level phase. Readers look up archived games with a
 * skewed popularity throughout: every lookup answers, with the game byte for byte, none fails;
 * each implementation is seen serving hits; health says DEGRADED while Redis is away and UP after.
 * (The players' gateway under the same switches: {@link GatewayCacheSwapIT}.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CacheSwapIT {

    private static final int GAMES = 300;
    private static final int READERS = 4;

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    ArchiveService archive;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("cache-swap", List.of("redis", "cache-redis"), Map.of(),
                frameworkProperty("ludus.itest.redis").value(ExamRedis.url(CacheSwapIT.class, 1)));
    }

    /** The games' figures in the {@code type} implementation: the archive's cache of games. */
    private Optional<CacheStats> games(String type) throws Exception {
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, "(" + Caches.TYPE + "=" + type + ")")) {
            Caches c = context.getService(r);
            try {
                return c.stats().stream().filter(s -> s.owner().equals("dev.ludus.archive") && s.name().equals("games"))
                        .findFirst();
            } finally {
                context.ungetService(r);
            }
        }
        return Optional.empty();
    }

    private String boundCache() throws Exception {
        HealthResult h = HealthChecks.find(context, "archive");
        return h == null ? "no archive" : String.valueOf(h.details().get("cache"));
    }

    /** What a failed wait shows: the archive's health and every cache implementation registered. */
    private Object cachesSeen() throws Exception {
        List<String> types = new ArrayList<>();
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, null)) {
            types.add(String.valueOf(r.getProperty(Caches.TYPE)));
        }
        StringBuilder uses = new StringBuilder();
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if ("dev.ludus.archive".equals(b.getSymbolicName()) && b.getServicesInUse() != null) {
                for (ServiceReference<?> r : b.getServicesInUse()) {
                    Object type = r.getProperty(Caches.TYPE);
                    if (type != null) {
                        uses.append(type).append(" #").append(r.getProperty("service.id")).append(' ');
                    }
                }
            }
        }
        StringBuilder ids = new StringBuilder();
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, null)) {
            ids.append(r.getProperty(Caches.TYPE)).append(" #").append(r.getProperty("service.id")).append(" by ")
                    .append(r.getBundle() == null ? "none" : r.getBundle().getSymbolicName()).append(' ');
        }
        org.osgi.service.cm.Configuration[] cs = configAdmin.listConfigurations("(service.pid=dev.ludus.archive)");
        return "archive " + HealthChecks.find(context, "archive") + "; Caches services " + types + " (" + ids
                + "); the archive uses " + uses + "; its configuration " + (cs == null ? "none" : cs[0].getProperties())
                + "; cache-redis " + HealthChecks.find(context, "cache-redis") + "; threads of SCR and ConfigAdmin:\n"
                + frameworkThreads();
    }

    /** The stacks of the threads that apply configurations and run components, for a failed wait. */
    private static String frameworkThreads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            String n = t.getName();
            if (n.contains("CM ") || n.contains("SCR") || n.contains("Configuration") || n.contains("fileinstall")) {
                b.append(n).append(' ').append(t.getState()).append('\n');
                for (StackTraceElement e : stack) {
                    b.append("    at ").append(e).append('\n');
                }
            }
        });
        return b.toString();
    }

    private void use(String type) throws Exception {
        Configurations.merge(configAdmin, "dev.ludus.archive", Map.of("cache.target", "(ludus.cache=" + type + ")"));
        long t0 = System.nanoTime();
        Wait.until("the archive reading through " + type, 120_000, () -> type.equals(boundCache()), this::cachesSeen);
        System.out.println("CacheSwapIT: the archive read through " + type + " after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        Wait.until(type + " serving hits", 30_000, () -> games(type).map(s -> s.hits() > 200).orElse(false),
                () -> String.valueOf(games(type)));
    }

    @Test
    public void lookupsNeverFailWhileTheCacheIsSwitchedAndRedisGoesAway() throws Exception {
        URI redisUri = URI.create(context.getProperty("ludus.itest.redis"));
        try (TcpRelay relay = new TcpRelay(redisUri.getPort())) {
            SharedCachesFixture.throughRelay(configAdmin, context, relay, "ludus:itest:");

            Map<String, CompletedGame> expected = new ConcurrentHashMap<>();
            Instant now = Instant.now();
            for (int i = 0; i < GAMES; i++) {
                CompletedGame g = ArchiveFixtures.game("cache-swap-" + i, now.minusSeconds(i));
                expected.put(g.gameId(), g);
                archive.submit(g);
            }
            Wait.until("every game archived", 30_000, () -> archive.status().queueDepth() == 0);
            List<String> ids = new ArrayList<>(expected.keySet());
            ids.sort(null);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(READERS);
            List<Future<?>> running = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                running.add(pool.submit(() -> {
                    while (!stop.get()) {
                        // skewed: the first games are asked for far more often than the last
                        double u = ThreadLocalRandom.current().nextDouble();
                        String id = ids.get((int) (u * u * u * ids.size()));
                        try {
                            Optional<CompletedGame> g = archive.find(id);
                            if (g.isEmpty() || !ArchiveFixtures.identical(g.get(), expected.get(id))) {
                                failures.add(id + ": " + (g.isEmpty() ? "not found" : "a different game"));
                            }
                        } catch (RuntimeException e) {
                            failures.add(id + ": " + e);
                        }
                        reads.incrementAndGet();
                        // A thousand lookups a second each is plenty, and leaves CPU to the test running beside this one.
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                }));
            }
            try {
                use("caffeine");
                use("redis");
                use("two-level");
                relay.cut();
                SharedCachesFixture.await(context, HealthStatus.DEGRADED, "health DEGRADED while Redis is away");
                long during = reads.get();
                Thread.sleep(3000);
                assertTrue("reads go on while Redis is away", reads.get() > during + 100);
                relay.restore();
                SharedCachesFixture.await(context, HealthStatus.UP, "health UP once Redis is back");
                long hitsBack = games("two-level").map(CacheStats::hits).orElse(0L);
                Wait.until("two-level serving hits again", 30_000, () -> games("two-level").map(s -> s.hits() > hitsBack + 100)
                        .orElse(false), () -> String.valueOf(games("two-level")));
                use("caffeine");
                Thread.sleep(1000);
            } finally {
                stop.set(true);
                pool.shutdown();
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            }
            for (Future<?> f : running) {
                f.get();
            }
            assertEquals("failed lookups (first ones): " + failures.stream().limit(5).toList(), 0, failures.size());
            assertTrue("reads: " + reads.get(), reads.get() > 5_000);
            System.out.println("CacheSwapIT: " + reads.get() + " lookups across caffeine -> redis -> two-level "
                    + "(Redis cut for 3 s) -> caffeine, 0 failed");
        }
    }
}
