package dev.ludus.bus.nats;

import java.io.File;
import java.time.Duration;
import java.util.Map;

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
import dev.ludus.api.resilience.Resilience;
import dev.ludus.bus.support.BusComponent;
import dev.ludus.bus.support.Replays;
import dev.ludus.nats.client.NatsConnector;

/**
 * The {@code nats} {@link MessageBus} ({@link NatsBus}) as a component on the node's
 * {@link NatsConnector}, delivering to every {@link MessageHandler} service (the whiteboard), with
 * the health check {@code bus-nats} and the {@code ludus_bus_*} metrics labelled {@code bus="nats"}.
 * It starts without NATS: publishes are refused with {@code bus_unavailable} until the streams are
 * set up, and groups start taking messages once they are.
 */
@Component(service = {MessageBus.class, HealthCheck.class}, configurationPid = NatsMessageBus.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = MessageBus.IMPLEMENTATION + "=nats")
@Designate(ocd = NatsBusConfig.class)
public final class NatsMessageBus extends BusComponent<NatsBus> {

    static final String PID = "dev.ludus.bus.nats";
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageBus.class);

    @Reference
    private NatsConnector nats;

    private BundleContext context;
    private NatsBusConfig config;

    public NatsMessageBus() {
        super("nats", "NATS bus");
    }

    @Activate
    void activate(NatsBusConfig config, BundleContext context) {
        this.context = context;
        this.config = config;
        open(config);
        replayIfAsked(config);
    }

    /** A changed configuration: a new replay number replays; any other change reopens the bus. */
    @Modified
    void modified(NatsBusConfig changed) {
        NatsBusConfig before = config;
        config = changed;
        if (!sameBus(before, changed)) {
            stopRunning();
            open(changed);
        }
        replayIfAsked(changed);
    }

    private static boolean sameBus(NatsBusConfig a, NatsBusConfig b) {
        return a.name().equals(b.name()) && a.maxAgeHours() == b.maxAgeHours()
                && a.duplicateWindowSeconds() == b.duplicateWindowSeconds() && a.lanes() == b.lanes()
                && a.maxInFlight() == b.maxInFlight() && a.ackWaitSeconds() == b.ackWaitSeconds()
                && a.maxPendingPublishes() == b.maxPendingPublishes() && a.lagWarning() == b.lagWarning();
    }

    private void replayIfAsked(NatsBusConfig c) {
        File mark = context.getDataFile("replay-generation");
        if (bus() != null && mark != null) {
            Replays.apply(this, "NATS bus (" + PID + ")", c.replayGroups(), c.replayGeneration(), mark.toPath());
        }
    }

    private void open(NatsBusConfig c) {
        metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
        NatsBus.Settings s;
        try {
            s = settings(c, nats.requestTimeout());
        } catch (IllegalArgumentException e) {
            notRunning("configuration " + PID + ": " + e.getMessage());
            LOG.error("NATS bus not usable: configuration {}: {}", PID, e.getMessage());
            return;
        }
        running(NatsBus.open(() -> nats.connect("bus"), nats.target(), s, metrics), c.lagWarning());
        LOG.info("NATS bus {} on {} ({} handler(s))", s.names().stream(), nats.target(), handlers.current().size());
    }

    static NatsBus.Settings settings(NatsBusConfig c, Duration requestTimeout) {
        return new NatsBus.Settings(new Names(c.name()), Duration.ofHours(clamp(c.maxAgeHours(), 1, 87_600)),
                Duration.ofSeconds(clamp(c.duplicateWindowSeconds(), 1, 86_400)), clamp(c.lanes(), 1, 64),
                clamp(c.maxInFlight(), 1, 100_000), Duration.ofSeconds(clamp(c.ackWaitSeconds(), 5, 3600)),
                clamp(c.maxPendingPublishes(), 1, 1_000_000), requestTimeout);
    }

    private static int clamp(int v, int min, int max) {
        return Math.max(min, Math.min(max, v));
    }

    @Deactivate
    void deactivate() {
        stopRunning();
    }

    /** Resilience policies, optional: while bound, publishes go through the policy {@code bus.<name>} (BusComponent). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResilience(Resilience r) {
        resilienceBound(r);
    }

    void unbindResilience(Resilience r) {
        resilienceUnbound(r);
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

    @Override
    protected Map<String, Object> healthDetails() {
        return Map.of("nats", nats.target());
    }
}
