package dev.ludus.cache.caffeine;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.stats.CacheStats;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheException;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.cache.support.ManagedCache;
import dev.ludus.cache.support.Owner;

/**
 * One bundle's cache in this node's memory: a Caffeine cache (W-TinyLFU eviction, expiry after
 * write) holding the values themselves. Once closed (its owner stopped, or the bundle providing it
 * went) it holds nothing and answers every read from the loader: the owner's classes are no longer
 * referenced, and a caller never gets an error for it.
 */
final class LocalCache<V> implements Cache<V>, ManagedCache {

    private final Owner owner;
    private final String name;
    private final Class<?> codecClass;
    private final com.github.benmanes.caffeine.cache.Cache<String, V> cache;
    private final LongAdder afterClose = new LongAdder();
    private volatile CacheSpec<V> spec;
    private volatile boolean closed;

    LocalCache(Owner owner, CacheSpec<V> spec) {
        this(owner, spec, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    /** With a clock of its own (tests). */
    LocalCache(Owner owner, CacheSpec<V> spec, com.github.benmanes.caffeine.cache.Ticker ticker) {
        this.owner = owner;
        this.name = spec.name();
        this.codecClass = spec.codec().getClass();
        this.spec = spec;
        // Maintenance on the calling thread: no task of the pool holds an entry of a stopped owner.
        this.cache = Caffeine.newBuilder().maximumSize(spec.maxEntries()).expireAfterWrite(spec.timeToLive())
                .executor(Runnable::run).ticker(ticker).recordStats().build();
    }

    @Override
    public Owner owner() {
        return owner;
    }

    /** Applies other bounds; the entries stay, within them. */
    @Override
    @SuppressWarnings("unchecked")
    public void reconfigure(CacheSpec<?> next) {
        if (next.codec().getClass() != codecClass) {
            throw new CacheException("cache_codec_changed", "cache " + name + " of " + owner + " exists with codec "
                    + codecClass.getName() + ", asked with " + next.codec().getClass().getName());
        }
        CacheSpec<V> was = spec;
        if (was.maxEntries() == next.maxEntries() && was.timeToLive().equals(next.timeToLive())) {
            return;
        }
        Policy<String, V> p = cache.policy();
        p.eviction().ifPresent(e -> e.setMaximum(next.maxEntries()));
        p.expireAfterWrite().ifPresent(e -> e.setExpiresAfter(next.timeToLive()));
        spec = (CacheSpec<V>) next;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public V getIfPresent(String key) {
        CacheSpec.checkKey(key);
        if (closed) {
            afterClose.increment();
            return null;
        }
        return cache.getIfPresent(key);
    }

    @Override
    public V get(String key, Function<String, ? extends V> loader) {
        CacheSpec.checkKey(key);
        if (closed) {
            afterClose.increment();
            return loader.apply(key);
        }
        return cache.get(key, loader);
    }

    @Override
    public Map<String, V> getAll(Collection<String> keys) {
        keys.forEach(CacheSpec::checkKey);
        if (closed) {
            afterClose.increment();
            return Map.of();
        }
        return cache.getAllPresent(keys);
    }

    @Override
    public void put(String key, V value) {
        CacheSpec.checkKey(key);
        if (value == null) {
            throw new CacheException("cache_null_value", "cache " + name + ": a value must not be null (invalidate the key instead)");
        }
        if (!closed) {
            cache.put(key, value);
        }
    }

    @Override
    public void invalidate(String key) {
        CacheSpec.checkKey(key);
        cache.invalidate(key);
    }

    @Override
    public void invalidateAll() {
        cache.invalidateAll();
    }

    @Override
    public void close() {
        closed = true;
        cache.invalidateAll();
        cache.cleanUp();
    }

    long size() {
        return cache.estimatedSize();
    }

    @Override
    public dev.ludus.api.cache.CacheStats stats() {
        CacheStats s = cache.stats();
        return new dev.ludus.api.cache.CacheStats(owner.name(), owner.version(), name, "local", s.hitCount(),
                s.missCount() + afterClose.sum(), s.loadCount(), s.totalLoadTime(), s.evictionCount(),
                cache.estimatedSize(), spec.maxEntries(), 0);
    }

    @Override
    public String toString() {
        return "cache " + name + " of " + owner + (closed ? " (closed)" : "");
    }
}
