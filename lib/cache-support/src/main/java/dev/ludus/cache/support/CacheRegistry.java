package dev.ludus.cache.support;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;

/**
 * Every cache of one implementation on this node, by owner and name: made on first use, given
 * other bounds when asked again, closed when their owner goes (or the registry closes). Subclasses
 * say how a cache is made.
 */
public abstract class CacheRegistry<C extends ManagedCache> implements CacheStore {

    private record Id(long owner, String name) {
    }

    private final Map<Id, C> caches = new ConcurrentHashMap<>();
    private final Consumer<? super C> added;
    private final Consumer<? super C> removed;
    private volatile boolean closed;

    /** {@code added} and {@code removed} hear of each cache made and closed (metrics). */
    protected CacheRegistry(Consumer<? super C> added, Consumer<? super C> removed) {
        this.added = added;
        this.removed = removed;
    }

    /** A new cache of {@code owner} as {@code spec} says. */
    protected abstract C make(Owner owner, CacheSpec<?> spec);

    /** Told once a cache is made (a log line). */
    protected void made(C cache, CacheSpec<?> spec) {
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Cache<V> cache(Owner owner, CacheSpec<V> spec) {
        Id id = new Id(owner.id(), spec.name());
        boolean[] fresh = new boolean[1];
        C c = caches.computeIfAbsent(id, i -> {
            fresh[0] = true;
            return make(owner, spec);
        });
        if (fresh[0]) {
            made(c, spec);
            added.accept(c);
            if (closed) { // the registry closed meanwhile
                drop(id);
            }
        } else {
            c.reconfigure(spec);
        }
        return (Cache<V>) c;
    }

    @Override
    public void drop(Owner owner) {
        for (Id id : List.copyOf(caches.keySet())) {
            if (id.owner() == owner.id()) {
                drop(id);
            }
        }
    }

    private void drop(Id id) {
        C c = caches.remove(id);
        if (c != null) {
            c.close();
            removed.accept(c);
        }
    }

    @Override
    public boolean invalidateAll(String ownerName, String name) {
        boolean found = false;
        for (C c : caches.values()) {
            if (c.owner().name().equals(ownerName) && c.name().equals(name)) {
                c.invalidateAll();
                found = true;
            }
        }
        return found;
    }

    @Override
    public List<CacheStats> stats() {
        List<CacheStats> all = new ArrayList<>();
        caches.values().forEach(c -> all.add(c.stats()));
        all.sort(Comparator.comparing(CacheStats::owner).thenComparing(CacheStats::name));
        return all;
    }

    /** The caches open now. */
    public List<C> all() {
        return List.copyOf(caches.values());
    }

    public int count() {
        return caches.size();
    }

    /** Closes every cache. */
    public void close() {
        closed = true;
        List.copyOf(caches.keySet()).forEach(this::drop);
    }
}
