package dev.ludus.chaos;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
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

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.RunningTotal;
import dev.ludus.config.support.ConfigReader;

/**
 * Chaos: faults injected into named services and bundle actions on a schedule, all under one
 * switch. The switch is {@code armed} in PID {@value #PID}: nothing is injected until it is
 * exactly {@code true}, and setting it to anything else (or removing the configuration, or stopping
 * this bundle) takes every proxy away and stops every schedule at once. The faults are factory
 * configurations of {@value #FAULT_PID}, the schedules of {@value #SCHEDULE_PID} (in {@code conf/}:
 * {@code dev.ludus.chaos.fault-<name>.cfg}, {@code dev.ludus.chaos.schedule-<name>.cfg}); they can
 * be added, changed and removed while armed. While armed, the health check {@code chaos} says
 * DEGRADED with what is armed, and the log says so every {@code reminderSeconds}.
 */
@Component(service = HealthCheck.class, configurationPid = Chaos.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true)
public final class Chaos implements HealthCheck {

    static final String PID = "dev.ludus.chaos";
    static final String FAULT_PID = "dev.ludus.chaos.fault";
    static final String SCHEDULE_PID = "dev.ludus.chaos.schedule";
    static final String DISK_PID = "dev.ludus.chaos.disk";
    /** On every proxy: the fault's name. Callers can tell a proxy by it; faults never proxy a proxy. */
    static final String PROXY_PROPERTY = "ludus.chaos.fault";
    /** On every proxy: the service id of the service it stands for. */
    static final String ORIGINAL_PROPERTY = "ludus.chaos.original";
    private static final Logger LOG = LoggerFactory.getLogger(Chaos.class);
    private static final String METRICS_PREFIX = "ludus_chaos_";

