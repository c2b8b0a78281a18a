package dev.ludus.config.guard;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ConfigAdmin {@link ConfigurationPlugin}: every {@code dev.ludus.*} configuration passes
 * through it on its way to a component (Declarative Services asks ConfigAdmin for the processed
 * properties), is checked against the metatype of its PID, and a refused one is replaced as
 * {@link ConfigurationGuard} describes. Each new refusal is logged once, as one line. Also a
 * {@link ConfigurationListener}, to forget a refusal when its configuration is deleted, or saved
 * again with valid values (checked as stored, so this holds even while no component receives it).
 * After each save it also checks that every component of the PID runs with what the guard last
 * handed it, and saves the configuration again, unchanged, once, for a component that missed it
 * ({@link DeliveryCheck} says how that happens).
 *
 * <p>Immediate, so the refusals it remembers survive ConfigAdmin releasing the service between
 * calls; it must be active before the components whose configuration it checks (start level 3).
 */
@Component(service = {ConfigurationPlugin.class, ConfigurationListener.class, MetatypeConfigurationPlugin.class},
        immediate = true,
        property = {
                ConfigurationPlugin.CM_RANKING + ":Integer=" + MetatypeConfigurationPlugin.RANKING,
                "config.plugin.id=" + MetatypeConfigurationPlugin.PLUGIN_ID
        })
public class MetatypeConfigurationPlugin implements ConfigurationPlugin, ConfigurationListener {

    /** Stable code of the refusal log line and health reason. */
    static final String CODE = "config_refused";
    static final String PLUGIN_ID = "dev.ludus.config.guard";
    /** The PIDs this guard checks. */
    static final String PREFIX = "dev.ludus.";
    /** Late among the plugins that may change a configuration (0 to 1000): it checks the final values. */
    static final int RANKING = 900;

    /** How often the reference targets are looked at for ones that match no service. */
    static final long TARGETS_EVERY_MILLIS = 5000;

    /** How long after a save its delivery is checked, and checked again before it is saved anew. */
    static final long CHECK_AFTER_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(MetatypeConfigurationPlugin.class);

    private final ConfigurationGuard guard = new ConfigurationGuard();
    /** Rules by bundle id, bundle version (last modified) and PID: finding a range asks validate() some 60 times. */
    private final Map<String, Map<String, SettingRule>> rulesCache = new ConcurrentHashMap<>();
    private final DeliveryCheck deliveries = new DeliveryCheck();
    /** By PID, the change count of the guard's last own save of it: saved again at most once a save. */
    private final Map<String, Long> savedAnew = new ConcurrentHashMap<>();
    private final AtomicLong missedDeliveries = new AtomicLong();
    /** The last look for unknown settings ({@link UnknownSettings}); null: none taken yet. */
    private volatile Findings unknown;
    /** The unknown-setting lines logged, so that each is logged once while it stands. */
    private final Set<String> unknownLogged = ConcurrentHashMap.newKeySet();
    private final UnmatchedTargets targets = new UnmatchedTargets();
    /** The last look for reference targets that match nothing; null: none taken yet. */
    private volatile Findings unmatched;
    /** The unmatched-target lines logged, so that each is logged once while it stands. */
    private final Set<String> unmatchedLogged = ConcurrentHashMap.newKeySet();
    private BundleContext context;
    private ScheduledExecutorService checks;

