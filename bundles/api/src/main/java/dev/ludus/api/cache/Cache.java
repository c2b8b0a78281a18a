package dev.ludus.api.cache;

import java.util.Collection;
import java.util.Map;
import java.util.function.Function;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A named cache of one bundle. Keys are non-blank strings of at most
 * {@value CacheSpec#MAX_KEY_LENGTH} characters; values are never {@code null}. Thread-safe. A
 * failure of the cache itself (a shared store that cannot be reached, a value its codec cannot
 * read) is never thrown at the caller: a read answers as a miss and a write is dropped, and the
 * implementation counts and reports it.
 */
@ProviderType
public interface Cache<V> {

    /** The name it was made with. */
    String name();

    /** The cached value of {@code key}, or {@code null}. */
    V getIfPresent(String key);

    /**
     * The cached value of {@code key}, or else {@code loader}'s, which is cached. Callers asking on
     * this node for the same key at once share one call of the loader. A loader that returns
     * {@code null} caches nothing (and {@code null} is returned); what it throws reaches the
     * caller, and nothing is cached.
     */
    V get(String key, Function<String, ? extends V> loader);

    /** The cached values of {@code keys}, the absent ones left out; one round trip for a shared store. */
    Map<String, V> getAll(Collection<String> keys);

    /** Caches {@code value} under {@code key}, replacing what was there (here and on every node). */
    void put(String key, V value);

    /** Removes {@code key}, here and from every node sharing this cache. */
    void invalidate(String key);

    /** Removes everything, here and from every node sharing this cache. */
    void invalidateAll();
}
