package dev.ludus.bus.rabbitmq;

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
import com.rabbitmq.client.ConnectionFactory;

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
public final class RabbitMessageBus implements MessageBus, HealthCheck {

    static final String PID = "dev.ludus.bus.rabbitmq";
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMessageBus.class);

    private final BusMetrics metrics = new BusMetrics("rabbitmq");
    private final HandlerBoard handlers = new HandlerBoard("RabbitMQ bus");
    private volatile MetricRegistry registry;
    private volatile RabbitBus bus;
    private volatile String problem;
    private volatile String target = "";
    private long lagWarning = 10_000;

    private BundleContext context;
    private RabbitBusConfig config;

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
            deactivate();
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
        File area = context.getDataFile("replay-generation");
        if (bus != null && area != null) {
            Replays.apply(this, "RabbitMQ bus (" + PID + ")", c.replayGroups(), c.replayGeneration(), area.toPath());
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
            problem = "configuration " + PID + ": " + e.getMessage();
            LOG.error("RabbitMQ bus not usable: {}", problem);
            return;
        }
        target = (c.tls() ? "amqps://" : "amqp://") + c.host() + ":" + c.port() + "/" + c.virtualHost();
        lagWarning = Math.max(1, c.lagWarning());
        bus = RabbitBus.open(factory, target, s, metrics);
        problem = null;
        MetricRegistry r = registry;
        if (r != null) {
            metrics.bind(r, this::status);
        }
        RabbitBus opened = bus;
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
        LOG.info("RabbitMQ bus {} on {} as {} ({} handler(s))", s.topology().exchange(), target, c.user(), ready.size());
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
        RabbitBus b = bus;
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

    private RabbitBus bus() {
        RabbitBus b = bus;
        if (b == null) {
            throw new BusException("bus_closed", problem != null ? problem : "the RabbitMQ bus is not running", null);
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
        RabbitBus b = bus;
        return b == null ? new BusStatus("rabbitmq", false, problem != null ? problem : "not running", List.of()) : b.status();
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "bus-rabbitmq";
    }

    @Override
    public HealthResult check() {
        return BusHealth.of(status(), handlers.refused(), lagWarning, Map.of("broker", target));
    }
}
