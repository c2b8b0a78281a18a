package dev.ludus.bus.local;

import java.io.File;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.MessageHandler;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.Published;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.eventlog.DataDirectories;
import dev.ludus.eventlog.LogSettings;

/**
 * The {@code local} {@link MessageBus} ({@link LocalBus}) as a component, delivering to every
 * {@link MessageHandler} service (the whiteboard), with the health check {@code bus-local} and the
 * {@code ludus_bus_*} metrics.
 */
@Component(service = {MessageBus.class, HealthCheck.class}, configurationPid = LocalMessageBus.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = MessageBus.IMPLEMENTATION + "=local")
@Designate(ocd = LocalBusConfig.class)
public final class LocalMessageBus implements MessageBus, HealthCheck {

    static final String PID = "dev.ludus.bus.local";
    static final String LUDUS_DATA = DataDirectories.LUDUS_DATA;
    private static final Logger LOG = LoggerFactory.getLogger(LocalMessageBus.class);

    private final BusMetrics metrics = new BusMetrics();
    private volatile MetricRegistry registry;
    private volatile LocalBus bus;
    private volatile String problem;
    private long lagWarning = 10_000;
    /** Handlers bound, with what they were read as (guarded by itself). */
    private final Map<ServiceReference<MessageHandler>, Subscriber> handlers = new LinkedHashMap<>();
    /** Handlers whose properties were refused, with why (guarded by {@link #handlers}). */
    private final Map<ServiceReference<MessageHandler>, String> refused = new LinkedHashMap<>();

    private BundleContext context;
    private LocalBusConfig config;

    @Activate
    void activate(LocalBusConfig config, BundleContext context) {
        this.context = context;
        this.config = config;
        open(config);
        replayIfAsked(config);
    }

    /**
     * A changed configuration: a new replay number replays; any other change reopens the bus
     * (groups resume where they acknowledged).
     */
    @Modified
    void modified(LocalBusConfig changed) {
        LocalBusConfig before = config;
        config = changed;
        if (!sameStorage(before, changed)) {
            deactivate();
            open(changed);
        }
        replayIfAsked(changed);
    }

    private static boolean sameStorage(LocalBusConfig a, LocalBusConfig b) {
        return a.directory().equals(b.directory()) && a.segmentMiB() == b.segmentMiB() && a.lanes() == b.lanes()
                && a.maxInFlight() == b.maxInFlight() && a.checkpointMillis() == b.checkpointMillis()
                && a.retentionSeconds() == b.retentionSeconds() && a.lagWarning() == b.lagWarning();
    }

