package dev.ludus.cache.support;

import dev.ludus.api.cache.CacheStats;

/** What the metrics read of a cache. */
public interface CacheView {

    String name();

    Owner owner();

    CacheStats stats();
}