    @Reference
    private MetaTypeService metaType;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime runtime;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-config-delivery-check");
            t.setDaemon(true);
            return t;
        });
        // The configurations found in conf/ at start are named once the bundles that read them are installed.
        scheduleUnknownSettings(3 * CHECK_AFTER_MILLIS);
        // Services come and go without a configuration event (a feature removed): looked at every few seconds.
        checks.scheduleWithFixedDelay(this::findUnmatchedTargets, TARGETS_EVERY_MILLIS, TARGETS_EVERY_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        checks.shutdownNow();
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        if (!(properties.get(Constants.SERVICE_PID) instanceof String pid) || !pid.startsWith(PREFIX)) {
            return;
        }
        Object factoryPid = properties.get(ConfigurationAdmin.SERVICE_FACTORYPID);
        try {
            check(reference, pid, factoryPid, properties);
        } finally {
            Bundle target = reference == null ? null : reference.getBundle();
            if (factoryPid == null && target != null) {
                deliveries.handed(pid, target.getBundleId(), properties);
            }
        }
    }

    private void check(ServiceReference<?> reference, String pid, Object factoryPid, Dictionary<String, Object> properties) {
        try {
            Map<String, SettingRule> rules = factoryPid instanceof String f ? rules(reference, f, true)
                    : rules(reference, pid, false);
            if (rules == null) {
                return; // no metatype: nothing states what is valid
            }
            ConfigurationGuard.Verdict verdict = guard.apply(pid, rules, properties);
            if (verdict.newlyRefused()) {
                String list = verdict.refusals().stream().map(Refusal::toString).collect(Collectors.joining("; "));
                String outcome = verdict.keptLastGood()
                        ? "it keeps its last good configuration"
                        : "its other values apply and the refused ones keep their defaults";
                LOG.warn("configuration {} refused ({}): {}; {} until a valid configuration is saved",
                        pid, CODE, list, outcome);
            } else if (verdict.cleared()) {
                LOG.info("configuration {} is valid again; its refusal is cleared", pid);
            }
        } catch (RuntimeException e) {
            // A fault here must not cost the component its configuration: it is passed on unchecked.
            LOG.error("configuration {} could not be checked, passed on unchecked: {}", pid, e.toString());
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        String pid = event.getPid();
        if (pid == null || !pid.startsWith(PREFIX)) {
            return;
        }
        scheduleUnknownSettings(CHECK_AFTER_MILLIS);
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            deliveries.forget(pid);
            if (guard.deleted(pid)) {
                LOG.info("configuration {} deleted; its refusal is cleared and its components use their defaults", pid);
            }
        } else if (event.getType() == ConfigurationEvent.CM_UPDATED) {
            if (guard.refusals().containsKey(pid)) {
                savedAgain(event, pid);
            }
            if (event.getFactoryPid() == null) {
                scheduleDeliveryCheck(pid);
            }
        }
    }

    /** Schedules the first check of the save of {@code pid} just made (its change count as stored now). */
    private void scheduleDeliveryCheck(String pid) {
        ConfigurationAdmin admin = configAdmin;
        if (admin == null) {
            return;
        }
        try {
            org.osgi.service.cm.Configuration c = stored(admin, pid);
            if (c != null) {
                scheduleDeliveryCheck(pid, c.getChangeCount(), 1);
            }
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("configuration {}: could not check that its components received it: {}", pid, e.toString());
        }
    }

    private void scheduleDeliveryCheck(String pid, long changeCount, int attempt) {
        try {
            checks.schedule(() -> checkDelivery(pid, changeCount, attempt), CHECK_AFTER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // deactivated meanwhile
        }
    }

    /**
     * Whether every component of {@code pid} runs with what the guard last handed it, once
     * Declarative Services is done with the save of {@code changeCount}; if one does not (at
     * two checks a second apart, with no newer save), the configuration is saved again unchanged,
     * so that Declarative Services reads it anew. At most once a save: a component that still
     * differs after that is only logged.
     */
    private void checkDelivery(String pid, long changeCount, int attempt) {
        ServiceComponentRuntime scr = runtime;
        ConfigurationAdmin admin = configAdmin;
        if (scr == null || admin == null) {
            return;
        }
        try {
            org.osgi.service.cm.Configuration c = stored(admin, pid);
            if (c == null || c.getChangeCount() != changeCount) {
                return; // deleted, or saved again: that save has a check of its own
            }
            List<String> missed = deliveries.missed(scr, context.getBundles(), pid);
            if (missed.isEmpty()) {
                return;
            }
            if (attempt < 2) {
                scheduleDeliveryCheck(pid, changeCount, attempt + 1);
            } else if (Long.valueOf(changeCount).equals(savedAnew.get(pid))) {
                LOG.warn("configuration {} saved again by the guard and still not in force in {}", pid, missed);
            } else {
                LOG.warn("configuration {} did not reach {} (saved again while Declarative Services was reading the "
                        + "save before it); saving it again unchanged so that it does", pid, missed);
                missedDeliveries.incrementAndGet();
                c.update(c.getProperties());
                savedAnew.put(pid, c.getChangeCount());
            }
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("configuration {}: could not check that its components received it: {}", pid, e.toString());
        }
    }

    /** The stored configuration of {@code pid}, or {@code null} when there is none. */
    private static org.osgi.service.cm.Configuration stored(ConfigurationAdmin admin, String pid)
            throws IOException, InvalidSyntaxException {
        org.osgi.service.cm.Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
        return found == null || found.length == 0 ? null : found[0];
    }

    /**
     * A refused configuration was saved again: checks what is stored now, so a valid save clears the
     * refusal even when no component receives it (its bundle stopped) or receives it later.
     */
    private void savedAgain(ConfigurationEvent event, String pid) {
        ServiceReference<ConfigurationAdmin> ref = event.getReference();
        ConfigurationAdmin admin = ref == null ? null : context.getService(ref);
        if (admin == null) {
            return;
        }
        try {
            org.osgi.service.cm.Configuration c = stored(admin, pid);
            Dictionary<String, Object> stored = c == null ? null : c.getProperties();
            if (stored == null) {
                return;
            }
            String factoryPid = event.getFactoryPid();
            Map<String, SettingRule> rules = factoryPid != null ? rules(null, factoryPid, true) : rules(null, pid, false);
            if (rules != null && guard.saved(pid, rules, stored)) {
                LOG.info("configuration {} is valid again; its refusal is cleared", pid);
            }
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("configuration {} could not be checked after a save: {}", pid, e.toString());
        } finally {
            context.ungetService(ref);
        }
    }

    /** What {@link #findUnknownSettings} or {@link #findUnmatchedTargets} found, and when ({@link System#nanoTime}). */
    private record Findings(long at, List<String> lines) {

        /** Logs each line not logged while it stood (one WARN, with its code), forgets the ones gone, and dates the lot. */
        static Findings of(List<String> lines, Set<String> logged, String code) {
            for (String line : lines) {
                if (logged.add(line)) {
                    LOG.warn("configuration {} ({})", line, code);
                }
            }
            logged.retainAll(lines);
            return new Findings(System.nanoTime(), lines);
        }

        /**
         * The lines of {@code last} if they were found within the last second (a health check may ask
         * many times a second), else what {@code find} finds now.
         */
        static List<String> freshOr(Findings last, java.util.function.Supplier<List<String>> find) {
            return last != null && System.nanoTime() - last.at() < 1_000_000_000L ? last.lines() : find.get();
        }
    }

    private void scheduleUnknownSettings(long afterMillis) {
        try {
            checks.schedule(this::findUnknownSettings, afterMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // deactivated meanwhile
        }
    }

    /**
     * The stored configurations' unknown settings and nearly-named PIDs, as found within the last
     * second (the health check may be asked many times a second).
     */
    List<String> unknownSettings() {
        return Findings.freshOr(unknown, this::findUnknownSettings);
    }

    /** Looks at every stored {@code dev.ludus.*} configuration; logs each new finding once, as a WARN. */
    private List<String> findUnknownSettings() {
        ConfigurationAdmin admin = configAdmin;
        if (admin == null) {
            return List.of();
        }
        List<String> lines;
        try {
            org.osgi.service.cm.Configuration[] all = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + PREFIX + "*)");
            List<UnknownSettings.Stored> stored = new ArrayList<>();
            for (org.osgi.service.cm.Configuration c : all == null ? new org.osgi.service.cm.Configuration[0] : all) {
                Dictionary<String, Object> props = c.getProperties();
                if (props != null) {
                    stored.add(new UnknownSettings.Stored(c.getPid(), c.getFactoryPid(), Collections.list(props.keys())));
                }
            }
            lines = stored.isEmpty() ? List.of() : UnknownSettings.find(stored, c -> {
                Map<String, SettingRule> rules = c.factoryPid() != null ? rules(null, c.factoryPid(), true) : rules(null, c.pid(), false);
                return rules == null ? null : rules.keySet();
            }, describedPids());
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("configurations could not be looked at for unknown settings: {}", e.toString());
            return List.of();
        }
        unknown = Findings.of(lines, unknownLogged, UnknownSettings.CODE);
        return lines;
    }

    /**
     * The reference targets of the {@code dev.ludus.*} components that match no service
     * ({@link UnmatchedTargets}), as found within the last second.
     */
    List<String> unmatchedTargets() {
        return Findings.freshOr(unmatched, this::findUnmatchedTargets);
    }

    /** Looks at every reference target Declarative Services runs; logs each new finding once, as a WARN. */
    private List<String> findUnmatchedTargets() {
        ServiceComponentRuntime scr = runtime;
        ConfigurationAdmin admin = configAdmin;
        if (scr == null || admin == null) {
            return List.of();
        }
        List<String> lines;
        try {
            List<String> unknownReferences = new ArrayList<>();
            List<UnmatchedTargets.Target> running = targets(scr, configuredTargets(admin), unknownReferences);
            lines = targets.find(running, new UnmatchedTargets.Registry() {
                @Override
                public boolean matches(String service, String filter) {
                    try {
                        return context.getAllServiceReferences(service, filter) != null;
                    } catch (InvalidSyntaxException e) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                }

                @Override
                public List<String> values(String service, String property) {
                    java.util.TreeSet<String> values = new java.util.TreeSet<>();
                    try {
                        ServiceReference<?>[] refs = context.getAllServiceReferences(service, null);
                        for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                            Object v = r.getProperty(property);
                            if (v instanceof Object[] a) {
                                for (Object o : a) {
                                    values.add(String.valueOf(o));
                                }
                            } else if (v != null) {
                                values.add(String.valueOf(v));
                            }
                        }
                    } catch (InvalidSyntaxException e) {
                        // a null filter is valid
                    }
                    return List.copyOf(values);
                }
            }, System.nanoTime() / 1_000_000L);
            if (!unknownReferences.isEmpty()) {
                List<String> all = new ArrayList<>(lines);
                all.addAll(unknownReferences);
                all.sort(null);
                lines = List.copyOf(all);
            }
        } catch (IllegalStateException e) {
            return List.of(); // this bundle is stopping: its context is no longer valid
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.warn("reference targets could not be looked at: {}", e.toString());
            return List.of();
        }
        unmatched = Findings.of(lines, unmatchedLogged, UnmatchedTargets.CODE);
        return lines;
    }

    /**
     * By stored {@code dev.ludus.*} configuration PID, the references whose target it sets (the
     * names before {@code .target}, lower case). Only those are followed: a target a component
     * declares itself may match nothing by design (an optional service that is rarely there).
     */
    private static Map<String, Set<String>> configuredTargets(ConfigurationAdmin admin)
            throws IOException, InvalidSyntaxException {
        Map<String, Set<String>> out = new java.util.HashMap<>();
        org.osgi.service.cm.Configuration[] all = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + PREFIX + "*)");
        for (org.osgi.service.cm.Configuration c : all == null ? new org.osgi.service.cm.Configuration[0] : all) {
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                continue;
            }
            for (String key : Collections.list(props.keys())) {
                String lower = key.toLowerCase(java.util.Locale.ROOT);
                if (lower.endsWith(".target") && lower.length() > ".target".length()) {
                    out.computeIfAbsent(c.getPid(), k -> new java.util.HashSet<>())
                            .add(lower.substring(0, lower.length() - ".target".length()));
                }
            }
        }
        return out;
    }

    /** Every reference whose target a stored configuration sets, of the running (or waiting) {@code dev.ludus.*} components. */
    private static List<UnmatchedTargets.Target> targets(ServiceComponentRuntime scr, Map<String, Set<String>> configured,
                                                         List<String> unknownReferences) {
        if (configured.isEmpty()) {
            return List.of();
        }
        List<UnmatchedTargets.Target> out = new ArrayList<>();
        Map<String, Set<String>> referencesByPid = new java.util.HashMap<>();
        for (org.osgi.service.component.runtime.dto.ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.name == null || !d.name.startsWith(PREFIX)) {
                continue;
            }
            Map<String, org.osgi.service.component.runtime.dto.ReferenceDTO> refs = new java.util.HashMap<>();
            for (org.osgi.service.component.runtime.dto.ReferenceDTO r : d.references == null
                    ? new org.osgi.service.component.runtime.dto.ReferenceDTO[0] : d.references) {
                refs.put(r.name, r);
            }
            for (String pid : d.configurationPid == null ? new String[0] : d.configurationPid) {
                referencesByPid.computeIfAbsent(pid, k -> new java.util.TreeSet<>()).addAll(refs.keySet());
            }
            for (org.osgi.service.component.runtime.dto.ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                Object servicePid = c.properties == null ? null : c.properties.get(Constants.SERVICE_PID);
                String pid = servicePid instanceof String p ? p
                        : d.configurationPid != null && d.configurationPid.length > 0 ? d.configurationPid[0] : d.name;
                List<String[]> named = new ArrayList<>(); // reference name, target
                if (c.satisfiedReferences != null) {
                    for (var s : c.satisfiedReferences) {
                        named.add(new String[] {s.name, s.target});
                    }
                }
                if (c.unsatisfiedReferences != null) {
                    for (var u : c.unsatisfiedReferences) {
                        named.add(new String[] {u.name, u.target});
                    }
                }
                Set<String> set = configured.getOrDefault(pid, Set.of());
                for (String[] n : named) {
                    org.osgi.service.component.runtime.dto.ReferenceDTO r = refs.get(n[0]);
                    if (r == null || n[1] == null || n[1].isBlank() || !set.contains(n[0].toLowerCase(java.util.Locale.ROOT))) {
                        continue;
                    }
                    out.add(new UnmatchedTargets.Target(pid, n[0], r.interfaceName, n[1].trim(),
                            r.cardinality != null && r.cardinality.startsWith("1")));
                }
            }
        }
        // A target for a reference none of the PID's components has (cahce.target): a typo, read by nothing.
        configured.forEach((pid, names) -> {
            Set<String> references = referencesByPid.get(pid);
            if (references == null) {
                return; // no component of this PID (a factory configuration, a bundle not installed)
            }
            Set<String> lower = new java.util.HashSet<>();
            references.forEach(r -> lower.add(r.toLowerCase(java.util.Locale.ROOT)));
            for (String name : new java.util.TreeSet<>(names)) {
                if (!lower.contains(name)) {
                    String near = UnknownSettings.nearest(name, references);
                    unknownReferences.add(pid + ": " + name + ".target names no reference of this PID's components ("
                            + (near != null ? "did you mean " + near + ".target?" : references.isEmpty() ? "they have none"
                            : "they have " + String.join(", ", references)) + "); nothing reads it");
                }
            }
        });
        return out;
    }

    /** Every {@code dev.ludus.*} PID and factory PID the installed bundles' metatype describes. */
    private Set<String> describedPids() {
        Set<String> pids = new java.util.HashSet<>();
        for (Bundle bundle : context.getBundles()) {
            MetaTypeInformation info;
            try {
                info = metaType.getMetaTypeInformation(bundle);
            } catch (RuntimeException e) {
                continue; // a bundle being uninstalled
            }
            if (info != null) {
                for (String[] list : new String[][] {info.getPids(), info.getFactoryPids()}) {
                    for (String pid : list == null ? new String[0] : list) {
                        if (pid.startsWith(PREFIX)) {
                            pids.add(pid);
                        }
                    }
                }
            }
        }
        return pids;
    }

    /** The refusals in force, by PID. */
    Map<String, List<Refusal>> refusals() {
        return guard.refusals();
    }

    /** How many saves a component missed, each saved again by the guard, since it started. */
    long missedDeliveries() {
        return missedDeliveries.get();
    }

    /** The PIDs checked so far. */
    Set<String> checked() {
        return guard.checked();
    }

    /**
     * The rules of a PID from the metatype of the bundle that receives the configuration, or of
     * any bundle that describes the PID; {@code null} if none does.
     */
    private Map<String, SettingRule> rules(ServiceReference<?> target, String ocdPid, boolean factory) {
        List<Bundle> candidates = new ArrayList<>();
        Bundle owner = target == null ? null : target.getBundle();
        if (owner != null) {
            candidates.add(owner);
        }
        candidates.addAll(Arrays.asList(context.getBundles()));
        for (Bundle bundle : candidates) {
            MetaTypeInformation info;
            try {
                info = metaType.getMetaTypeInformation(bundle);
            } catch (RuntimeException e) {
                continue; // a bundle being uninstalled
            }
            if (info == null) {
                continue;
            }
            String[] pids = factory ? info.getFactoryPids() : info.getPids();
            if (pids == null || !Arrays.asList(pids).contains(ocdPid)) {
                continue;
            }
            String key = bundle.getBundleId() + ":" + bundle.getLastModified() + ":" + ocdPid;
            return rulesCache.computeIfAbsent(key, k -> {
                ObjectClassDefinition ocd = info.getObjectClassDefinition(ocdPid, null);
                AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
                Map<String, SettingRule> rules = new LinkedHashMap<>();
                if (ads != null) {
                    for (AttributeDefinition ad : ads) {
                        rules.put(ad.getID(), SettingRule.of(ad));
                    }
                }
                return Map.copyOf(rules);
            });
        }
        return null;
    }
}