    private BundleContext context;
    private Hiding hiding;
    private ScheduledExecutorService timers;
    private ScheduledExecutorService runner;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    /** Guarded by this: the switch, the configurations, and what runs while armed. */
    private volatile boolean armed;
    private long reminderSeconds = 60;
    private String switchProblem = "";
    private final Map<String, Settings.Fault> faultConfigs = new TreeMap<>();
    private final Map<String, Settings.Schedule> scheduleConfigs = new TreeMap<>();
    private final Map<String, ActiveFault> faults = new TreeMap<>();
    private final Map<String, ActiveSchedule> schedules = new TreeMap<>();
    private final Map<String, Settings.Disk> diskConfigs = new TreeMap<>();
    private final Map<String, ActiveDisk> disks = new TreeMap<>();
    private java.nio.file.Path dataFolder;
    private ScheduledFuture<?> reminder;
    /** Refused configurations: by PID, why. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private volatile long armedSince;

    private MetricRegistry registry; // guarded by this
    private Map<String, String> bundleLabels = Map.of();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindRegistry(MetricRegistry r) {
        unbindMetrics();
        registry = r;
        registerMetrics();
    }

    synchronized void unbindRegistry(MetricRegistry r) {
        if (registry == r) {
            unbindMetrics();
            registry = null;
        }
    }

    @Activate
    public void activate(BundleContext context, Map<String, Object> props) {
        this.context = context;
        AtomicInteger n = new AtomicInteger();
        timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "ludus-chaos-timer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        runner = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "ludus-chaos-schedule-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        hiding = new Hiding(context.getBundle().getBundleId());
        synchronized (this) {
            bundleLabels = Map.of(MetricLabels.BUNDLE, context.getBundle().getSymbolicName(),
                    MetricLabels.BUNDLE_VERSION, context.getBundle().getVersion().toString());
        }
        registrations.add(context.registerService(new String[] {FindHook.class.getName(),
                EventListenerHook.class.getName()}, hiding, null));
        String data = context.getProperty("ludus.data");
        dataFolder = data != null && !data.isBlank() ? java.nio.file.Path.of(data).toAbsolutePath()
                : context.getDataFile("").toPath().toAbsolutePath();
        registrations.add(context.registerService(ManagedServiceFactory.class, new Configurations(FAULT_PID, Kind.FAULT),
                factoryProperties(FAULT_PID, "Ludus chaos faults, one configuration each")));
        registrations.add(context.registerService(ManagedServiceFactory.class, new Configurations(SCHEDULE_PID, Kind.SCHEDULE),
                factoryProperties(SCHEDULE_PID, "Ludus chaos schedules, one configuration each")));
        registrations.add(context.registerService(ManagedServiceFactory.class, new Configurations(DISK_PID, Kind.DISK),
                factoryProperties(DISK_PID, "Ludus chaos full disks, one configuration each")));
        LOG.warn("chaos: the chaos bundle is installed; it injects faults only while {} says armed = true", PID);
        modified(props);
    }

    private static Dictionary<String, Object> factoryProperties(String pid, String description) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(Constants.SERVICE_PID, pid);
        p.put(Constants.SERVICE_DESCRIPTION, description);
        return p;
    }

    @Modified
    public synchronized void modified(Map<String, Object> props) {
        Object a = props.get("armed");
        boolean want = false;
        switchProblem = "";
        if (a instanceof Boolean b) {
            want = b;
        } else if (a != null) {
            String s = a.toString().strip();
            if (s.equalsIgnoreCase("true")) {
                want = true;
            } else if (!s.equalsIgnoreCase("false")) {
                switchProblem = "armed must be true or false, got '" + ConfigReader.clip(s) + "': disarmed until it is";
                LOG.warn("chaos: {}", switchProblem);
            }
        }
        Object r = props.get("reminderSeconds");
        if (r != null) {
            try {
                long v = Long.parseLong(r.toString().strip());
                if (v < 5 || v > 86_400) {
                    throw new NumberFormatException();
                }
                reminderSeconds = v;
            } catch (NumberFormatException e) {
                LOG.warn("chaos: reminderSeconds must be a whole number from 5 to 86400, got '{}'; keeping {}",
                        ConfigReader.clip(r), reminderSeconds);
            }
        }
        if (want && !armed) {
            arm();
        } else if (!want && armed) {
            disarm("the switch " + PID + " armed = " + (a == null ? "(not set)" : a));
        }
    }

    @Deactivate
    public void deactivate() {
        synchronized (this) {
            if (armed) {
                disarm("the chaos bundle stops");
            }
            unbindMetrics();
        }
        for (ServiceRegistration<?> reg : registrations) {
            try {
                reg.unregister();
            } catch (IllegalStateException gone) {
                // the framework took it already
            }
        }
        registrations.clear();
        timers.shutdownNow();
        runner.shutdownNow();
    }

    // ---------------------------------------------------------------- the switch

    private void arm() {
        armed = true;
        armedSince = System.currentTimeMillis();
        LOG.warn("chaos: ARMED: {} fault(s), {} schedule(s) and {} full disk(s) configured; set armed = false in {} to"
                + " disarm everything at once", faultConfigs.size(), scheduleConfigs.size(), diskConfigs.size(), PID);
        faultConfigs.forEach(this::startFault);
        scheduleConfigs.forEach(this::startSchedule);
        diskConfigs.forEach(this::startDisk);
        reminder = timers.scheduleWithFixedDelay(this::remind, reminderSeconds, reminderSeconds, TimeUnit.SECONDS);
        registerMetrics();
    }

    private void disarm(String why) {
        armed = false;
        armedSince = 0;
        if (reminder != null) {
            reminder.cancel(false);
            reminder = null;
        }
        faults.values().forEach(ActiveFault::stop);
        faults.clear();
        schedules.values().forEach(ActiveSchedule::stop);
        schedules.clear();
        disks.values().forEach(ActiveDisk::stop);
        disks.clear();
        LOG.warn("chaos: DISARMED ({}): every proxy is gone, every schedule stopped, every ballast deleted", why);
        registerMetrics();
    }

    private synchronized void remind() {
        if (armed) {
            LOG.warn("chaos: still ARMED for {} s: {}", (System.currentTimeMillis() - armedSince) / 1000, summary());
        }
    }

    private String summary() {
        List<String> parts = new ArrayList<>();
        faults.values().forEach(f -> parts.add("fault '" + f.name() + "' (" + f.settings().describe() + "; "
                + f.proxiedCount() + " proxied, " + (f.delays.sum() + f.errors.sum() + f.timeouts.sum()) + " injected)"));
        schedules.values().forEach(s -> parts.add("schedule '" + s.name() + "' (" + s.settings().describe() + "; "
                + s.actions.get() + " actions)"));
        disks.values().forEach(d -> parts.add("disk '" + d.name() + "' (" + d.settings().describe() + "; "
                + d.fills.get() + " fills)"));
        return parts.isEmpty() ? "nothing configured" : String.join("; ", parts);
    }

    private void startFault(String pid, Settings.Fault f) {
        ActiveFault active = new ActiveFault(context, hiding, timers, pid, f);
        try {
            active.start();
            faults.put(pid, active);
        } catch (InvalidSyntaxException | RuntimeException e) {
            active.stop();
            refusals.put(pid, "fault '" + f.name() + "' could not start: " + e.getMessage());
            LOG.warn("chaos: {}", refusals.get(pid));
        }
    }

    private void startDisk(String pid, Settings.Disk d) {
        ActiveDisk active = new ActiveDisk(runner, dataFolder, d);
        active.start();
        disks.put(pid, active);
    }

    private synchronized void diskUpdated(String pid, Settings.Disk d) {
        Settings.Disk before = diskConfigs.put(pid, d);
        if (!armed) {
            ActiveDisk.deleteLeftover(dataFolder, d);
            LOG.warn("chaos: full disk '{}' configured (not armed): {}", d.name(), d.describe());
            return;
        }
        ActiveDisk running = disks.get(pid);
        if (running != null && before != null && before.path().equals(d.path()) && before.name().equals(d.name())) {
            running.update(d);
            return;
        }
        if (running != null) {
            running.stop();
            disks.remove(pid);
        }
        startDisk(pid, d);
        registerMetrics();
    }

    private void startSchedule(String pid, Settings.Schedule s) {
        ActiveSchedule active = new ActiveSchedule(context, runner, pid, s);
        active.start();
        schedules.put(pid, active);
    }

    // ---------------------------------------------------------------- configurations

    private synchronized void faultUpdated(String pid, Settings.Fault f) {
        Settings.Fault before = faultConfigs.put(pid, f);
        if (!armed) {
            LOG.warn("chaos: fault '{}' configured (not armed): {}", f.name(), f.describe());
            return;
        }
        ActiveFault running = faults.get(pid);
        if (running != null && before != null && before.service().equals(f.service()) && before.target().equals(f.target())) {
            running.update(f);
            return;
        }
        if (running != null) {
            running.stop();
            faults.remove(pid);
        }
        startFault(pid, f);
        registerMetrics();
    }

    private synchronized void scheduleUpdated(String pid, Settings.Schedule s) {
        scheduleConfigs.put(pid, s);
        if (!armed) {
            LOG.warn("chaos: schedule '{}' configured (not armed): {}", s.name(), s.describe());
            return;
        }
        ActiveSchedule running = schedules.get(pid);
        if (running != null) {
            running.update(s);
        } else {
            startSchedule(pid, s);
            registerMetrics();
        }
    }

    private synchronized void deleted(String pid) {
        refusals.remove(pid);
        faultConfigs.remove(pid);
        scheduleConfigs.remove(pid);
        ActiveFault f = faults.remove(pid);
        if (f != null) {
            f.stop();
        }
        ActiveSchedule s = schedules.remove(pid);
        if (s != null) {
            s.stop();
        }
        diskConfigs.remove(pid);
        ActiveDisk d = disks.remove(pid);
        if (d != null) {
            d.stop();
        }
        registerMetrics();
    }

    private enum Kind {
        FAULT("fault"), SCHEDULE("schedule"), DISK("full disk");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Where ConfigAdmin hands the faults', the schedules' or the full disks' configurations. */
    private final class Configurations implements ManagedServiceFactory {
        private final String factoryPid;
        private final Kind kind;

