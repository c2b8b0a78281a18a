package dev.ludus.limits.redis;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;
import dev.ludus.api.limits.RateLimiter;
import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.resilience.ResilienceException;
import dev.ludus.redis.client.RedisConnector;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

/**
 * {@link RateLimiter} on token buckets in Redis ({@link RedisBuckets}), so every node that shares the
 * Redis enforces one budget per key. While Redis cannot be reached, or does not answer a decision
 * within {@code timeoutMillis}, decisions follow {@code failure}: {@code open} asks the local
 * fallback limiter (or allows, without one), {@code closed} refuses; Redis is then left alone for
 * {@code retryMillis} before the next decision tries it again, so no caller waits on a Redis that is
 * away. The health check {@code limits-redis} is DEGRADED, with the reason, meanwhile, and UP again
 * by itself once Redis answers.
 */
@Component(service = {RateLimiter.class, HealthCheck.class}, configurationPid = RedisRateLimiter.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = "ludus.limiter=redis")
@Designate(ocd = RedisLimitsConfig.class)
public final class RedisRateLimiter implements RateLimiter, HealthCheck {

    static final String PID = "dev.ludus.limits.redis";
    private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    @Reference(name = "redis")
    private RedisConnector redis;

    @Reference(name = "fallback", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RateLimiter fallback;

    private final RedisLimitsMetrics metrics = new RedisLimitsMetrics();
    private volatile MetricRegistry registry;

    private volatile boolean failOpen = true;
    private volatile long timeoutMillis = 100;
    private volatile long retryNanos = 1_000_000_000L;
    private String prefix;
    private ScheduledExecutorService connector;
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile RedisBuckets buckets;
    /** While {@link System#nanoTime()} is before this, decisions do not try Redis. */
    private volatile long leftAloneUntil;
    private volatile String problem = "not connected yet";
    private volatile Instant failingSince = Instant.now();
    private volatile boolean activated;
    /** Set once the first connection attempt has ended, either way. */
    private volatile boolean tried;

    public RedisRateLimiter() {
    }

    /** Wired by hand (tests, benchmarks): {@code fallback} may be null. */
    RedisRateLimiter(RedisConnector redis, RateLimiter fallback) {
        this.redis = redis;
        this.fallback = fallback;
    }

    @Activate
    void activate(RedisLimitsConfig config, BundleContext context) {
        String failure = config.failure() == null ? "" : config.failure().trim().toLowerCase(Locale.ROOT);
        if (!failure.equals("open") && !failure.equals("closed")) {
            LOG.error("limits-redis configuration {}: failure must be open or closed, got '{}'; failing closed",
                    PID, config.failure());
        }
        failOpen = failure.equals("open");
        timeoutMillis = Math.max(1, Math.min(5000, config.timeoutMillis()));
        retryNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, Math.min(60_000, config.retryMillis())));
        prefix = config.keyPrefix() == null || config.keyPrefix().isBlank() ? "ludus:limits:" : config.keyPrefix();
        if (context != null) {
            metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
        }
        MetricRegistry r = registry;
        if (r != null) {
            metrics.bind(r);
        }
        activated = true;
        connector = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread th = new Thread(t, "ludus-limits-redis");
            th.setDaemon(true);
            return th;
        });
        connector.scheduleWithFixedDelay(this::connect, 0, TimeUnit.NANOSECONDS.toMillis(retryNanos), TimeUnit.MILLISECONDS);
        LOG.info("Redis rate limiter on {} (keys {}*): failing {} when Redis is away, decision timeout {} ms",
                redis.target(), prefix, failOpen ? "open" : "closed", timeoutMillis);
    }

    @Deactivate
    void deactivate() {
        activated = false;
        if (connector != null) {
            connector.shutdownNow();
            try {
                connector.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        buckets = null;
        StatefulRedisConnection<String, byte[]> c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        metrics.unbind();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(MetricRegistry r) {
        registry = r;
        if (activated) {
            metrics.bind(r);
        }
    }

    void unbindRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            metrics.unbind();
        }
    }

    /**
     * On the connector thread: opens the connection until it is open (Lettuce keeps it open after
     * that); once open, while Redis is marked unusable and the time it is left alone has passed,
     * asks it a PING, so a node that takes no requests (a quiet hour, the end of a test) also sees
     * Redis come back and says so in its health instead of waiting for the next decision.
     */
    private void connect() {
        if (connection != null) {
            probe();
            return;
        }
        try {
            StatefulRedisConnection<String, byte[]> c = redis.connect(CODEC);
            RedisBuckets b = new RedisBuckets(c, prefix);
            warmUp(b);
            buckets = b;
            connection = c;
            problem = null;
            LOG.info("Redis rate limiter connected to {}", redis.target());
        } catch (RuntimeException e) {
            String why = RedisConnector.describe(e);
            if (!why.equals(problem)) {
                LOG.warn("Redis rate limiter cannot connect to {} ({}); failing {} until it can, trying every {} ms",
                        redis.target(), why, failOpen ? "open" : "closed", TimeUnit.NANOSECONDS.toMillis(retryNanos));
            }
            problem = why;
        } finally {
            tried = true;
        }
    }

    private void probe() {
        RedisBuckets b = buckets;
        StatefulRedisConnection<String, byte[]> c = connection;
        String was = problem;
        if (was == null || b == null || c == null || !c.isOpen() || System.nanoTime() - leftAloneUntil < 0) {
            return;
        }
        try {
            b.ping().get(Math.max(timeoutMillis, 1000), TimeUnit.MILLISECONDS);
            if (problem != null) {
                LOG.info("Redis rate limiter: Redis at {} answers again after {}", redis.target(), problem);
                problem = null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            failed(e instanceof ExecutionException ee && ee.getCause() != null ? ee.getCause() : e);
        }
    }

    /**
     * One decision on a key of its own, with a generous wait, before the limiter takes requests:
     * the first decision of a fresh JVM loads Bucket4j's and Lettuce's classes and has Redis
     * compile the scripts, which can take longer than {@code timeoutMillis} and would send the
     * first players' requests to the fallback.
     */
    private static void warmUp(RedisBuckets b) {
        LimitPolicy p = LimitPolicy.parse("warm_up", "1000/1s block 1s");
        try {
            for (int i = 0; i < 3; i++) {
                b.acquire(p, "node:" + ProcessHandle.current().pid(), 1).get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Redis rate limiter: warm-up decision failed: {}", e.toString());
        }
    }

    @Override
    public Decision acquire(LimitPolicy policy, String key, long cost) {
        RateLimiter.checkArguments(policy, key, cost);
        Decision d = decide(policy, key, cost);
        return policy.shadow() ? d.shadow() : d;
    }

    private Decision decide(LimitPolicy policy, String key, long cost) {
        RedisBuckets b = buckets;
        StatefulRedisConnection<String, byte[]> c = connection;
        long start = System.nanoTime();
        if (b == null || c == null || start - leftAloneUntil < 0) {
            return withoutRedis(policy, key, cost);
        }
        if (!c.isOpen()) { // Lettuce is reconnecting; commands would be refused at once
            if (problem == null) {
                failed(new IllegalStateException("connection lost, reconnecting"));
            }
            return withoutRedis(policy, key, cost);
        }
        Policy through = resiliencePolicy;
        try {
            Decision d = through == null ? b.acquire(policy, key, cost).get(timeoutMillis, TimeUnit.MILLISECONDS)
                    : through.callOnce(() -> b.acquire(policy, key, cost).get(timeoutMillis, TimeUnit.MILLISECONDS),
                            e -> false);
            metrics.decided(System.nanoTime() - start);
            if (problem != null) {
                LOG.info("Redis rate limiter: Redis at {} answers again after {}", redis.target(), problem);
                problem = null;
            }
            return d;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(e);
        } catch (ExecutionException e) {
            failed(e.getCause());
        } catch (TimeoutException e) {
            failed(new TimeoutException("no answer within " + timeoutMillis + " ms"));
        } catch (ResilienceException e) {
            // The policy did not send it (its breaker open, forced open, or full): decide without
            // Redis this once; Redis is not marked as failing for it.
            refusedByPolicy.increment();
        } catch (RuntimeException e) {
            failed(e);
        } catch (Exception e) {
            failed(e); // a call through the policy declares Exception; every kind is above
        }
        return withoutRedis(policy, key, cost);
    }

    /** The policy decisions go through while a resilience service is bound. */
    static final String POLICY = "redis.limits";
    private volatile Resilience resilience;
    private volatile Policy resiliencePolicy;
    final LongAdder refusedByPolicy = new LongAdder();

    /**
     * Resilience policies, optional: while a service is bound each decision's round trip to Redis
     * goes through the policy {@value #POLICY} (one attempt); an open breaker decides without Redis
     * at once, as {@code failure} says (the local fallback, or refusing).
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResilience(Resilience r) {
        resilience = r;
        resiliencePolicy = r.policy(POLICY);
    }

    void unbindResilience(Resilience r) {
        if (resilience == r) {
            resilience = null;
            resiliencePolicy = null;
        }
    }

    private void failed(Throwable e) {
        metrics.errors.inc();
        leftAloneUntil = System.nanoTime() + retryNanos;
        String why = RedisConnector.describe(e);
        if (problem == null) {
            failingSince = Instant.now();
            LOG.warn("Redis rate limiter: Redis at {} failed ({}); failing {} for at least {} ms", redis.target(), why,
                    failOpen ? "open" : "closed", TimeUnit.NANOSECONDS.toMillis(retryNanos));
        }
        problem = why;
    }

    private Decision withoutRedis(LimitPolicy policy, String key, long cost) {
        metrics.fallbacks.inc();
        if (!failOpen) {
            return Decision.refuse(Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryNanos)), false);
        }
        RateLimiter local = fallback;
        return local == null ? Decision.allow(policy.capacity()) : local.acquire(policy, key, cost);
    }

    /**
     * A PING over the limiter's own connection, answered (the benchmark's baseline: one Redis round
     * trip on the connection decisions use). Null while not connected.
     */
    String ping() throws Exception {
        RedisBuckets b = buckets;
        return b == null ? null : b.ping().get(5, TimeUnit.SECONDS);
    }

    /** Whether the limiter has its Redis connection (after its warm-up). */
    boolean connected() {
        StatefulRedisConnection<String, byte[]> c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public void reset(String policy, String key) {
        RateLimiter local = fallback;
        if (local != null) {
            local.reset(policy, key);
        }
        RedisBuckets b = buckets;
        if (b == null) {
            throw new IllegalStateException("Redis at " + redis.target() + " is not connected: " + problem);
        }
        try {
            b.reset(policy, key).get(Math.max(timeoutMillis, 1000), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resetting " + policy + " for " + key, e);
        } catch (ExecutionException | TimeoutException e) {
            failed(e instanceof ExecutionException ee ? ee.getCause() : e);
            throw new IllegalStateException("Redis at " + redis.target() + " did not reset " + policy + " for "
                    + key + ": " + RedisConnector.describe(e), e);
        }
    }

    @Override
    public String name() {
        return "limits-redis";
    }

    /**
     * Not ready until the first attempt to connect (and warm up) has ended, so a node does not take
     * players while its first decisions would still go to the fallback for want of a connection.
     * A Redis that is away does not hold readiness up: the failure policy decides then.
     */
    @Override
    public boolean ready() {
        return tried;
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("redis", redis.target());
        d.put("failure", failOpen ? "open" : "closed");
        d.put("fallback", fallback == null ? "none" : "local");
        d.put("decisions", metrics.decisions.getCount());
        d.put("fallbackDecisions", metrics.fallbacks.getCount());
        d.put("redisErrors", metrics.errors.getCount());
        Policy through = resiliencePolicy;
        d.put("policy", through == null ? "none (no resilience service)" : through.name());
        d.put("refusedByPolicy", refusedByPolicy.sum());
        String p = problem;
        if (p == null && connection != null && connection.isOpen()) {
            return HealthResult.up(d);
        }
        String how = !failOpen ? "failing closed: every limited request is refused"
                : fallback == null ? "failing open: limited requests are allowed (no fallback limiter)"
                : "failing open: decided by the local fallback limiter";
        return HealthResult.degraded("Redis at " + redis.target() + " unusable since " + failingSince + " ("
                + (p == null ? "disconnected" : p) + "); " + how, d);
    }
}
