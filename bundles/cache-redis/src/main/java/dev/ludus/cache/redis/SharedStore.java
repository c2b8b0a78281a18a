package dev.ludus.cache.redis;

import java.time.Duration;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.cache.CacheSpec;
import dev.ludus.cache.support.CacheRegistry;
import dev.ludus.cache.support.Owner;

/**
 * Every shared cache of one mode on this node (Redis only, or two-level), by owner and name. An
 * owner's caches are closed when it goes: their near entries dropped; what is in Redis is bytes of
 * that owner's version, left to their time to live (other nodes may still run that version).
 */
final class SharedStore extends CacheRegistry<SharedCache<?>> {

    private static final Logger LOG = LoggerFactory.getLogger(SharedStore.class);

    private final RedisLink redis;
    private final String prefix;
    private final int nearMaxEntries;
    private final Duration nearTimeToLive;

    /** {@code nearMaxEntries} 0: Redis only. */
    SharedStore(RedisLink redis, String prefix, int nearMaxEntries, Duration nearTimeToLive,
                Consumer<SharedCache<?>> added, Consumer<SharedCache<?>> removed) {
        super(added, removed);
        this.redis = redis;
        this.prefix = prefix;
        this.nearMaxEntries = nearMaxEntries;
        this.nearTimeToLive = nearTimeToLive;
    }

    boolean twoLevel() {
        return nearMaxEntries > 0;
    }

    @Override
    protected SharedCache<?> make(Owner owner, CacheSpec<?> spec) {
        return new SharedCache<>(owner, spec, redis, prefix, nearMaxEntries, nearTimeToLive);
    }

    @Override
    protected void made(SharedCache<?> c, CacheSpec<?> spec) {
        LOG.info("{} cache {} of {} made: keys {}*, {} each{}", twoLevel() ? "two-level" : "shared", spec.name(),
                c.owner(), c.keyspace(), spec.timeToLive(), twoLevel() ? ", near-cache of " + Math.min(nearMaxEntries,
                spec.maxEntries()) + " entries for at most " + nearTimeToLive : "");
    }

    /** An invalidation from the channel: {@code node \u0000 owner \u0000 version \u0000 cache \u0000 key}. */
    void invalidation(String message) {
        String[] p = message.split("\u0000", -1);
        if (p.length != 5 || p[0].equals(redis.node)) {
            return; // not ours to read, or our own
        }
        for (SharedCache<?> c : all()) {
            if (c.owner().name().equals(p[1]) && c.owner().version().equals(p[2]) && c.name().equals(p[3])) {
                c.invalidatedElsewhere(p[4]);
            }
        }
    }

    /** Redis is back after being away: near entries may have missed invalidations. */
    void forgetNear() {
        all().forEach(SharedCache::forgetNear);
    }
}
