package dev.ludus.cache.support;

import dev.ludus.api.cache.CacheSpec;

/** What a {@link CacheRegistry} does with the caches it holds. */
public interface ManagedCache extends CacheView {

    /**
     * Applies other bounds to the cache.
     *
     * @throws dev.ludus.api.cache.CacheException {@code cache_codec_changed} for another codec class
     */
    void reconfigure(CacheSpec<?> spec);

    /** Empties it, here and wherever it is shared. */
    void invalidateAll();

    /** Empties it for good: from now on it holds nothing and answers from the loaders. */
    void close();
}
