package dev.ludus.cache.caffeine;

import java.util.List;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;

/** The {@link Caches} one bundle got: its caches are its own. */
final class OwnedCaches implements Caches {

    private final LocalCacheStore store;
    private final Owner owner;
    private volatile boolean released;

    OwnedCaches(LocalCacheStore store, Owner owner) {
        this.store = store;
        this.owner = owner;
    }

    Owner owner() {
        return owner;
    }

    @Override
    public <V> Cache<V> cache(CacheSpec<V> spec) {
        Cache<V> c = store.cache(owner, spec);
        if (released) { // a late call from a bundle that is stopping: nothing of it stays
            store.drop(owner);
        }
        return c;
    }

    /** The bundle let go of the service (it stops or is being updated): its caches go. */
    void release() {
        released = true;
        store.drop(owner);
    }

    @Override
    public List<CacheStats> stats() {
        return store.stats();
    }

    @Override
    public boolean invalidateAll(String ownerName, String name) {
        return store.invalidateAll(ownerName, name);
    }
}