        Configurations(String factoryPid, Kind kind) {
            this.factoryPid = factoryPid;
            this.kind = kind;
        }

        @Override
        public String getName() {
            return "Ludus chaos " + kind.label;
        }

        @Override
        public void updated(String pid, Dictionary<String, ?> properties) {
            Map<String, Object> props = ConfigReader.map(properties);
            String name = ConfigReader.factoryName(factoryPid, props);
            try {
                if (name == null) {
                    throw new Settings.Refused("no name: set 'name', or name the file " + factoryPid + "-<name>.cfg");
                }
                switch (kind) {
                    case FAULT -> {
                        Settings.Fault f = Settings.fault(name, props);
                        refusals.remove(pid);
                        faultUpdated(pid, f);
                    }
                    case SCHEDULE -> {
                        Settings.Schedule s = Settings.schedule(name, props);
                        refusals.remove(pid);
                        scheduleUpdated(pid, s);
                    }
                    case DISK -> {
                        Settings.Disk d = Settings.disk(name, props);
                        refusals.remove(pid);
                        diskUpdated(pid, d);
                    }
                }
            } catch (Settings.Refused | RuntimeException e) {
                refusals.put(pid, (name == null ? "" : kind.label + " '" + name + "': ") + e.getMessage());
                LOG.warn("chaos: configuration {} refused, what it configured before stays: {}", pid, refusals.get(pid));
            }
        }

