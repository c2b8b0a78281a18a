package dev.ludus.chaos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One schedule while chaos is armed: every {@code everyMillis} (± jitter) it picks one active
 * bundle among those it names, at random, and restarts it (stop, {@code downMillis}, start; both
 * transient, so a node killed meanwhile starts the bundle again) or updates it (a new revision
 * from its location, then its wiring refreshed so no old class loader stays behind). It never
 * acts on the framework, on fragments, on the chaos bundle itself or on a bundle it is wired to
 * (acting on that would stop or refresh chaos in the middle of its action). Every action is logged.
 */
final class ActiveSchedule {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveSchedule.class);

    private final BundleContext context;
    private final ScheduledExecutorService runner;
    private final String pid;
    private volatile Settings.Schedule settings;
    private volatile boolean running = true;
    private ScheduledFuture<?> next;
    final AtomicLong actions = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private volatile String last = "";

    ActiveSchedule(BundleContext context, ScheduledExecutorService runner, String pid, Settings.Schedule settings) {
        this.context = context;
        this.runner = runner;
        this.pid = pid;
        this.settings = settings;
    }

    String name() {
        return settings.name();
    }

    String pid() {
        return pid;
    }

    Settings.Schedule settings() {
        return settings;
    }

    synchronized void start() {
        LOG.warn("chaos: schedule '{}' armed: {}; matches {} now", name(), settings.describe(), names(candidates()));
        plan();
    }

    /** New settings: the next action waits the new interval. */
    synchronized void update(Settings.Schedule s) {
        settings = s;
        LOG.warn("chaos: schedule '{}' now {}", s.name(), s.describe());
        if (next != null) {
            next.cancel(false);
        }
        plan();
    }

    synchronized void stop() {
        running = false;
        if (next != null) {
            next.cancel(false);
        }
        LOG.warn("chaos: schedule '{}' disarmed after {} action(s), {} failed", name(), actions.get(), failures.get());
    }

    private synchronized void plan() {
        if (!running) {
            return;
        }
        Settings.Schedule s = settings;
        double spread = s.everyMillis() * s.jitterPercent() / 100.0;
        long delay = Math.max(100, Math.round(s.everyMillis() + (spread > 0
                ? ThreadLocalRandom.current().nextDouble(-spread, spread) : 0)));
        next = runner.schedule(this::act, delay, TimeUnit.MILLISECONDS);
    }

    private void act() {
        try {
            if (!running) {
                return;
            }
            List<Bundle> candidates = candidates();
            if (candidates.isEmpty()) {
                LOG.warn("chaos: schedule '{}' found no active bundle among {}", name(), settings.bundles());
                return;
            }
            Bundle b = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
            actOn(b);
        } finally {
            plan();
        }
    }

    private void actOn(Bundle b) {
        Settings.Schedule s = settings;
        String who = b.getSymbolicName() + " " + b.getVersion() + " (bundle " + b.getBundleId() + ")";
        long started = System.nanoTime();
        try {
            if (s.action().equals("update")) {
                LOG.warn("chaos: schedule '{}' updates {}", name(), who);
                b.update();
                refresh(b);
            } else {
                LOG.warn("chaos: schedule '{}' restarts {}{}", name(), who,
                        s.downMillis() > 0 ? " (" + s.downMillis() + " ms down)" : "");
                b.stop(Bundle.STOP_TRANSIENT);
                if (s.downMillis() > 0) {
                    Thread.sleep(s.downMillis());
                }
                b.start(Bundle.START_TRANSIENT);
            }
            actions.incrementAndGet();
            last = s.action() + " " + who + " in " + (System.nanoTime() - started) / 1_000_000 + " ms";
            LOG.warn("chaos: schedule '{}': {}", name(), last);
        } catch (BundleException | RuntimeException e) {
            failures.incrementAndGet();
            last = s.action() + " " + who + " failed: " + e;
            LOG.warn("chaos: schedule '{}': {}", name(), last);
            startAgain(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            startAgain(b);
        }
    }

    /** A restart cut short (disarmed, interrupted, refused) must not leave the bundle stopped. */
    private void startAgain(Bundle b) {
        try {
            if (b.getState() == Bundle.RESOLVED || b.getState() == Bundle.INSTALLED) {
                b.start(Bundle.START_TRANSIENT);
            }
        } catch (BundleException | RuntimeException e) {
            LOG.warn("chaos: schedule '{}' could not start {} again: {}", name(), b.getSymbolicName(), e.toString());
        }
    }

    /** Refreshes the bundle's wiring (and its dependants') after an update, waiting up to 30 s. */
    private void refresh(Bundle b) throws InterruptedException {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        if (!done.await(30, TimeUnit.SECONDS)) {
            LOG.warn("chaos: schedule '{}': the refresh after updating {} took over 30 s", name(), b.getSymbolicName());
        }
    }

    List<Bundle> candidates() {
        List<Bundle> out = new ArrayList<>();
        long self = context.getBundle().getBundleId();
        Set<Long> mine = providersOfThisBundle();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == 0 || b.getBundleId() == self || mine.contains(b.getBundleId())
                    || b.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            if (b.getState() == Bundle.ACTIVE && settings.matches(b.getSymbolicName())) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * The bundles this one is wired to (its packages, the component runtime that runs it): acting
     * on one would stop or refresh chaos itself in the middle of its own action.
     */
    private Set<Long> providersOfThisBundle() {
        Set<Long> out = new HashSet<>();
        BundleWiring wiring = context.getBundle().adapt(BundleWiring.class);
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(null)) {
                out.add(w.getProvider().getBundle().getBundleId());
            }
        }
        return out;
    }

    private static List<String> names(List<Bundle> bundles) {
        return bundles.stream().map(Bundle::getSymbolicName).sorted().toList();
    }

    Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pid", pid);
        d.put("schedule", settings.describe());
        d.put("matches", names(candidates()));
        d.put("actions", actions.get());
        d.put("failures", failures.get());
        if (!last.isEmpty()) {
            d.put("last", last);
        }
        return d;
    }
}
