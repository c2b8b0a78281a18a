package dev.ludus.resilience;

import java.net.URL;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import com.codahale.metrics.MetricRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.PolicyStatus;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.config.support.ConfigReader;

/**
 * The {@link Resilience} service and the health check {@code resilience}. Settings: the defaults of
 * every policy in PID {@value #PID}; one policy's own in a factory configuration of
 * {@value #POLICY_PID} (in {@code conf/}: {@code dev.ludus.resilience.policy-<name>.cfg}, the name
 * taken from the file's name unless the property {@code name} says otherwise). A configuration
 * that cannot be read is refused whole: its policy keeps what it had, the log and health say why.
 */
@Component(service = {Resilience.class, HealthCheck.class}, configurationPid = ResilienceService.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
public final class ResilienceService implements Resilience, HealthCheck {

    static final String PID = "dev.ludus.resilience";
    static final String POLICY_PID = "dev.ludus.resilience.policy";
    private static final Logger LOG = LoggerFactory.getLogger(ResilienceService.class);

    private final Clock clock;
    private final Map<String, ResiliencePolicy> policies = new ConcurrentHashMap<>();
    /** Each policy configuration (by its PID): the policy's name and its own properties. */
    private final Map<String, Map.Entry<String, Map<String, Object>>> configured = new ConcurrentHashMap<>();
    /** Refused configurations: by PID (or {@value #PID}), why. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private volatile PolicySettings defaults = PolicySettings.DEFAULTS;
    private final ExecutorService timed;
    private ServiceRegistration<ManagedServiceFactory> factory;
    private final ResilienceMetrics metrics = new ResilienceMetrics();
    private volatile MetricRegistry registry;
    /** Where ConfigAdmin hands the policies' own configurations. */
    final ManagedServiceFactory configurations = new PolicyConfigurations();

    public ResilienceService() {
        this(Clock.systemUTC());
    }

    ResilienceService(Clock clock) {
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.timed = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ludus-resilience-timed-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(MetricRegistry r) {
        registry = r;
        metrics.bind(r, policies.values());
    }

    void unbindRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            metrics.unbind();
        }
    }

    @Activate
    public void activate(BundleContext context, Map<String, Object> props) {
        if (context != null) {
            loadOwnClasses(context.getBundle());
        }
        modified(props);
        if (context != null) {
            metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
            MetricRegistry r = registry;
            if (r != null) {
                metrics.bind(r, policies.values());
            }
            Hashtable<String, Object> p = new Hashtable<>();
            p.put(Constants.SERVICE_PID, POLICY_PID);
            p.put(Constants.SERVICE_DESCRIPTION, "Ludus resilience policies, one configuration each");
            factory = context.registerService(ManagedServiceFactory.class, configurations, p);
        }
    }

    @Modified
    public void modified(Map<String, Object> props) {
        try {
            defaults = PolicySettings.read(props, PolicySettings.DEFAULTS);
            refusals.remove(PID);
        } catch (PolicySettings.Refused e) {
            refusals.put(PID, e.getMessage());
            LOG.warn("resilience: the defaults in {} are refused, the previous ones stay: {}", PID, e.getMessage());
        }
        reapply();
    }

    /**
     * Loads every class of this bundle now. A caller that got this instance just before the bundle
     * was refreshed may still call it (a tracker hands the service out until it hears it is gone),
     * and by then the bundle's class loader loads nothing more: the first policy made there, or the
     * first refusal thrown, failed with NoClassDefFoundError (ResilienceIT's swap under calls saw
     * it once). With all of them loaded at activation a late call finds every class it needs.
     */
    static void loadOwnClasses(Bundle bundle) {
        Enumeration<URL> classes = bundle.findEntries("/", "*.class", true);
        while (classes != null && classes.hasMoreElements()) {
            String path = classes.nextElement().getPath();
            String name = path.substring(path.startsWith("/") ? 1 : 0, path.length() - ".class".length()).replace('/', '.');
            try {
                bundle.loadClass(name);
            } catch (ClassNotFoundException | LinkageError | IllegalStateException e) {
                LOG.debug("resilience: class {} not loaded ahead: {}", name, e.toString());
            }
        }
    }

    @Deactivate
    public void deactivate() {
        metrics.unbind();
        if (factory != null) {
            try {
                factory.unregister();
            } catch (IllegalStateException ignored) {
                // the framework took it already
            }
            factory = null;
        }
        timed.shutdownNow();
    }

    @Override
    public Policy policy(String name) {
        Resilience.checkName(name);
        ResiliencePolicy p = policies.get(name);
        if (p != null) {
            return p;
        }
        synchronized (this) { // with reapply(): a policy made meanwhile is not left with the settings before
            p = policies.get(name);
            if (p == null) {
                p = new ResiliencePolicy(name, settingsOf(name), clock, timed);
                policies.put(name, p);
                metrics.added(p);
            }
            return p;
        }
    }

    @Override
    public List<PolicyStatus> policies() {
        for (Map.Entry<String, Map<String, Object>> c : configured.values()) {
            policy(c.getKey()); // a configured policy is listed before its first call
        }
        List<PolicyStatus> all = new ArrayList<>();
        policies.values().forEach(p -> all.add(p.status()));
        all.sort(Comparator.comparing(PolicyStatus::name));
        return all;
    }

    @Override
    public void force(String name, Forced how) {
        ResiliencePolicy p = (ResiliencePolicy) policy(name);
        p.force(how == null ? Forced.NONE : how);
        LOG.info("resilience: breaker of '{}' {} by an operator", name, switch (how == null ? Forced.NONE : how) {
            case OPEN -> "forced open";
            case CLOSED -> "forced closed";
            case NONE -> "given back to its failures";
        });
    }

    /** A policy's settings: its own configuration over the defaults, or the defaults. */
    private PolicySettings settingsOf(String name) {
        PolicySettings base = defaults;
        for (Map.Entry<String, Map.Entry<String, Map<String, Object>>> c : configured.entrySet()) {
            if (c.getValue().getKey().equals(name)) {
                try {
                    return PolicySettings.read(c.getValue().getValue(), base);
                } catch (PolicySettings.Refused e) {
                    return base; // checked when it came; the defaults changed under it
                }
            }
        }
        return base;
    }

    /** Every policy made so far takes its settings anew, if they changed. */
    private synchronized void reapply() {
        for (ResiliencePolicy p : policies.values()) {
            PolicySettings s = settingsOf(p.name());
            if (!s.equals(p.settings())) {
                p.apply(s);
                LOG.info("resilience: policy '{}' now: {}", p.name(), s.describe());
            }
        }
    }

    /** The factory configurations of {@value #POLICY_PID}, one per policy. */
    private final class PolicyConfigurations implements ManagedServiceFactory {
        @Override
        public String getName() {
            return "Ludus resilience policy";
        }

        @Override
        public void updated(String pid, Dictionary<String, ?> properties) {
            Map<String, Object> props = ConfigReader.map(properties);
            String name = nameOf(props);
            try {
                if (name == null) {
                    throw new PolicySettings.Refused("no policy name: set 'name', or name the file "
                            + POLICY_PID + "-<name>.cfg");
                }
                Resilience.checkName(name);
                for (Map.Entry<String, Map.Entry<String, Map<String, Object>>> c : configured.entrySet()) {
                    if (!c.getKey().equals(pid) && c.getValue().getKey().equals(name)) {
                        throw new PolicySettings.Refused("policy '" + name + "' is configured already by " + c.getKey());
                    }
                }
                PolicySettings.read(props, defaults);
            } catch (PolicySettings.Refused | RuntimeException e) {
                refusals.put(pid, (name == null ? "" : "policy '" + name + "': ") + e.getMessage());
                LOG.warn("resilience: configuration {} refused, the policy keeps what it had: {}", pid, refusals.get(pid));
                return;
            }
            refusals.remove(pid);
            configured.put(pid, Map.entry(name, props));
            reapply();
        }

        @Override
        public void deleted(String pid) {
            refusals.remove(pid);
            if (configured.remove(pid) != null) {
                reapply();
            }
        }
    }

    /** The policy's name: the property {@code name}, else the FileInstall file's name after the PID. */
    static String nameOf(Map<String, Object> props) {
        return ConfigReader.factoryName(POLICY_PID, props);
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "resilience";
    }

    @Override
    public HealthResult check() {
        List<PolicyStatus> all = policies();
        Map<String, Object> d = new LinkedHashMap<>();
        List<String> refusing = new ArrayList<>();
        for (PolicyStatus s : all) {
            d.put(s.name(), s.state() + (s.failureRate() >= 0 ? String.format(java.util.Locale.ROOT, ", %.0f%% failing", s.failureRate()) : "")
                    + ", " + s.calls() + " calls, " + s.failures() + " failed, " + s.refused() + " refused");
            if (s.refusing()) {
                refusing.add(s.name() + " " + (s.state() == PolicyStatus.State.FORCED_OPEN ? "forced open" : "open")
                        + " since " + s.since() + (s.lastFailure() == null ? "" : " (last failure " + s.lastFailure() + ")"));
            }
        }
        List<String> reasons = new ArrayList<>();
        if (!refusing.isEmpty()) {
            reasons.add("breaker open: " + String.join("; ", refusing));
        }
        if (!refusals.isEmpty()) {
            d.put("refusedSettings", new LinkedHashMap<>(refusals));
            reasons.add("settings refused: " + String.join("; ", refusals.values()));
        }
        return reasons.isEmpty() ? HealthResult.up(d) : HealthResult.degraded(String.join(" | ", reasons), d);
    }
}