        @Override
        public void deleted(String pid) {
            Chaos.this.deleted(pid);
        }
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "chaos";
    }

    @Override
    public synchronized HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("armed", armed);
        if (!switchProblem.isEmpty()) {
            d.put("switch", switchProblem);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        faults.values().forEach(a -> f.put(a.name(), a.details()));
        Map<String, Object> s = new LinkedHashMap<>();
        schedules.values().forEach(a -> s.put(a.name(), a.details()));
        Map<String, Object> dk = new LinkedHashMap<>();
        disks.values().forEach(a -> dk.put(a.name(), a.details()));
        if (armed) {
            d.put("armedForSeconds", (System.currentTimeMillis() - armedSince) / 1000);
            d.put("faults", f);
            d.put("schedules", s);
            d.put("disks", dk);
        } else {
            d.put("configuredFaults", faultConfigs.values().stream().map(c -> c.name() + ": " + c.describe()).toList());
            d.put("configuredSchedules", scheduleConfigs.values().stream().map(c -> c.name() + ": " + c.describe()).toList());
            d.put("configuredDisks", diskConfigs.values().stream().map(c -> c.name() + ": " + c.describe()).toList());
        }
        if (!refusals.isEmpty()) {
            d.put("refused", new TreeMap<>(refusals));
        }
        if (armed) {
            return HealthResult.degraded("chaos is ARMED: " + faults.size() + " fault(s) on "
                    + faults.values().stream().mapToInt(ActiveFault::proxiedCount).sum() + " service(s), "
                    + schedules.size() + " schedule(s), " + disks.size() + " full disk(s); set armed = false in " + PID
                    + " to disarm", d);
        }
        if (!switchProblem.isEmpty()) {
            return HealthResult.degraded(switchProblem, d);
        }
        return HealthResult.up(d);
    }

    // ---------------------------------------------------------------- metrics

    /** Called with this held: the series follow the faults and schedules that run. */
    private void registerMetrics() {
        MetricRegistry r = registry;
        if (r == null) {
            return;
        }
        unbindMetrics();
        r.register(name("armed", Map.of()), (Gauge<Integer>) () -> armed ? 1 : 0);
        for (ActiveFault f : faults.values()) {
            r.register(name("injections", Map.of("fault", f.name(), "kind", "delay")), new RunningTotal(f.delays::sum));
            r.register(name("injections", Map.of("fault", f.name(), "kind", "error")), new RunningTotal(f.errors::sum));
            r.register(name("injections", Map.of("fault", f.name(), "kind", "timeout")), new RunningTotal(f.timeouts::sum));
            r.register(name("calls", Map.of("fault", f.name())), new RunningTotal(f.calls::sum));
        }
        for (ActiveSchedule s : schedules.values()) {
            r.register(name("bundle_actions", Map.of("schedule", s.name())), new RunningTotal(s.actions::get));
            r.register(name("bundle_action_failures", Map.of("schedule", s.name())), new RunningTotal(s.failures::get));
        }
        for (ActiveDisk d : disks.values()) {
            r.register(name("disk_fills", Map.of("disk", d.name())), new RunningTotal(d.fills::get));
            r.register(name("disk_ballast_bytes", Map.of("disk", d.name())), (Gauge<Long>) d.ballastBytes::get);
        }
    }

    private void unbindMetrics() {
        if (registry != null) {
            registry.removeMatching((n, m) -> n.startsWith(METRICS_PREFIX));
        }
    }

    private String name(String family, Map<String, String> labels) {
        Map<String, String> l = new TreeMap<>(bundleLabels);
        l.putAll(labels);
        return MetricName.of(METRICS_PREFIX + family, l).toString();
    }
}
