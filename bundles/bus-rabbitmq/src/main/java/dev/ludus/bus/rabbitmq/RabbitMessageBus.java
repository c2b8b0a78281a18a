package dev.ludus.bus.rabbitmq;

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
import com.rabbitmq.client.ConnectionFactory;

import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.MessageHandler;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.bus.support.BusComponent;
import dev.ludus.bus.support.Replays;

/**
 * The {@code rabbitmq} {@link MessageBus} ({@link RabbitBus}) as a component, delivering to every
 * {@link MessageHandler} service (the whiteboard), with the health check {@code bus-rabbitmq} and
 * the {@code ludus_bus_*} metrics labelled {@code bus="rabbitmq"}. It starts without RabbitMQ:
 * publishes are refused with {@code bus_unavailable} until it is connected, and groups start
 * taking messages once it is.
 *
 * <p>The password is the private property {@code .password}: not a service property, never logged.
 */
@Component(service = {MessageBus.class, HealthCheck.class}, configurationPid = RabbitMessageBus.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = MessageBus.IMPLEMENTATION + "=rabbitmq")
@Designate(ocd = RabbitBusConfig.class)
public final class RabbitMessageBus extends BusComponent<RabbitBus> {

    static final String PID = "dev.ludus.bus.rabbitmq";
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMessageBus.class);

    private volatile String target = "";
    private BundleContext context;
    private RabbitBusConfig config;

    public RabbitMessageBus() {
        super("rabbitmq", "RabbitMQ bus");
    }

    @Activate
    void activate(RabbitBusConfig config, BundleContext context) {
        this.context = context;
        this.config = config;
        open(config);
        replayIfAsked(config);
    }

    /** A changed configuration: a new replay number replays; any other change reopens the bus. */
    @Modified
    void modified(RabbitBusConfig changed) {
        RabbitBusConfig before = config;
        config = changed;
        if (!sameBus(before, changed)) {
            stopRunning();
            open(changed);
        }
        replayIfAsked(changed);
    }

    private static boolean sameBus(RabbitBusConfig a, RabbitBusConfig b) {
        return a.host().equals(b.host()) && a.port() == b.port() && a.virtualHost().equals(b.virtualHost())
                && a.user().equals(b.user()) && a._password().equals(b._password()) && a.tls() == b.tls()
                && a.name().equals(b.name()) && a.lanes() == b.lanes() && a.maxInFlight() == b.maxInFlight()
                && a.connectTimeoutMillis() == b.connectTimeoutMillis()
                && a.confirmTimeoutMillis() == b.confirmTimeoutMillis()
                && a.maxPendingPublishes() == b.maxPendingPublishes() && a.lagWarning() == b.lagWarning();
    }

    private void replayIfAsked(RabbitBusConfig c) {
        File mark = context.getDataFile("replay-generation");
        if (bus() != null && mark != null) {
            Replays.apply(this, "RabbitMQ bus (" + PID + ")", c.replayGroups(), c.replayGeneration(), mark.toPath());
        }
    }

    private void open(RabbitBusConfig c) {
        metrics.bundle(context.getBundle().getSymbolicName(), context.getBundle().getVersion().toString());
        RabbitBus.Settings s;
        ConnectionFactory factory;
        try {
            s = settings(c);
            factory = factory(c);
        } catch (IllegalArgumentException e) {
            notRunning("configuration " + PID + ": " + e.getMessage());
            LOG.error("RabbitMQ bus not usable: configuration {}: {}", PID, e.getMessage());
            return;
        }
        target = (c.tls() ? "amqps://" : "amqp://") + c.host() + ":" + c.port() + "/" + c.virtualHost();
        running(RabbitBus.open(factory, target, s, metrics), c.lagWarning());
        LOG.info("RabbitMQ bus {} on {} as {} ({} handler(s))", s.topology().exchange(), target, c.user(),
                handlers.current().size());
    }

    static RabbitBus.Settings settings(RabbitBusConfig c) {
        return new RabbitBus.Settings(new Topology(c.name()), clamp(c.lanes(), 1, 64), clamp(c.maxInFlight(), 1, 65_535),
                Duration.ofMillis(clamp(c.confirmTimeoutMillis(), 10, 60_000)), clamp(c.maxPendingPublishes(), 1, 1_000_000));
    }

    /** The broker's address and credentials, checked: a bad value names the setting. */
    static ConnectionFactory factory(RabbitBusConfig c) {
        String host = c.host() == null ? "" : c.host().trim();
        if (host.isEmpty() || host.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '/' || ch == '@')) {
            throw new IllegalArgumentException("host must be a host name or address, got '" + c.host() + "'");
        }
        if (c.port() < 1 || c.port() > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + c.port());
        }
        if (c.user() == null || c.user().isBlank()) {
            throw new IllegalArgumentException("user must not be empty");
        }
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host);
        f.setPort(c.port());
        f.setVirtualHost(c.virtualHost() == null || c.virtualHost().isBlank() ? "/" : c.virtualHost());
        f.setUsername(c.user());
        f.setPassword(c._password() == null ? "" : c._password());
        f.setConnectionTimeout(clamp(c.connectTimeoutMillis(), 10, 60_000));
        f.setRequestedHeartbeat(10);
        if (c.tls()) {
            try {
                f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalArgumentException("tls is on but the JVM has no default TLS context: " + e.getMessage());
            }
        }
        return f;
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
        return Map.of("broker", target);
    }
}
