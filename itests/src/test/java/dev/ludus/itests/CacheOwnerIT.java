package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

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
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.util.tracker.ServiceTracker;

import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;
import dev.ludus.itests.fixture.CachingFixture;

/**
 * A bundle that caches values of its own classes in the local caches, updated fifty times while
 * readers go through it: no read fails (an entry of an earlier version would be a
 * ClassCastException), each version finds only its own entries, and the class loaders of the
 * forty-nine earlier versions are collected (the caches keep nothing of a bundle that stopped).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CacheOwnerIT {

    private static final String BSN = "dev.ludus.itests.caching";
    private static final int UPDATES = 50;

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("cache-owner", List.of());
    }

    /** The fixture bundle at {@code version}: its classes alone, with its activator. */
    private static byte[] fixtureJar(String version) throws Exception {
        return FixtureBundles.jar(BSN, version, "dev.ludus.api.cache;version=\"[1.0,2)\",org.osgi.framework,org.osgi.util.tracker",
                List.of(CachingFixture.class, CachingFixture.Entry.class, CachingFixture.EntryCodec.class));
    }

    private List<CacheStats> fixtureCaches() throws Exception {
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, "(ludus.cache=caffeine)")) {
            Caches c = context.getService(r);
            try {
                return c.stats().stream().filter(s -> s.owner().equals(BSN)).toList();
            } finally {
                context.ungetService(r);
            }
        }
        throw new AssertionError("no local caches");
    }

    @Test
    public void aBundleUpdatedFiftyTimesUnderReadsLeavesNoClassLoaderBehind() throws Exception {
        Bundle fixture = context.installBundle("caching-fixture", new ByteArrayInputStream(fixtureJar("1.0.0")));
        fixture.start();
        @SuppressWarnings("rawtypes")
        ServiceTracker<Function, Function> reader = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + Function.class.getName() + ")(ludus.itest=caching-fixture))"), null);
        reader.open();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong between = new AtomicLong();
        // reads answered by each version: the wait for a version counts its own reads, not those its
        // predecessor answered while the update ran (those made the test stop before the last version
        // had read once, so it had no cache yet)
        ConcurrentHashMap<String, AtomicLong> readsOf = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        CountDownLatch done = new CountDownLatch(3);
        for (int t = 0; t < 3; t++) {
            pool.execute(() -> {
                try {
                    while (!stop.get()) {
                        @SuppressWarnings("unchecked")
                        Function<String, String> f = reader.getService();
                        if (f == null) {
                            between.incrementAndGet(); // the bundle is being updated: no service to ask
                            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                            continue;
                        }
                        String key = "k" + ThreadLocalRandom.current().nextInt(200);
                        try {
                            String answer = f.apply(key);
                            String[] p = answer.split("@| in ");
                            if (p.length != 3 || !p[0].equals(key) || !p[1].equals(p[2])) { // an entry of another version
                                failures.add(key + " answered " + answer);
                            }
                            reads.incrementAndGet();
                            readsOf.computeIfAbsent(p[2], v -> new AtomicLong()).incrementAndGet();
                        } catch (IllegalStateException stopping) {
                            between.incrementAndGet(); // the bundle stopped between the lookup and the call
                        } catch (RuntimeException | LinkageError e) {
                            failures.add(key + ": " + e);
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        List<WeakReference<ClassLoader>> earlier = new ArrayList<>();
        try {
            Wait.until("reads through the first version", 30_000, () -> reads.get() > 1000);
            for (int v = 1; v <= UPDATES; v++) {
                earlier.add(new WeakReference<>(fixture.adapt(BundleWiring.class).getClassLoader()));
                fixture.update(new ByteArrayInputStream(fixtureJar("1.0." + v)));
                String version = "1.0." + v;
                Wait.until("version " + version + " active and read", 30_000, () -> fixture.getState() == Bundle.ACTIVE
                        && version.equals(fixture.getVersion().toString())
                        && readsOf.getOrDefault(version, new AtomicLong()).get() > 200);
            }
        } finally {
            stop.set(true);
            pool.shutdown();
            assertTrue(done.await(30, TimeUnit.SECONDS));
            reader.close();
        }
        assertEquals("failed reads (first ones): " + failures.stream().limit(5).toList(), 0, failures.size());
        List<CacheStats> caches = fixtureCaches();
        assertEquals("one cache, of the running version: " + caches, 1, caches.size());
        assertEquals("1.0." + UPDATES, caches.get(0).ownerVersion());

        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(fixture), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        assertTrue(refreshed.await(30, TimeUnit.SECONDS));
        long uncollected = UPDATES;
        for (int i = 0; i < 100 && uncollected > 0; i++) {
            System.gc();
            Thread.sleep(100);
            uncollected = earlier.stream().filter(r -> r.get() != null).count();
        }
        assertEquals("class loaders of earlier versions still reachable", 0, uncollected);
        System.out.println("CacheOwnerIT: " + UPDATES + " updates, " + reads.get() + " reads, 0 failed, " + between.get()
                + " tries while no version ran; every earlier class loader collected");
        fixture.uninstall();
    }
}
