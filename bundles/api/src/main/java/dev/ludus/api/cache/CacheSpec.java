package dev.ludus.api.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a cache is: its name (unique within the owning bundle), its codec, and its bounds: at most
 * {@code maxEntries} entries on a node (the least useful go first), each kept at most
 * {@code timeToLive} after it was written (the bound on staleness when no invalidation reaches it).
 *
 * @throws CacheException {@code cache_invalid_name} or {@code cache_invalid_bounds}
 */
public record CacheSpec<V>(String name, CacheCodec<V> codec, long maxEntries, Duration timeToLive) {

    /** Longest key, in characters. */
    public static final int MAX_KEY_LENGTH = 512;
    public static final long DEFAULT_MAX_ENTRIES = 10_000;
    public static final Duration DEFAULT_TIME_TO_LIVE = Duration.ofMinutes(10);
    private static final long MOST_ENTRIES = 100_000_000L;
    private static final Duration LONGEST = Duration.ofDays(30);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public CacheSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new CacheException("cache_invalid_name", "a cache name is 1 to 64 of a-z 0-9 . _ - "
                    + "(starting with a letter or digit), got " + (name == null ? "null" : "'" + name + "'"));
        }
        Objects.requireNonNull(codec, "codec");
        if (maxEntries < 1 || maxEntries > MOST_ENTRIES) {
            throw new CacheException("cache_invalid_bounds", "cache " + name + ": maxEntries must be 1 to "
                    + MOST_ENTRIES + ", got " + maxEntries);
        }
        if (timeToLive == null || timeToLive.isNegative() || timeToLive.isZero() || timeToLive.compareTo(LONGEST) > 0) {
            throw new CacheException("cache_invalid_bounds", "cache " + name + ": timeToLive must be over 0 and at most "
                    + "30 days, got " + timeToLive);
        }
    }

    /** A cache of {@value #DEFAULT_MAX_ENTRIES} entries kept at most ten minutes. */
    public static <V> CacheSpec<V> of(String name, CacheCodec<V> codec) {
        return new CacheSpec<>(name, codec, DEFAULT_MAX_ENTRIES, DEFAULT_TIME_TO_LIVE);
    }

    public CacheSpec<V> withMaxEntries(long max) {
        return new CacheSpec<>(name, codec, max, timeToLive);
    }

    public CacheSpec<V> withTimeToLive(Duration ttl) {
        return new CacheSpec<>(name, codec, maxEntries, ttl);
    }

    /**
     * Checks a key as every cache must before it looks anything up.
     *
     * @throws CacheException {@code cache_invalid_key} for a null, blank or too long key
     */
    public static String checkKey(String key) {
        if (key == null || key.isBlank() || key.length() > MAX_KEY_LENGTH) {
            throw new CacheException("cache_invalid_key", "a cache key is 1 to " + MAX_KEY_LENGTH
                    + " characters, not blank, got " + (key == null ? "null" : key.length() + " characters"));
        }
        return key;
    }
}
