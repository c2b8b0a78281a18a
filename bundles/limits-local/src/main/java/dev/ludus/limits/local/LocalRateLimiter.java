package dev.ludus.limits.local;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;
import dev.ludus.api.limits.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.local.SynchronizationStrategy;

/**
 * {@link RateLimiter} on Bucket4j buckets in this node's memory: one bucket per policy and key,
 * made on first use. Memory stays bounded: a bucket that has refilled completely and holds no block
 * is the same as a new one, so the sweep forgets it; past {@code maxKeys}, new keys of a policy
 * share one overflow bucket of that policy until the sweep makes room (stricter, never looser).
 * A policy whose numbers change is applied to its existing buckets, keeping their fill in proportion.
 */
@Component(service = RateLimiter.class, configurationPid = LocalRateLimiter.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = "ludus.limiter=local")
@Designate(ocd = LocalLimitsConfig.class)
public final class LocalRateLimiter implements RateLimiter {

    static final String PID = "dev.ludus.limits.local";
    static final int DEFAULT_MAX_KEYS = 500_000;
    static final String OVERFLOW_KEY = "\u0000overflow";
    private static final Logger LOG = LoggerFactory.getLogger(LocalRateLimiter.class);

    private record Key(String policy, String key) {
    }

    /** One bucket with its refusal streak and block; guarded by itself. */
    private static final class Entry {
        LimitPolicy policy;
        final Bucket bucket;
        int refusedInARow;
        long blockedUntilNanos;

        Entry(LimitPolicy policy, Bucket bucket) {
            this.policy = policy;
            this.bucket = bucket;
        }
    }

    private final Map<Key, Entry> buckets = new ConcurrentHashMap<>();
    private final LongSupplier nanos;
    private final TimeMeter meter;
    private final AtomicLong overflowed = new AtomicLong();
    private volatile int maxKeys = DEFAULT_MAX_KEYS;
    private ScheduledExecutorService sweeper;

    public LocalRateLimiter() {
        this(System::nanoTime);
    }

    /** With a clock of its own (tests): {@code nanos} as {@link System#nanoTime()} counts. */
    LocalRateLimiter(LongSupplier nanos) {
        this.nanos = nanos;
        this.meter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanos.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
    }

    @Activate
    void activate(LocalLimitsConfig cfg) {
        maxKeys = Math.max(1, cfg.maxKeys());
        int every = Math.max(1, cfg.sweepSeconds());
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-limits-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.SECONDS);
        LOG.info("local rate limiter active: at most {} keys, idle buckets swept every {} s", maxKeys, every);
    }

    @Deactivate
    void deactivate() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        buckets.clear();
    }

    /** For tests: the most keys held. */
    void maxKeys(int n) {
        maxKeys = n;
    }

    @Override
    public Decision acquire(LimitPolicy policy, String key, long cost) {
        RateLimiter.checkArguments(policy, key, cost);
        Entry e = entry(policy, key);
        Decision d;
        synchronized (e) {
            if (!e.policy.equals(policy)) {
                e.bucket.replaceConfiguration(configuration(policy), TokensInheritanceStrategy.PROPORTIONALLY);
                e.policy = policy;
            }
            d = decide(e, policy, cost, nanos.getAsLong());
        }
        return policy.shadow() ? d.shadow() : d;
    }

    private Decision decide(Entry e, LimitPolicy policy, long cost, long now) {
        if (e.blockedUntilNanos != 0) {
            long left = e.blockedUntilNanos - now;
            if (left > 0) {
                return Decision.refuse(millisUp(left), true);
            }
            e.blockedUntilNanos = 0;
            e.refusedInARow = 0;
        }
        ConsumptionProbe probe = e.bucket.tryConsumeAndReturnRemaining(cost);
        if (probe.isConsumed()) {
            e.refusedInARow = 0;
            return Decision.allow(probe.getRemainingTokens());
        }
        e.refusedInARow++;
        if (e.refusedInARow >= 2 && !policy.blockFor().isZero()) {
            e.blockedUntilNanos = now + policy.blockFor().toNanos();
            return Decision.refuse(policy.blockFor().toMillis(), true);
        }
        long wait = cost > policy.capacity() ? Long.MAX_VALUE / 2_000_000 : millisUp(probe.getNanosToWaitForRefill());
        return Decision.refuse(wait, false);
    }

    @Override
    public void reset(String policy, String key) {
        buckets.remove(new Key(policy, key));
    }

    /** Buckets held now (overflow buckets included). */
    int size() {
        return buckets.size();
    }

    /** New keys that got an overflow bucket because {@code maxKeys} were held. */
    long overflowed() {
        return overflowed.get();
    }

    private Entry entry(LimitPolicy policy, String key) {
        Key k = new Key(policy.name(), key);
        Entry e = buckets.get(k);
        if (e != null) {
            return e;
        }
        if (buckets.size() >= maxKeys) {
            sweep();
            if (buckets.size() >= maxKeys) {
                overflowed.incrementAndGet();
                return buckets.computeIfAbsent(new Key(policy.name(), OVERFLOW_KEY), x -> newEntry(policy));
            }
        }
        return buckets.computeIfAbsent(k, x -> newEntry(policy));
    }

    private Entry newEntry(LimitPolicy policy) {
        Bucket b = Bucket.builder().addLimit(bandwidth(policy)).withCustomTimePrecision(meter)
                .withSynchronizationStrategy(SynchronizationStrategy.NONE).build();
        return new Entry(policy, b);
    }

    /**
     * Forgets every bucket that is full again and holds no block: asking it anything would give the
     * same answer as a new bucket. Runs on the sweeper, and when the key limit is reached.
     */
    void sweep() {
        long now = nanos.getAsLong();
        int before = buckets.size();
        for (Iterator<Entry> it = buckets.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            synchronized (e) {
                boolean blocked = e.blockedUntilNanos != 0 && e.blockedUntilNanos - now > 0;
                if (!blocked && e.bucket.getAvailableTokens() >= e.policy.capacity()) {
                    it.remove();
                }
            }
        }
        int gone = before - buckets.size();
        if (gone > 0) {
            LOG.debug("rate limiter: {} idle buckets forgotten, {} held", gone, buckets.size());
        }
    }

    private static BucketConfiguration configuration(LimitPolicy p) {
        return BucketConfiguration.builder().addLimit(bandwidth(p)).build();
    }

    private static Bandwidth bandwidth(LimitPolicy p) {
        return Bandwidth.builder().capacity(p.capacity()).refillGreedy(p.tokens(), p.period()).initialTokens(p.capacity()).build();
    }

    private static long millisUp(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }
}
