package dev.ludus.cache.support;

import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;

import dev.ludus.api.cache.Cache;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;

/** The {@link Caches} one bundle got: its caches are its own, and go when it lets go of the service. */
public final class OwnedCaches implements Caches {

    private final CacheStore store;
    private final Owner owner;
    private volatile boolean released;

    public OwnedCaches(CacheStore store, Owner owner) {
        this.store = store;
        this.owner = owner;
    }

    /**
     * Registers {@code store} as the {@link Caches} service of type {@code type} with bundle scope:
     * each bundle that gets it owns what it makes, dropped when the framework takes the service
     * back from it (it stops, so also before an update or an uninstall).
     */
    public static ServiceRegistration<?> register(BundleContext context, String type, CacheStore store) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Caches.TYPE, type);
        AtomicLong uses = new AtomicLong();
        return context.registerService(Caches.class.getName(), new ServiceFactory<Caches>() {
            @Override
            public Caches getService(Bundle bundle, ServiceRegistration<Caches> reg) {
                return new OwnedCaches(store, new Owner(uses.incrementAndGet(), bundle.getSymbolicName(),
                        bundle.getVersion().toString()));
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<Caches> reg, Caches service) {
                ((OwnedCaches) service).release();
            }
        }, props);
    }

    /** Unregisters quietly (the bundle may be stopping already). */
    public static void unregister(ServiceRegistration<?> registration) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        }
    }

    public Owner owner() {
        return owner;
    }

    @Override
    public <V> Cache<V> cache(CacheSpec<V> spec) {
        Cache<V> c = store.cache(owner, spec);
        if (released) { // a late call from a bundle that is stopping: nothing of it stays
            store.drop(owner);
        }
        return c;
    }

    /** The bundle let go of the service (it stops or is being updated): its caches go. */
    public void release() {
        released = true;
        store.drop(owner);
    }

    @Override
    public List<CacheStats> stats() {
        return store.stats();
    }

    @Override
    public boolean invalidateAll(String ownerName, String name) {
        return store.invalidateAll(ownerName, name);
    }
}
