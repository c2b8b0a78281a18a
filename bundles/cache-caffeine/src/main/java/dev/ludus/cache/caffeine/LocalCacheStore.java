package dev.ludus.cache.caffeine;

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
 * Every cache of this node's memory, by owner and name. An owner's caches are closed (emptied,
 * and answering from their loaders) when it goes; closing the store closes them all.
 */
final class LocalCacheStore implements CacheStore {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCacheStore.class);

    private record Id(long owner, String name) {
    }

    private final Map<Id, LocalCache<?>> caches = new ConcurrentHashMap<>();
    private final Consumer<LocalCache<?>> added;
    private final Consumer<LocalCache<?>> removed;
    private final com.github.benmanes.caffeine.cache.Ticker ticker;
    private volatile boolean closed;

    /** {@code added} and {@code removed} hear of each cache made and closed (metrics). */
    LocalCacheStore(Consumer<LocalCache<?>> added, Consumer<LocalCache<?>> removed) {
        this(added, removed, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    /** With a clock of its own (tests). */
    LocalCacheStore(Consumer<LocalCache<?>> added, Consumer<LocalCache<?>> removed,
                    com.github.benmanes.caffeine.cache.Ticker ticker) {
        this.added = added;
        this.removed = removed;
        this.ticker = ticker;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Cache<V> cache(Owner owner, CacheSpec<V> spec) {
        Id id = new Id(owner.id(), spec.name());
        LocalCache<?> c = caches.get(id);
        if (c != null) {
            c.reconfigure(spec);
            return (Cache<V>) c;
        }
        boolean[] made = new boolean[1];
        c = caches.computeIfAbsent(id, i -> {
            made[0] = true;
            return new LocalCache<>(owner, spec, ticker);
        });
        if (made[0]) {
            LOG.info("cache {} of {} made: at most {} entries, {} each", spec.name(), owner, spec.maxEntries(),
                    spec.timeToLive());
            added.accept(c);
            if (closed) { // the store closed meanwhile
                drop(id);
            }
        } else {
            c.reconfigure(spec);
        }
        return (Cache<V>) c;
    }

    @Override
    public void drop(Owner owner) {
        int n = 0;
        for (Id id : List.copyOf(caches.keySet())) {
            if (id.owner() == owner.id()) {
                drop(id);
                n++;
            }
        }
        if (n > 0) {
            LOG.info("{} cache(s) of {} dropped", n, owner);
        }
    }

    private void drop(Id id) {
        LocalCache<?> c = caches.remove(id);
        if (c != null) {
            c.close();
            removed.accept(c);
        }
    }

    @Override
    public boolean invalidateAll(String ownerName, String name) {
        boolean found = false;
        for (LocalCache<?> c : caches.values()) {
            if (c.owner().name().equals(ownerName) && c.name().equals(name)) {
                c.invalidateAll();
                found = true;
            }
        }
        return found;
    }

    @Override
    public List<CacheStats> stats() {
        List<CacheStats> all = new ArrayList<>();
        caches.values().forEach(c -> all.add(c.stats()));
        all.sort(Comparator.comparing(CacheStats::owner).thenComparing(CacheStats::name));
        return all;
    }

    /** The caches open now. */
    List<LocalCache<?>> all() {
        return List.copyOf(caches.values());
    }

    int count() {
        return caches.size();
    }

    long entries() {
        return caches.values().stream().mapToLong(LocalCache::size).sum();
    }

    void close() {
        closed = true;
        List.copyOf(caches.keySet()).forEach(this::drop);
    }
}
