package dev.ludus.bus.nats;

import java.io.File;
import java.time.Duration;
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
import dev.ludus.nats.client.NatsConnector;

/**
 * The {@code nats} {@link MessageBus} ({@link NatsBus}) as a component on the node's
 * {@link NatsConnector}, delivering to every {@link MessageHandler} service (the whiteboard), with
 * the health check {@code bus-nats} and the {@code ludus_bus_*} metrics labelled {@code bus="nats"}.
 * It starts without NATS: publishes are refused with {@code bus_unavailable} until the streams are
 * set up, and groups start pulling once they are.
 */
@Component(service = {MessageBus.class, HealthCheck.class}, configurationPid = NatsMessageBus.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = MessageBus.IMPLEMENTATION + "=nats")
@Designate(ocd = NatsBusConfig.class)
public final class NatsMessageBus implements MessageBus, HealthCheck {

    static final String PID = "dev.ludus.bus.nats";
    private static final Logger LOG = LoggerFactory.getLogger(NatsMessageBus.class);

    private final BusMetrics metrics = new BusMetrics("nats");
    private final HandlerBoard handlers = new HandlerBoard("NATS bus");
    private volatile MetricRegistry registry;
    private volatile NatsBus bus;
    private volatile String problem;
    private long lagWarning = 10_000;

    @Reference
    private NatsConnector nats;

    private BundleContext context;
    private NatsBusConfig config;

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
            deactivate();
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
        File area = context.getDataFile("replay-generation");
        if (bus != null && area != null) {
            Replays.apply(this, "NATS bus (" + PID + ")", c.replayGroups(), c.replayGeneration(), area.toPath());
        }
    }

    private void open(NatsBusConfig c) {
        metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
        NatsBus.Settings s;
        try {
            s = settings(c, nats.requestTimeout());
        } catch (IllegalArgumentException e) {
            problem = "configuration " + PID + ": " + e.getMessage();
            LOG.error("NATS bus not usable: {}", problem);
            return;
        }
        lagWarning = Math.max(1, c.lagWarning());
        try {
            bus = NatsBus.open(() -> nats.connect("bus"), nats.target(), s, metrics);
            problem = null;
        } catch (RuntimeException e) {
            problem = "cannot open the NATS bus on " + nats.target() + ": " + e.getMessage();
            LOG.error("NATS bus: {}", problem, e);
            return;
        }
        MetricRegistry r = registry;
        if (r != null) {
            metrics.bind(r, this::status);
        }
        NatsBus opened = bus;
        handlers.listen(new HandlerBoard.Listener() {
            @Override
            public void subscribe(Subscriber sub) {
                opened.subscribe(sub);
            }

            @Override
            public void unsubscribe(Object identity) {
                opened.unsubscribe(identity);
            }
        });
        List<Subscriber> ready = handlers.current();
        ready.forEach(opened::subscribe);
        LOG.info("NATS bus {} on {} ({} handler(s))", s.names().stream(), nats.target(), ready.size());
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
        NatsBus b = bus;
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

    private NatsBus bus() {
        NatsBus b = bus;
        if (b == null) {
            throw new BusException("bus_closed", problem != null ? problem : "the NATS bus is not running", null);
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
        NatsBus b = bus;
        return b == null ? new BusStatus("nats", false, problem != null ? problem : "not running", List.of()) : b.status();
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "bus-nats";
    }

    @Override
    public HealthResult check() {
        return BusHealth.of(status(), handlers.refused(), lagWarning, Map.of("nats", nats.target()));
    }
}
