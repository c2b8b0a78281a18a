package dev.ludus.chaos;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook;

/**
 * The service hooks that put a proxy between callers and a service: while a service is proxied,
 * every bundle but this one (and the framework) stops finding it, and is not told of its
 * registration or of a change to it, so callers see the proxy alone. Its departure is never hidden:
 * a caller still holding the original (one that does not rebind to a better-ranked service) must
 * learn that it went away.
 */
final class Hiding implements FindHook, EventListenerHook {

    private final long self;
    private final Set<Long> hidden = ConcurrentHashMap.newKeySet();

    Hiding(long selfBundleId) {
        this.self = selfBundleId;
    }

    void hide(long serviceId) {
        hidden.add(serviceId);
    }

    void show(long serviceId) {
        hidden.remove(serviceId);
    }

    int size() {
        return hidden.size();
    }

    private boolean exempt(BundleContext context) {
        if (context == null) {
            return true;
        }
        try {
            long id = context.getBundle().getBundleId();
            return id == self || id == 0;
        } catch (IllegalStateException stale) {
            return true;
        }
    }

    private boolean isHidden(ServiceReference<?> ref) {
        return !hidden.isEmpty() && hidden.contains((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    @Override
    public void find(BundleContext context, String name, String filter, boolean allServices,
                     Collection<ServiceReference<?>> references) {
        if (hidden.isEmpty() || exempt(context)) {
            return;
        }
        try {
            references.removeIf(this::isHidden);
        } catch (UnsupportedOperationException immutable) {
            // the framework handed a collection it does not let hooks shrink: nothing to hide
        }
    }

    @Override
    public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerHook.ListenerInfo>> listeners) {
        int type = event.getType();
        if ((type != ServiceEvent.REGISTERED && type != ServiceEvent.MODIFIED) || !isHidden(event.getServiceReference())) {
            return;
        }
        Bundle[] using = event.getServiceReference().getUsingBundles();
        listeners.keySet().removeIf(c -> !exempt(c) && !(type == ServiceEvent.MODIFIED && uses(using, c)));
    }

    private static boolean uses(Bundle[] using, BundleContext c) {
        if (using == null) {
            return false;
        }
        try {
            for (Bundle b : using) {
                if (b.getBundleId() == c.getBundle().getBundleId()) {
                    return true;
                }
            }
        } catch (IllegalStateException stale) {
            return false;
        }
        return false;
    }
}
