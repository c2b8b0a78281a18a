package dev.ludus.bus.local;

import java.io.File;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
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
import dev.ludus.bus.support.BusHealth;
import dev.ludus.bus.support.BusMetrics;
import dev.ludus.bus.support.HandlerBoard;
import dev.ludus.bus.support.Replays;
import dev.ludus.bus.support.Subscriber;
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

    private final BusMetrics metrics = new BusMetrics("local");
    private volatile MetricRegistry registry;
    private volatile LocalBus bus;
    private volatile String problem;
    private long lagWarning = 10_000;
    private final HandlerBoard handlers = new HandlerBoard("local bus");

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
        if (b != null) {
            Replays.apply(this, "local bus (" + PID + ")", c.replayGroups(), c.replayGeneration(),
                    b.directory().resolve("replay-generation"));
        }
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
        LocalBus opened = bus;
        handlers.listen(new HandlerBoard.Listener() {
            @Override
            public void subscribe(Subscriber s) {
                opened.subscribe(s);
            }

            @Override
            public void unsubscribe(Object identity) {
                opened.unsubscribe(identity);
            }
        });
        List<Subscriber> ready = handlers.current();
        ready.forEach(opened::subscribe);
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
        handlers.listen(null);
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
        handlers.bind(ref, handler);
    }

    void unbindHandler(ServiceReference<MessageHandler> ref) {
        handlers.unbind(ref);
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
        return BusHealth.of(status(), handlers.refused(), lagWarning, Map.of());
    }
}
