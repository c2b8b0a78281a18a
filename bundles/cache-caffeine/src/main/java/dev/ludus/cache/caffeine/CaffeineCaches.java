package dev.ludus.cache.caffeine;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.cache.support.CacheMetrics;
import dev.ludus.cache.support.OwnedCaches;

/**
 * Publishes {@link Caches} ({@code ludus.cache=caffeine}) with bundle scope: each bundle that gets
 * it is the owner of the caches it makes, and they are dropped when it lets go of the service
 * (the framework does so when the bundle stops, and so before it is updated or uninstalled). Also
 * reports health ({@code cache-caffeine}: caches and entries held) and each cache's metrics.
 */
@Component(service = HealthCheck.class, immediate = true)
public final class CaffeineCaches implements HealthCheck {

    static final String TYPE = "caffeine";

    private final CacheMetrics metrics = new CacheMetrics("local");
    private final LocalCacheStore store = new LocalCacheStore(metrics::added, metrics::removed);
    private ServiceRegistration<?> registration;
    private volatile MetricRegistry registry;
    private volatile boolean active;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(MetricRegistry r) {
        registry = r;
        if (active) {
            metrics.bind(r, store.all());
        }
    }

    void unbindRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            metrics.unbind();
        }
    }

    @Activate
    void activate(BundleContext context) {
        metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
        MetricRegistry r = registry;
        if (r != null) {
            metrics.bind(r, store.all());
        }
        active = true;
        registration = OwnedCaches.register(context, TYPE, store);
    }

    @Deactivate
    void deactivate() {
        active = false;
        OwnedCaches.unregister(registration);
        registration = null;
        store.close();
        metrics.unbind();
    }

    @Override
    public String name() {
        return "cache-caffeine";
    }

    @Override
    public HealthResult check() {
        return HealthResult.up(Map.of("caches", store.count(), "entries", store.entries()));
    }
}
