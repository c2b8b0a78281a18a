package dev.ludus.cache.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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

import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.cache.support.CacheMetrics;
import dev.ludus.cache.support.OwnedCaches;
import dev.ludus.redis.client.RedisConnector;

/**
 * Publishes two {@link Caches} services of bundle scope over the node's Redis: {@code ludus.cache=redis}
 * (every read and write goes to Redis) and {@code ludus.cache=two-level} (a near-cache on this node
 * in front of Redis, invalidated on every node through pub/sub). Health {@code cache-redis}: UP while
 * Redis answers, DEGRADED while it is away (reads answered by loaders and near-caches, nothing
 * thrown at readers), back by itself.
 */
@Component(service = HealthCheck.class, immediate = true, configurationPid = RedisCaches.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RedisCachesConfig.class)
public final class RedisCaches implements HealthCheck {

    static final String PID = "dev.ludus.cache.redis";
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);

    @Reference(name = "redis")
    private RedisConnector redis;

    private final CacheMetrics sharedMetrics = new CacheMetrics("shared");
    private final CacheMetrics twoLevelMetrics = new CacheMetrics("two-level");
    private volatile MetricRegistry registry;
    private volatile boolean active;
    private volatile RedisLink link;
    private SharedStore shared;
    private SharedStore twoLevel;
    private ServiceRegistration<?> sharedRegistration;
    private ServiceRegistration<?> twoLevelRegistration;

    /** The policy the caches' Redis commands go through: breaker, bulkhead, rate limit (PID dev.ludus.resilience.policy). */
    static final String POLICY = "redis.cache";
    private volatile Resilience resilience;

    /**
     * Resilience policies, optional: while a service is bound every command to Redis goes through
     * the policy {@value #POLICY} (one attempt); an open breaker sends reads to the loaders at once.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResilience(Resilience r) {
        resilience = r;
        RedisLink l = link;
        if (l != null) {
            l.policy(r.policy(POLICY));
        }
    }

    void unbindResilience(Resilience r) {
        if (resilience == r) {
            resilience = null;
            RedisLink l = link;
            if (l != null) {
                l.policy(null);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(MetricRegistry r) {
        registry = r;
        if (active) {
            bindMetrics(r);
        }
    }

    void unbindRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            sharedMetrics.unbind();
            twoLevelMetrics.unbind();
        }
    }

    private void bindMetrics(MetricRegistry r) {
        sharedMetrics.bind(r, shared.all());
        twoLevelMetrics.bind(r, twoLevel.all());
    }

    @Activate
    void activate(RedisCachesConfig config, BundleContext context) {
        String prefix = config.keyPrefix() == null || config.keyPrefix().isBlank() ? "ludus:cache" : config.keyPrefix().trim();
        long timeout = Math.max(1, Math.min(5000, config.timeoutMillis()));
        long retry = Math.max(10, Math.min(60_000, config.retryMillis()));
        int nearMax = Math.max(1, Math.min(10_000_000, config.nearMaxEntries()));
        Duration nearTtl = Duration.ofMillis(Math.max(10, Math.min(3_600_000, config.nearTimeToLiveMillis())));
        String bundle = context.getBundle().getSymbolicName();
        String version = context.getBundle().getVersion().toString();
        sharedMetrics.bundle(bundle, version);
        twoLevelMetrics.bundle(bundle, version);
        SharedStore[] stores = new SharedStore[2];
        link = new RedisLink(redis, prefix, timeout, retry, message -> {
            if (stores[1] != null) {
                stores[1].invalidation(message);
            }
        }, () -> {
            if (stores[1] != null) {
                stores[1].forgetNear();
            }
        });
        Resilience r0 = resilience;
        if (r0 != null) {
            link.policy(r0.policy(POLICY));
        }
        shared = new SharedStore(link, prefix, 0, nearTtl, sharedMetrics::added, sharedMetrics::removed);
        twoLevel = new SharedStore(link, prefix, nearMax, nearTtl, twoLevelMetrics::added, twoLevelMetrics::removed);
        stores[0] = shared;
        stores[1] = twoLevel;
        MetricRegistry r = registry;
        if (r != null) {
            bindMetrics(r);
        }
        active = true;
        sharedRegistration = OwnedCaches.register(context, "redis", shared);
        twoLevelRegistration = OwnedCaches.register(context, "two-level", twoLevel);
        LOG.info("shared caches on {} (keys {}:*, command timeout {} ms; two-level: near-caches of {} entries for {} ms)",
                redis.target(), prefix, timeout, nearMax, nearTtl.toMillis());
    }

    @Deactivate
    void deactivate() {
        active = false;
        OwnedCaches.unregister(sharedRegistration);
        OwnedCaches.unregister(twoLevelRegistration);
        shared.close();
        twoLevel.close();
        link.close();
        sharedMetrics.unbind();
        twoLevelMetrics.unbind();
    }

    @Override
    public String name() {
        return "cache-redis";
    }

    /** Ready once the first attempt to reach Redis has ended: the node does not take players with the caches still connecting. */
    @Override
    public boolean ready() {
        return link.tried();
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("target", link.target());
        d.put("sharedCaches", shared.count());
        d.put("twoLevelCaches", twoLevel.count());
        d.put("redisErrors", link.errors.sum());
        dev.ludus.api.resilience.Policy p = link.policy();
        d.put("policy", p == null ? "none (no resilience service)" : p.name());
        d.put("refusedByPolicy", link.refused.sum());
        if (link.isAway()) {
            return HealthResult.degraded("Redis away (" + link.problem() + "): reads go to the loaders"
                    + " and near-caches, writes stay on this node", d);
        }
        return HealthResult.up(d);
    }
}
