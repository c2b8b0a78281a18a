package dev.ludus.api.cache;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A cache implementation (local, shared, or the two in levels), as an OSGi service of bundle
 * scope: each bundle that gets it has caches of its own, which go when it ungets the service
 * (stops or is updated). The service property {@value #TYPE} names the implementation
 * ({@code caffeine}, {@code redis}, {@code two-level}); a reader picks one with a target filter.
 */
@ProviderType
public interface Caches {

    /** Service property: the implementation's name. */
    String TYPE = "ludus.cache";

    /**
     * The calling bundle's cache named {@code spec.name()}, made on the first call; a later call
     * with other bounds applies them to the same cache (its entries stay, within the new bounds).
     * Cheap enough to call on every read.
     *
     * @throws CacheException {@code cache_codec_changed} when the cache exists with another codec
     */
    <V> Cache<V> cache(CacheSpec<V> spec);

    /** Every cache of this implementation on this node, whoever made it (for health and the console). */
    List<CacheStats> stats();

    /**
     * Empties the cache {@code name} of the bundle {@code owner} (its symbolic name) here and, for a
     * shared cache, on every node (the operator's "invalidate" button).
     *
     * @return whether this node had such a cache
     */
    boolean invalidateAll(String owner, String name);
}
