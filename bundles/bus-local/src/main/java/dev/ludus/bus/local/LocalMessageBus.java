package dev.ludus.bus.local;

import java.io.File;
import java.nio.file.Path;
import java.time.Clock;

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

import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.MessageHandler;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.bus.support.BusComponent;
import dev.ludus.bus.support.Replays;
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
public final class LocalMessageBus extends BusComponent<LocalBus> {

    static final String PID = "dev.ludus.bus.local";
    static final String LUDUS_DATA = DataDirectories.LUDUS_DATA;
    private static final Logger LOG = LoggerFactory.getLogger(LocalMessageBus.class);

    private BundleContext context;
    private LocalBusConfig config;

    public LocalMessageBus() {
        super("local", "local bus");
    }

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
            stopRunning();
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
        LocalBus b = bus();
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
            notRunning(e.getMessage());
            LOG.error("local bus: {}", e.getMessage());
            return;
        }
        LogSettings log = LogSettings.defaults().withSegmentBytes(Math.max(1, Math.min(1024, config.segmentMiB())) * 1024L * 1024L);
        LocalBus.Settings s = new LocalBus.Settings(clamp(config.lanes(), 1, 64), clamp(config.maxInFlight(), 1, 100_000),
                clamp(config.checkpointMillis(), 10, 60_000), clamp(config.retentionSeconds(), 1, 3600) * 1000L,
                Math.max(1, config.lagWarning()));
        LocalBus opened;
        try {
            opened = LocalBus.open(dir, log, s, Clock.systemUTC(), metrics);
        } catch (RuntimeException e) {
            String problem = "cannot open the bus's log in " + dir + ": " + e.getMessage();
            notRunning(problem);
            LOG.error("local bus: {}", problem, e);
            return;
        }
        running(opened, s.lagWarning());
        LOG.info("local bus in {} ({} handler(s))", dir, handlers.current().size());
    }

    private static int clamp(int v, int min, int max) {
        return Math.max(min, Math.min(max, v));
    }

    static Path directory(String configured, String ludusData, Path bundleData) {
        return DataDirectories.resolve(configured, ludusData, bundleData, "bus");
    }

    @Deactivate
    void deactivate() {
        stopRunning();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(MetricRegistry r) {
        registryBound(r);
    }

    void unbindRegistry(MetricRegistry r) {
        registryUnbound(r);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindHandler(ServiceReference<MessageHandler> ref, MessageHandler handler) {
        handlers.bind(ref, handler);
    }

    void unbindHandler(ServiceReference<MessageHandler> ref) {
        handlers.unbind(ref);
    }
}
