package dev.ludus.api.cache;

/**
 * One cache's figures on this node, since it was made: reads that found a value ({@code hits}) or
 * not ({@code misses}), loader calls and their total time, entries evicted by the bounds, entries
 * held now, and failures of the cache itself (a shared store away, an unreadable value).
 *
 * @param owner the symbolic name of the bundle that made it
 * @param level {@code local}, {@code shared}, or {@code two-level}
 */
public record CacheStats(String owner, String ownerVersion, String name, String level, long hits, long misses,
                         long loads, long loadNanos, long evictions, long size, long maxEntries, long errors) {

    /** Hits over reads, 0 when there was no read. */
    public double hitRatio() {
        long reads = hits + misses;
        return reads == 0 ? 0 : (double) hits / reads;
    }
}
