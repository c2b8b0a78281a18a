package dev.ludus.cache.caffeine;

import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import dev.ludus.api.cache.CacheSpec;
import dev.ludus.cache.support.CacheRegistry;
import dev.ludus.cache.support.Owner;

/**
 * Every cache of this node's memory, by owner and name. An owner's caches are closed (emptied,
 * and answering from their loaders) when it goes; closing the store closes them all.
 */
final class LocalCacheStore extends CacheRegistry<LocalCache<?>> {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCacheStore.class);

    private final Ticker ticker;

    /** {@code added} and {@code removed} hear of each cache made and closed (metrics). */
    LocalCacheStore(Consumer<LocalCache<?>> added, Consumer<LocalCache<?>> removed) {
        this(added, removed, Ticker.systemTicker());
    }

    /** With a clock of its own (tests). */
    LocalCacheStore(Consumer<LocalCache<?>> added, Consumer<LocalCache<?>> removed, Ticker ticker) {
        super(added, removed);
        this.ticker = ticker;
    }

    @Override
    protected LocalCache<?> make(Owner owner, CacheSpec<?> spec) {
        return new LocalCache<>(owner, spec, ticker);
    }

    @Override
    protected void made(LocalCache<?> cache, CacheSpec<?> spec) {
        LOG.info("cache {} of {} made: at most {} entries, {} each", spec.name(), cache.owner(), spec.maxEntries(),
                spec.timeToLive());
    }

    /** Entries held now, in every cache. */
    long entries() {
        return all().stream().mapToLong(LocalCache::size).sum();
    }
}
