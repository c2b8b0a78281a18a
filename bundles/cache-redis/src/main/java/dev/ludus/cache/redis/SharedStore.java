package dev.ludus.cache.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.cache.support.CacheStore;
import dev.ludus.cache.support.Owner;

/**
 * Every shared cache of one mode on this node (Redis only, or two-level), by owner and name. An
 * owner's caches are closed when it goes: their near entries dropped; what is in Redis is bytes of
 * that owner's version, left to their time to live (other nodes may still run that version).
 */
final class SharedStore implements CacheStore {

    private static final Logger LOG = LoggerFactory.getLogger(SharedStore.class);

    private record Id(long owner, String name) {
    }

    private final Map<Id, SharedCache<?>> caches = new ConcurrentHashMap<>();
    private final RedisLink redis;
    private final String prefix;
    private final int nearMaxEntries;
    private final Duration nearTimeToLive;
    private final Consumer<SharedCache<?>> added;
    private final Consumer<SharedCache<?>> removed;
    private volatile boolean closed;

    /** {@code nearMaxEntries} 0: Redis only. */
    SharedStore(RedisLink redis, String prefix, int nearMaxEntries, Duration nearTimeToLive,
                Consumer<SharedCache<?>> added, Consumer<SharedCache<?>> removed) {
        this.redis = redis;
        this.prefix = prefix;
        this.nearMaxEntries = nearMaxEntries;
        this.nearTimeToLive = nearTimeToLive;
        this.added = added;
        this.removed = removed;
    }

    boolean twoLevel() {
        return nearMaxEntries > 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Cache<V> cache(Owner owner, CacheSpec<V> spec) {
        Id id = new Id(owner.id(), spec.name());
        boolean[] made = new boolean[1];
        SharedCache<?> c = caches.computeIfAbsent(id, i -> {
            made[0] = true;
            return new SharedCache<>(owner, spec, redis, prefix, nearMaxEntries, nearTimeToLive);
        });
        if (made[0]) {
            LOG.info("{} cache {} of {} made: keys {}*, {} each{}", twoLevel() ? "two-level" : "shared", spec.name(),
                    owner, c.keyspace(), spec.timeToLive(), twoLevel() ? ", near-cache of " + Math.min(nearMaxEntries,
                    spec.maxEntries()) + " entries for at most " + nearTimeToLive : "");
            added.accept(c);
            if (closed) {
                drop(id);
            }
        } else {
            c.reconfigure(spec);
        }
        return (Cache<V>) c;
    }

    @Override
    public void drop(Owner owner) {
        for (Id id : List.copyOf(caches.keySet())) {
            if (id.owner() == owner.id()) {
                drop(id);
            }
        }
    }

    private void drop(Id id) {
        SharedCache<?> c = caches.remove(id);
        if (c != null) {
            c.close();
            removed.accept(c);
        }
    }

    @Override
    public boolean invalidateAll(String ownerName, String name) {
        boolean found = false;
        for (SharedCache<?> c : caches.values()) {
            if (c.owner().name().equals(ownerName) && c.name().equals(name)) {
                c.invalidateAll();
                found = true;
            }
        }
        return found;
    }

    /** An invalidation from the channel: {@code node \u0000 owner \u0000 version \u0000 cache \u0000 key}. */
    void invalidation(String message) {
        String[] p = message.split("\u0000", -1);
        if (p.length != 5 || p[0].equals(redis.node)) {
            return; // not ours to read, or our own
        }
        for (SharedCache<?> c : caches.values()) {
            if (c.owner().name().equals(p[1]) && c.owner().version().equals(p[2]) && c.name().equals(p[3])) {
                c.invalidatedElsewhere(p[4]);
            }
        }
    }

    /** Redis is back after being away: near entries may have missed invalidations. */
    void forgetNear() {
        caches.values().forEach(SharedCache::forgetNear);
    }

    @Override
    public List<CacheStats> stats() {
        List<CacheStats> all = new ArrayList<>();
        caches.values().forEach(c -> all.add(c.stats()));
        all.sort(Comparator.comparing(CacheStats::owner).thenComparing(CacheStats::name));
        return all;
    }

    List<SharedCache<?>> all() {
        return List.copyOf(caches.values());
    }

    int count() {
        return caches.size();
    }

    void close() {
        closed = true;
        List.copyOf(caches.keySet()).forEach(this::drop);
    }
}
