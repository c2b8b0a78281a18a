package dev.ludus.chaos;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault while chaos is armed: every service its filter matches is given a proxy, registered
 * under the same interfaces with the same properties (so callers' target filters still match) and
 * a higher ranking, while the original is hidden from every other bundle ({@link Hiding}). Callers
 * that rebind to the best service (Ludus's references are greedy) move to the proxy at once;
 * one that keeps what it has is counted in {@link #stillOnOriginal()}. Stopping it shows the
 * originals again before taking the proxies away, so callers go back to them.
 */
final class ActiveFault implements ServiceTrackerCustomizer<Object, ActiveFault.Proxied> {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveFault.class);
    /** Every injection, one line each, under its own name so it can be routed or silenced. */
    static final Logger INJECTIONS = LoggerFactory.getLogger("dev.ludus.chaos.injections");
    /** How far above the original a proxy ranks. */
    static final int RANK_ABOVE = 1_000_000;
    /** Service properties the framework sets: never copied onto a proxy. */
    private static final Set<String> FRAMEWORK_PROPERTIES = Set.of(Constants.SERVICE_ID, Constants.OBJECTCLASS,
            Constants.SERVICE_BUNDLEID, Constants.SERVICE_SCOPE, Constants.SERVICE_RANKING);

    record Proxied(ServiceRegistration<?> registration, long originalId, String description) {
    }

    private final BundleContext context;
    private final Hiding hiding;
    private final ScheduledExecutorService timers;
    private final String pid;
    private volatile Settings.Fault settings;
    private volatile boolean armed = true;
    private ServiceTracker<Object, Proxied> tracker;
    private final Map<Long, Proxied> proxied = new ConcurrentHashMap<>();
    /** Services the filter matches that cannot be proxied: by service id, why. */
    private final Map<Long, String> unproxyable = new ConcurrentHashMap<>();

    final LongAdder calls = new LongAdder();
    final LongAdder delays = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();

    ActiveFault(BundleContext context, Hiding hiding, ScheduledExecutorService timers, String pid,
                Settings.Fault settings) {
        this.context = context;
        this.hiding = hiding;
        this.timers = timers;
        this.pid = pid;
        this.settings = settings;
    }

    String name() {
        return settings.name();
    }

    String pid() {
        return pid;
    }

    Settings.Fault settings() {
        return settings;
    }

    boolean armed() {
        return armed;
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    /** New settings for the same services (interface and target unchanged): taken by the next call. */
    void update(Settings.Fault s) {
        settings = s;
        LOG.warn("chaos: fault '{}' now {}", s.name(), s.describe());
    }

    void start() throws InvalidSyntaxException {
        tracker = new ServiceTracker<>(context, context.createFilter(settings.filter()), this);
        tracker.open(true); // every matching service, whatever this bundle's class space says
        LOG.warn("chaos: fault '{}' armed: {}; {} service(s) proxied", name(), settings.describe(), proxied.size());
        if (proxied.isEmpty() && unproxyable.isEmpty()) {
            LOG.warn("chaos: fault '{}' matches no service yet ({}); it will reach one when it registers", name(),
                    settings.filter());
        }
    }

    void stop() {
        armed = false; // calls already inside a proxy go straight through from now on
        if (tracker != null) {
            tracker.close();
            tracker = null;
        }
        unproxyable.clear();
        LOG.warn("chaos: fault '{}' disarmed ({} injected: {} delays, {} errors, {} time-outs)", name(),
                delays.sum() + errors.sum() + timeouts.sum(), delays.sum(), errors.sum(), timeouts.sum());
    }

    void injected(String kind, String where, String detail) {
        switch (kind) {
            case "error" -> errors.increment();
            case "timeout" -> timeouts.increment();
            default -> delays.increment();
        }
        INJECTIONS.warn("chaos: fault '{}' injected {} into {}: {}", name(), kind, where, detail);
    }

    @Override
    public Proxied addingService(ServiceReference<Object> ref) {
        long id = (Long) ref.getProperty(Constants.SERVICE_ID);
        Bundle owner = ref.getBundle();
        if (owner == null) {
            return null; // gone already
        }
        String[] names = (String[]) ref.getProperty(Constants.OBJECTCLASS);
        Class<?> service = null;
        List<Class<?>> interfaces = new ArrayList<>();
        for (String n : names) {
            Class<?> c;
            try {
                c = owner.loadClass(n);
            } catch (ClassNotFoundException | IllegalStateException e) {
                return refuse(id, ref, "its bundle cannot load " + n);
            }
            if (!c.isInterface()) {
                return refuse(id, ref, n + " is a class, not an interface: only services registered under interfaces"
                        + " can be proxied");
            }
            interfaces.add(c);
            if (n.equals(settings.service())) {
                service = c;
            }
        }
        if (service == null) {
            return refuse(id, ref, "it is not registered under " + settings.service());
        }
        Object original = context.getService(ref);
        if (original == null) {
            return null;
        }
        Object proxy;
        try {
            proxy = Proxy.newProxyInstance(new JoinedLoader(interfaces), interfaces.toArray(Class<?>[]::new),
                    new FaultProxy(this, original, service));
        } catch (IllegalArgumentException e) {
            context.ungetService(ref);
            return refuse(id, ref, "no proxy can implement its interfaces: " + e.getMessage());
        }
        ServiceRegistration<?> reg = context.registerService(names, proxy, proxyProperties(ref));
        hiding.hide(id); // after the proxy is there, so a caller looking meanwhile finds one or the other
        String description = "service " + id + " of " + owner.getSymbolicName() + " " + String.join(", ", names);
        Proxied p = new Proxied(reg, id, description);
        proxied.put(id, p);
        unproxyable.remove(id);
        LOG.warn("chaos: fault '{}' proxies {} (proxy is service {})", name(), description,
                reg.getReference().getProperty(Constants.SERVICE_ID));
        return p;
    }

    private Proxied refuse(long id, ServiceReference<?> ref, String why) {
        unproxyable.put(id, why);
        LOG.warn("chaos: fault '{}' cannot proxy service {} of {}: {}", name(), id,
                ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName(), why);
        return null;
    }

    private Hashtable<String, Object> proxyProperties(ServiceReference<?> ref) {
        Hashtable<String, Object> p = new Hashtable<>();
        for (String key : ref.getPropertyKeys()) {
            if (!FRAMEWORK_PROPERTIES.contains(key)) {
                p.put(key, ref.getProperty(key));
            }
        }
        Object rank = ref.getProperty(Constants.SERVICE_RANKING);
        long base = rank instanceof Integer i ? i : 0;
        p.put(Constants.SERVICE_RANKING, (int) Math.min(Integer.MAX_VALUE, base + RANK_ABOVE));
        p.put(Chaos.PROXY_PROPERTY, name());
        p.put(Chaos.ORIGINAL_PROPERTY, ref.getProperty(Constants.SERVICE_ID));
        return p;
    }

    @Override
    public void modifiedService(ServiceReference<Object> ref, Proxied p) {
        try {
            p.registration().setProperties(proxyProperties(ref));
        } catch (IllegalStateException gone) {
            // unregistered meanwhile: removedService follows
        }
    }

    @Override
    public void removedService(ServiceReference<Object> ref, Proxied p) {
        hiding.show(p.originalId()); // first, so callers leaving the proxy find the original
        proxied.remove(p.originalId());
        try {
            p.registration().unregister();
        } catch (IllegalStateException gone) {
            // the framework took it when this bundle stopped
        }
        try {
            context.ungetService(ref);
        } catch (IllegalStateException gone) {
            // this bundle is stopping
        }
        LOG.warn("chaos: fault '{}' no longer proxies {}", name(), p.description());
    }

    /** Bundles other than this one still calling an original directly (they did not rebind to the proxy). */
    List<String> stillOnOriginal() {
        List<String> out = new ArrayList<>();
        ServiceTracker<Object, Proxied> t = tracker;
        if (t == null) {
            return out;
        }
        ServiceReference<Object>[] refs = t.getServiceReferences();
        if (refs == null) {
            return out;
        }
        for (ServiceReference<Object> ref : refs) {
            Bundle[] using = ref.getUsingBundles();
            if (using == null) {
                continue;
            }
            for (Bundle b : using) {
                if (b.getBundleId() != context.getBundle().getBundleId()) {
                    out.add(b.getSymbolicName() + " (service " + ref.getProperty(Constants.SERVICE_ID) + ")");
                }
            }
        }
        return out;
    }

    Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pid", pid);
        d.put("fault", settings.describe());
        d.put("proxied", proxied.values().stream().map(Proxied::description).sorted().toList());
        if (!unproxyable.isEmpty()) {
            d.put("cannotProxy", new LinkedHashMap<>(unproxyable));
        }
        List<String> still = stillOnOriginal();
        if (!still.isEmpty()) {
            d.put("stillOnOriginal", still);
        }
        d.put("calls", calls.sum());
        d.put("delays", delays.sum());
        d.put("errors", errors.sum());
        d.put("timeouts", timeouts.sum());
        return d;
    }

    int proxiedCount() {
        return proxied.size();
    }

    /** A class loader that sees every interface of one service (they may come from several bundles). */
    private static final class JoinedLoader extends ClassLoader {
        private final List<Class<?>> interfaces;

        JoinedLoader(List<Class<?>> interfaces) {
            super(interfaces.get(0).getClassLoader());
            this.interfaces = interfaces;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            for (Class<?> c : interfaces) {
                if (c.getName().equals(name)) {
                    return c;
                }
                ClassLoader l = c.getClassLoader();
                if (l != null) {
                    try {
                        return l.loadClass(name);
                    } catch (ClassNotFoundException ignored) {
                        // try the next interface's loader
                    }
                }
            }
            throw new ClassNotFoundException(name);
        }
    }
}
