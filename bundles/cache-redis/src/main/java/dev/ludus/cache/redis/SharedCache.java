package dev.ludus.cache.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheCodec;
import dev.ludus.api.cache.CacheException;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.cache.support.ManagedCache;
import dev.ludus.cache.support.Owner;

/**
 * One bundle's cache in Redis, shared by every node: an entry is the codec's bytes under
 * {@code <prefix>:<owner>:<owner version>:<name>:<key>} with the cache's time to live, so two
 * versions of a bundle never read each other's bytes. With a near-cache (two-level), each node also
 * keeps recent values in a small Caffeine cache, dropped on every node when the entry changes (an
 * invalidation through Redis pub/sub) and at most the near time to live after it was fetched.
 *
 * <p>Redis away: reads are misses answered by the loader (two-level: the near-cache still
 * serves), writes go to the near-cache only, and nothing is thrown at the caller. Once closed (its
 * owner stopped) it holds nothing and answers every read from the loader.
 */
final class SharedCache<V> implements Cache<V>, ManagedCache {

    private static final Logger LOG = LoggerFactory.getLogger(SharedCache.class);

    private final Owner owner;
    private final String name;
    private final String keyspace;
    private final RedisLink redis;
    private final Class<?> codecClass;
    private final com.github.benmanes.caffeine.cache.Cache<String, V> near; // null: Redis only
    private final Map<String, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder loadNanos = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private volatile CacheSpec<V> spec;
    private volatile boolean closed;

    SharedCache(Owner owner, CacheSpec<V> spec, RedisLink redis, String prefix, int nearMaxEntries,
                Duration nearTimeToLive) {
        this.owner = owner;
        this.name = spec.name();
        this.spec = spec;
        this.redis = redis;
        this.codecClass = spec.codec().getClass();
        this.keyspace = prefix + ":" + owner.name() + ":" + owner.version() + ":" + name + ":";
        if (nearMaxEntries > 0) {
            Duration ttl = spec.timeToLive().compareTo(nearTimeToLive) < 0 ? spec.timeToLive() : nearTimeToLive;
            near = Caffeine.newBuilder().maximumSize(Math.min(spec.maxEntries(), nearMaxEntries)).expireAfterWrite(ttl)
                    .executor(Runnable::run).recordStats().build();
        } else {
            near = null;
        }
    }

    @Override
    public Owner owner() {
        return owner;
    }

    @Override
    public String name() {
        return name;
    }

    /** Where its entries are in Redis: the key prefix of this owner's version and this cache. */
    String keyspace() {
        return keyspace;
    }

    @Override
    public void reconfigure(CacheSpec<?> next) {
        if (next.codec().getClass() != codecClass) {
            throw new CacheException("cache_codec_changed", "cache " + name + " of " + owner + " exists with codec "
                    + codecClass.getName() + ", asked with " + next.codec().getClass().getName());
        }
        @SuppressWarnings("unchecked")
        CacheSpec<V> s = (CacheSpec<V>) next;
        spec = s; // Redis entries keep the time to live they were written with; new writes take the new one
    }

    @Override
    public V getIfPresent(String key) {
        CacheSpec.checkKey(key);
        if (closed) {
            misses.increment();
            return null;
        }
        V v = fromNear(key);
        if (v == null) {
            v = fromRedis(key);
        }
        count(v != null);
        return v;
    }

