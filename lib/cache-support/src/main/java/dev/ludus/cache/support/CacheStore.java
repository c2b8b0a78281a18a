package dev.ludus.cache.support;

import java.util.List;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;

/** Every cache of one implementation on this node, by owner and name. */
public interface CacheStore {

    /** The owner's cache of that name, made on first call; other bounds are applied to it. */
    <V> Cache<V> cache(Owner owner, CacheSpec<V> spec);

    /** Closes every cache of {@code owner} (it stopped or is being updated): they hold nothing of it any more. */
    void drop(Owner owner);

    /** Empties the cache {@code name} of the bundle named {@code ownerName}; whether there was one. */
    boolean invalidateAll(String ownerName, String name);

    List<CacheStats> stats();
}
