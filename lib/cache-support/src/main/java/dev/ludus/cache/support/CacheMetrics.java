package dev.ludus.cache.support;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;

/**
 * Each cache's figures as gauges in the node's registry while one is bound, labelled with the
 * cache, its owner and level, and this bundle's name and version: {@code ludus_cache_hits},
 * {@code _misses}, {@code _hit_ratio}, {@code _loads}, {@code _load_seconds} (total time in loaders),
 * {@code _evictions}, {@code _size}, {@code _max_entries}, {@code _errors}.
 */
public final class CacheMetrics {

    public static final String PREFIX = "ludus_cache_";
    private static final Map<String, ToDoubleFunction<CacheStats>> FAMILIES = Map.of(
            "hits", CacheStats::hits,
            "misses", CacheStats::misses,
            "hit_ratio", CacheStats::hitRatio,
            "loads", CacheStats::loads,
            "load_seconds", s -> s.loadNanos() / 1e9,
            "evictions", CacheStats::evictions,
            "size", CacheStats::size,
            "max_entries", CacheStats::maxEntries,
            "errors", CacheStats::errors);

    private final String level;
    private Map<String, String> bundle = Map.of();
    private MetricRegistry bound; // guarded by this

    public CacheMetrics(String level) {
        this.level = level;
    }

    public synchronized void bundle(String name, String version) {
        bundle = Map.of(MetricLabels.BUNDLE, name, MetricLabels.BUNDLE_VERSION, version);
    }

    public synchronized void bind(MetricRegistry registry, Iterable<? extends CacheView> caches) {
        unbind();
        bound = registry;
        caches.forEach(this::added);
    }

    public synchronized void unbind() {
        if (bound != null) {
            MetricRegistry r = bound;
            bound = null;
            r.removeMatching((name, metric) -> name.startsWith(PREFIX) && name.contains(mine()));
        }
    }

    public synchronized void added(CacheView cache) {
        if (bound == null) {
            return;
        }
        FAMILIES.forEach((family, value) -> {
            String name = name(cache, family);
            bound.remove(name);
            bound.register(name, (Gauge<Double>) () -> value.applyAsDouble(cache.stats()));
        });
    }

    public synchronized void removed(CacheView cache) {
        if (bound != null) {
            FAMILIES.keySet().forEach(family -> bound.remove(name(cache, family)));
        }
    }

    private String name(CacheView cache, String family) {
        Map<String, String> l = new TreeMap<>(bundle);
        l.put("cache", cache.name());
        l.put("owner", cache.owner().name());
        l.put("level", level);
        return MetricName.of(PREFIX + family, l).toString();
    }

    private String mine() {
        return "level=\"" + level + "\"";
    }
}