    /** Replays the dead letters of {@code replayGroups} once per raised {@code replayGeneration}. */
    private void replayIfAsked(LocalBusConfig c) {
        LocalBus b = bus;
        if (b == null || c.replayGeneration() <= 0) {
            return;
        }
        Path mark = b.directory().resolve("replay-generation");
        long done = 0;
        try {
            done = java.nio.file.Files.exists(mark) ? Long.parseLong(java.nio.file.Files.readString(mark).trim()) : 0;
        } catch (java.io.IOException | NumberFormatException e) {
            LOG.warn("local bus: cannot read {} ({}); replaying", mark, e.toString());
        }
        if (c.replayGeneration() <= done) {
            return;
        }
        List<String> groups = new ArrayList<>();
        String wanted = c.replayGroups() == null ? "" : c.replayGroups().trim();
        if (wanted.equals("*")) {
            b.status().groups().forEach(g -> groups.add(g.group()));
        } else {
            Arrays.stream(wanted.split(",")).map(String::trim).filter(g -> !g.isEmpty()).forEach(groups::add);
        }
        int queued = 0;
        for (String group : groups) {
            try {
                queued += b.replay(group, List.of(), "configuration " + PID + " replayGeneration "
                        + c.replayGeneration()).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.error("local bus: replaying the dead letters of {} failed (code bus_replay_failed): {}", group,
                        e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                return; // the number is not marked done: a restart or the next change tries again
            }
        }
        try {
            java.nio.file.Files.writeString(mark, Long.toString(c.replayGeneration()));
        } catch (java.io.IOException e) {
            LOG.warn("local bus: cannot record replay number {} in {}: {}", c.replayGeneration(), mark, e.toString());
        }
        LOG.info("local bus: replay number {}: {} dead letter(s) of {} queued for delivery", c.replayGeneration(),
                queued, groups);
    }

    private void open(LocalBusConfig config) {
        metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
        File area = context.getDataFile("");
        Path dir;
        try {
            dir = directory(config.directory(), context.getProperty(LUDUS_DATA), area == null ? null : area.toPath());
        } catch (RuntimeException e) {
            problem = e.getMessage();
            LOG.error("local bus: {}", problem);
            return;
        }
        LogSettings log = LogSettings.defaults().withSegmentBytes(Math.max(1, Math.min(1024, config.segmentMiB())) * 1024L * 1024L);
        LocalBus.Settings s = new LocalBus.Settings(clamp(config.lanes(), 1, 64), clamp(config.maxInFlight(), 1, 100_000),
                clamp(config.checkpointMillis(), 10, 60_000), clamp(config.retentionSeconds(), 1, 3600) * 1000L,
                Math.max(1, config.lagWarning()));
        lagWarning = s.lagWarning();
        try {
            bus = LocalBus.open(dir, log, s, Clock.systemUTC(), metrics);
            problem = null;
        } catch (RuntimeException e) {
            problem = "cannot open the bus's log in " + dir + ": " + e.getMessage();
            LOG.error("local bus: {}", problem, e);
            return;
        }
        MetricRegistry r = registry;
        if (r != null) {
            metrics.bind(r, this::status);
        }
        List<Subscriber> ready;
        synchronized (handlers) {
            ready = new ArrayList<>(handlers.values());
        }
        ready.forEach(bus::subscribe);
        LOG.info("local bus in {} ({} handler(s))", dir, ready.size());
    }

    private static int clamp(int v, int min, int max) {
        return Math.max(min, Math.min(max, v));
    }

    static Path directory(String configured, String ludusData, Path bundleData) {
        return DataDirectories.resolve(configured, ludusData, bundleData, "bus");
    }

    @Deactivate
    void deactivate() {
        LocalBus b = bus;
        bus = null;
        metrics.unbind();
        if (b != null) {
            b.close();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(MetricRegistry r) {
        registry = r;
        if (bus != null) {
            metrics.bind(r, this::status);
        }
    }

    void unbindRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            metrics.unbind();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindHandler(ServiceReference<MessageHandler> ref, MessageHandler handler) {
        Subscriber s;
        try {
            s = subscriber(ref, handler);
        } catch (RuntimeException e) {
            LOG.error("local bus: handler {} of {} refused (code bus_handler_refused): {}", handler.getClass().getName(),
                    ref.getBundle().getSymbolicName(), e.getMessage());
            synchronized (handlers) {
                refused.put(ref, ref.getBundle().getSymbolicName() + ": " + e.getMessage());
            }
            return;
        }
        synchronized (handlers) {
            handlers.put(ref, s);
        }
        LocalBus b = bus;
        if (b != null) {
            b.subscribe(s);
        }
    }

    void unbindHandler(ServiceReference<MessageHandler> ref) {
        Subscriber s;
        synchronized (handlers) {
            s = handlers.remove(ref);
            refused.remove(ref);
        }
        LocalBus b = bus;
        if (s != null && b != null) {
            b.unsubscribe(ref);
        }
    }

    static Subscriber subscriber(ServiceReference<MessageHandler> ref, MessageHandler handler) {
        Object group = ref.getProperty(MessageHandler.GROUP);
        if (!(group instanceof String g)) {
            throw new IllegalArgumentException("the service property " + MessageHandler.GROUP + " must be a text");
        }
        List<String> topics = texts(ref.getProperty(MessageHandler.TOPICS));
        int max = (int) number(ref.getProperty(MessageHandler.MAX_DELIVERIES), Subscriber.DEFAULT_MAX_DELIVERIES,
                MessageHandler.MAX_DELIVERIES);
        long backoff = number(ref.getProperty(MessageHandler.BACKOFF_MILLIS), Subscriber.DEFAULT_BACKOFF_MILLIS,
                MessageHandler.BACKOFF_MILLIS);
        long maxBackoff = number(ref.getProperty(MessageHandler.MAX_BACKOFF_MILLIS),
                Math.max(backoff, Subscriber.DEFAULT_MAX_BACKOFF_MILLIS), MessageHandler.MAX_BACKOFF_MILLIS);
        return new Subscriber(ref, g, topics, handler, max, backoff, maxBackoff, ref.getBundle().getSymbolicName(),
                ref.getBundle().getVersion().toString());
    }

    private static List<String> texts(Object value) {
        if (value instanceof String s) {
            return Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        }
        if (value instanceof String[] a) {
            return Arrays.stream(a).map(String::trim).toList();
        }
        if (value instanceof Collection<?> c) {
            return c.stream().map(String::valueOf).map(String::trim).toList();
        }
        throw new IllegalArgumentException("the service property " + MessageHandler.TOPICS + " must name the topics");
    }

    private static long number(Object value, long otherwise, String name) {
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the service property " + name + " must be a number, got '" + value + "'");
        }
    }

    // ---------------------------------------------------------------- MessageBus

    private LocalBus bus() {
        LocalBus b = bus;
        if (b == null) {
            throw new BusException("bus_closed", problem != null ? problem : "the local bus is not running", null);
        }
        return b;
    }

    @Override
    public CompletionStage<Published> publish(OutgoingMessage message) {
        try {
            return bus().publish(message);
        } catch (BusException e) {
            metrics.refused.inc();
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<DeadLetter> deadLetters(String group, int max) {
        return bus().deadLetters(group, max);
    }

    @Override
    public CompletionStage<Integer> replay(String group, Collection<String> ids, String operator) {
        try {
            return bus().replay(group, ids, operator);
        } catch (BusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Integer> discard(String group, Collection<String> ids, String operator) {
        try {
            return bus().discard(group, ids, operator);
        } catch (BusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public BusStatus status() {
        LocalBus b = bus;
        return b == null ? new BusStatus("local", false, problem != null ? problem : "not running", List.of()) : b.status();
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "bus-local";
    }

    @Override
    public HealthResult check() {
        BusStatus s = status();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("detail", s.detail());
        long lag = 0;
        long deadLetters = 0;
        List<String> lagging = new ArrayList<>();
        for (BusStatus.Group g : s.groups()) {
            lag += g.lag();
            deadLetters += g.deadLetters();
            details.put("group." + g.group(), "lag " + g.lag() + ", dead letters " + g.deadLetters()
                    + (g.handler().isEmpty() ? ", no handler" : ", " + g.handler()));
            if (g.lag() > lagWarning) {
                lagging.add(g.group() + " (" + g.lag() + ")");
            }
        }
        details.put("lag", lag);
        details.put("deadLetters", deadLetters);
        List<String> refusedNow;
        synchronized (handlers) {
            refusedNow = new ArrayList<>(refused.values());
        }
        if (!s.reachable()) {
            return HealthResult.down(s.detail(), details);
        }
        if (!refusedNow.isEmpty()) {
            return HealthResult.degraded("handler(s) refused (bus_handler_refused): " + String.join("; ", refusedNow),
                    details);
        }
        if (!lagging.isEmpty()) {
            return HealthResult.degraded("consumer group(s) lagging over " + lagWarning + ": " + lagging, details);
        }
        return HealthResult.up(details);
    }
}