    @Override
    public V get(String key, Function<String, ? extends V> loader) {
        CacheSpec.checkKey(key);
        if (closed) {
            misses.increment();
            return load(key, loader);
        }
        V v = fromNear(key);
        if (v != null) {
            hits.increment();
            return v;
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> other = loading.putIfAbsent(key, mine);
        if (other != null) { // another caller of this node is at it: share its answer
            try {
                V shared = other.join();
                count(shared != null);
                return shared;
            } catch (CompletionException e) {
                throw rethrow(e.getCause());
            }
        }
        try {
            v = fromRedis(key);
            count(v != null);
            if (v == null) {
                v = load(key, loader);
                if (v != null) {
                    store(key, v, false);
                }
            }
            mine.complete(v);
            return v;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(key, mine);
        }
    }

    private V load(String key, Function<String, ? extends V> loader) {
        long start = System.nanoTime();
        try {
            return loader.apply(key);
        } finally {
            loads.increment();
            loadNanos.add(System.nanoTime() - start);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new CompletionException(t);
    }

    @Override
    public Map<String, V> getAll(Collection<String> keys) {
        keys.forEach(CacheSpec::checkKey);
        Map<String, V> found = new LinkedHashMap<>();
        if (closed) {
            misses.add(keys.size());
            return found;
        }
        java.util.Set<String> missing = new java.util.LinkedHashSet<>();
        for (String k : keys) {
            V v = fromNear(k);
            if (v != null) {
                found.put(k, v);
            } else {
                missing.add(k);
            }
        }
        List<String> rest = new ArrayList<>(missing);
        if (!rest.isEmpty() && redis.usable()) {
            List<String> redisKeys = new ArrayList<>(rest.size());
            rest.forEach(k -> redisKeys.add(keyspace + k));
            try {
                List<byte[]> values = redis.mget(redisKeys);
                for (int i = 0; i < rest.size(); i++) {
                    V v = decode(rest.get(i), values.get(i));
                    if (v != null) {
                        found.put(rest.get(i), v);
                        if (near != null) {
                            near.put(rest.get(i), v);
                        }
                    }
                }
            } catch (RedisLink.Away away) {
                errors.increment();
            }
        }
        hits.add(found.size());
        misses.add(keys.size() - found.size());
        return found;
    }

    @Override
    public void put(String key, V value) {
        CacheSpec.checkKey(key);
        if (value == null) {
            throw new CacheException("cache_null_value", "cache " + name + ": a value must not be null (invalidate the key instead)");
        }
        if (!closed) {
            store(key, value, true);
        }
    }

    /** Writes through to Redis; a changed value ({@code announce}) drops the other nodes' near copies. */
    private void store(String key, V value, boolean announce) {
        byte[] bytes;
        try {
            bytes = spec.codec().encode(value);
        } catch (RuntimeException e) {
            errors.increment();
            LOG.warn("cache {} of {}: value of {} not encoded, not cached: {}", name, owner, key, e.toString());
            return;
        }
        if (near != null) {
            near.put(key, value);
        }
        if (!redis.usable()) {
            return;
        }
        try {
            redis.set(keyspace + key, bytes, spec.timeToLive().toMillis());
            if (announce && near != null) {
                redis.publish(invalidation(key));
            }
        } catch (RedisLink.Away away) {
            errors.increment();
        }
    }

    @Override
    public void invalidate(String key) {
        CacheSpec.checkKey(key);
        if (near != null) {
            near.invalidate(key);
        }
        if (redis.usable()) {
            try {
                redis.delete(List.of(keyspace + key));
            } catch (RedisLink.Away away) {
                errors.increment();
            }
            redis.publish(invalidation(key));
        }
    }

    @Override
    public void invalidateAll() {
        if (near != null) {
            near.invalidateAll();
        }
        if (redis.usable()) {
            try {
                redis.deleteMatching(keyspace + "*");
            } catch (RedisLink.Away away) {
                errors.increment();
            }
            redis.publish(invalidation(""));
        }
    }

    /** An invalidation from another node: {@code key}, or everything when empty. */
    void invalidatedElsewhere(String key) {
        if (near != null) {
            if (key.isEmpty()) {
                near.invalidateAll();
            } else {
                near.invalidate(key);
            }
        }
    }

    /** Redis was away: what this node holds may have missed invalidations. */
    void forgetNear() {
        if (near != null) {
            near.invalidateAll();
        }
    }

    /** {@code node \u0000 owner \u0000 version \u0000 cache \u0000 key}. */
    private String invalidation(String key) {
        return redis.node + '\u0000' + owner.name() + '\u0000' + owner.version() + '\u0000' + name + '\u0000' + key;
    }

    private V fromNear(String key) {
        return near == null ? null : near.getIfPresent(key);
    }

    private V fromRedis(String key) {
        if (!redis.usable()) {
            return null;
        }
        try {
            V v = decode(key, redis.get(keyspace + key));
            if (v != null && near != null) {
                near.put(key, v);
            }
            return v;
        } catch (RedisLink.Away away) {
            errors.increment();
            return null;
        }
    }

    private V decode(String key, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        CacheCodec<V> codec = spec.codec();
        try {
            return codec.decode(bytes);
        } catch (RuntimeException e) {
            errors.increment();
            LOG.warn("cache {} of {}: entry {} unreadable ({}); dropped", name, owner, key, e.toString());
            try {
                redis.delete(List.of(keyspace + key));
            } catch (RedisLink.Away away) {
                // counted
            }
            return null;
        }
    }

    private void count(boolean hit) {
        (hit ? hits : misses).increment();
    }

    @Override
    public void close() {
        closed = true;
        if (near != null) {
            near.invalidateAll();
            near.cleanUp();
        }
    }

    @Override
    public CacheStats stats() {
        long evictions = near == null ? 0 : near.stats().evictionCount();
        long size = near == null ? 0 : near.estimatedSize();
        return new CacheStats(owner.name(), owner.version(), name, near == null ? "shared" : "two-level", hits.sum(),
                misses.sum(), loads.sum(), loadNanos.sum(), evictions, size, spec.maxEntries(), errors.sum());
    }

    @Override
    public String toString() {
        return "cache " + name + " of " + owner + (closed ? " (closed)" : "");
    }
}
