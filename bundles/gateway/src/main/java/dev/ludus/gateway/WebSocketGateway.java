package dev.ludus.gateway;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.gateway.PlayerControl;
import dev.ludus.api.gateway.RateLimitControl;
import dev.ludus.api.gateway.PlayerDirectory;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.limits.RateLimiter;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.rooms.RoomService;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.servlet.Servlet;

/**
 * The WebSocket endpoint {@code /ws}, registered through the HTTP whiteboard as a
 * {@link UpgradeServlet} whose connections go to this component's {@link Gateway}: when this
 * component goes away its servlet is unregistered with it, leaving no mapping behind. Also the
 * {@code gateway} health check. While active it registers the operators' services of its players
 * ({@link GatewayAdmin}: {@code PlayerDirectory}, {@code PlayerControl}).
 *
 * <p>The resume-token key lives in {@code <ludus.data>/gateway/resume.key} (the framework
 * property {@code ludus.data}, else the bundle's data area), so tokens stay valid across restarts.
 */
@Component(service = {Servlet.class, HealthCheck.class}, configurationPid = WebSocketGateway.PID)
@Designate(ocd = GatewayConfig.class)
@HttpWhiteboardServletPattern("/ws")
@RequireHttpWhiteboard
public class WebSocketGateway extends UpgradeServlet implements HealthCheck {
    private static final long serialVersionUID = 1L;

    static final String PID = "dev.ludus.gateway";
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketGateway.class);

    private transient volatile RoomService rooms;
    private transient volatile RateLimiter limiter;
    private transient volatile dev.ludus.api.stats.PlayerStats stats;
    private transient volatile dev.ludus.api.archive.ArchiveService archive;
    private transient volatile dev.ludus.api.cache.Caches caches;
    private transient volatile dev.ludus.api.bus.MessageBus bus;
    private transient volatile dev.ludus.api.cluster.Cluster cluster;
    private transient volatile String limiterName;
    /** Each game service bound before activation: its type and declared limits. */
    private final transient Map<ServiceReference<GameDefinition>, Object[]> games = new java.util.concurrent.ConcurrentHashMap<>();
    private transient volatile MetricRegistry registry;
    private transient volatile OpenTelemetry openTelemetry;
    private transient volatile Gateway gateway;
    private transient volatile ServiceRegistration<?> admin;
    transient Clock clock = Clock.systemUTC();

    @Activate
    void activate(BundleContext context, GatewayConfig config) throws IOException {
        String data = context.getProperty("ludus.data");
        Path dir = data != null && !data.isBlank() ? Path.of(data) : context.getDataFile("").toPath();
        byte[] key = resumeKey(config, dir);
        Gateway g = new Gateway(readable(config, null), new ResumeTokens(key, clock), clock);
        g.start();
        g.cluster(cluster);
        g.rooms(rooms);
        g.stats(stats);
        g.archive(archive);
        g.caches(caches);
        g.bus(bus);
        g.rateLimits.limiter(limiter, limiterName);
        games.values().forEach(v -> g.rateLimits.game(v[0] == null ? null : v[0].toString(), v[1]));
        gateway = g;
        admin = context.registerService(new String[] {PlayerDirectory.class.getName(), PlayerControl.class.getName(),
                        RateLimitControl.class.getName()},
                new GatewayAdmin(() -> gateway), null);
        MetricRegistry r = registry;
        if (r != null) {
            bindMetrics(g, r);
        }
        OpenTelemetry otel = openTelemetry;
        if (otel != null) {
            g.tracing.bind(otel, version());
        }
    }

    /**
     * The resume-token key: the configuration's {@code .resumeKey} (base64 of at least 32 bytes;
     * every node of a cluster gets the same, so a token is good on any node), else the key file
     * under the data folder, made on first start. A configured key that cannot be read stops the
     * gateway with the reason: tokens signed otherwise would fail on the other nodes.
     */
    static byte[] resumeKey(GatewayConfig config, Path dir) throws IOException {
        String configured = config._resumeKey();
        if (configured != null && !configured.isBlank()) {
            byte[] key;
            try {
                key = java.util.Base64.getDecoder().decode(configured.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("configuration " + PID + ": .resumeKey is not base64 (" + e.getMessage()
                        + "); the gateway does not start");
            }
            if (key.length < ResumeTokens.KEY_BYTES) {
                throw new IllegalArgumentException("configuration " + PID + ": .resumeKey holds " + key.length
                        + " bytes, at least " + ResumeTokens.KEY_BYTES + " are needed; the gateway does not start");
            }
            return key;
        }
        return ResumeTokens.loadOrCreateKey(dir.resolve("gateway").resolve("resume.key"));
    }

    @Modified
    void modified(GatewayConfig config) {
        gateway.configure(readable(config, gateway.config()));
    }

    /**
     * The configuration guard refuses a value that is not a number before it gets here. Without
     * the guard, such a value makes its accessor throw at every use (every upgrade answered 500,
     * nothing logged), so every setting is read once here: if one cannot be read, the previous
     * configuration is kept (at activation, the defaults) and one line says which.
     */
    static GatewayConfig readable(GatewayConfig config, GatewayConfig previous) {
        for (Method m : GatewayConfig.class.getDeclaredMethods()) {
            try {
                m.invoke(config);
            } catch (InvocationTargetException | IllegalAccessException | RuntimeException e) {
                Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
                LOG.warn("configuration {} refused: {} cannot be read ({}); keeping the {}", PID, m.getName(),
                        cause, previous == null ? "defaults" : "previous configuration");
                return previous != null ? previous : defaults();
            }
        }
        return config;
    }

    /** Every setting at its declared default. */
    static GatewayConfig defaults() {
        return (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] {GatewayConfig.class}, (proxy, method, args) -> {
                    Object value = method.getDefaultValue();
                    if (value != null) {
                        return value;
                    }
                    return switch (method.getName()) {
                        case "annotationType" -> GatewayConfig.class;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "GatewayConfig(defaults)";
                    };
                });
    }

    @Deactivate
    void deactivate() {
        ServiceRegistration<?> a = admin;
        admin = null;
        if (a != null) {
            a.unregister();
        }
        Gateway g = gateway;
        if (g != null) {
            g.stop();
            g.metrics.unbind();
        }
    }

    /**
     * The node's metrics registry (the metrics bundle), optional: the gateway's counts and times
     * are put there while one is bound, and taken out when it leaves; they go on counting meanwhile.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMetricRegistry(MetricRegistry r) {
        registry = r;
        Gateway g = gateway;
        if (g != null) {
            bindMetrics(g, r);
        }
    }

    void unbindMetricRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            Gateway g = gateway;
            if (g != null && g.metrics.registry() == r) {
                g.metrics.unbind();
            }
        }
    }

    /**
     * The node's OpenTelemetry (a tracing bundle's SDK), optional: players' actions are traced
     * through it while one is bound, and through the API's no-op otherwise.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOpenTelemetry(OpenTelemetry otel) {
        openTelemetry = otel;
        Gateway g = gateway;
        if (g != null) {
            g.tracing.bind(otel, version());
        }
    }

    void unbindOpenTelemetry(OpenTelemetry otel) {
        if (openTelemetry == otel) {
            openTelemetry = null;
        }
        Gateway g = gateway;
        if (g != null) {
            g.tracing.unbind(otel);
        }
    }

    private static String version() {
        Bundle b = FrameworkUtil.getBundle(WebSocketGateway.class);
        return b == null ? "0" : b.getVersion().toString();
    }

    private static void bindMetrics(Gateway g, MetricRegistry r) {
        Bundle b = FrameworkUtil.getBundle(WebSocketGateway.class);
        g.metrics.bind(r, b == null ? "dev.ludus.gateway" : b.getSymbolicName(), b == null ? "0" : b.getVersion().toString());
    }

    /**
     * The rate limiter that keeps the players' buckets (a limiter bundle), optional and swapped live:
     * the setting {@code limiter.target} chooses which. While none is bound, limited requests are
     * allowed or refused as {@code limitsWithoutLimiter} says, and health says so.
     */
    @Reference(name = "limiter", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindLimiter(RateLimiter l, Map<String, Object> properties) {
        limiter = l;
        Object name = properties.get("ludus.limiter");
        limiterName = name == null ? l.getClass().getName() : name.toString();
        Gateway g = gateway;
        if (g != null) {
            g.rateLimits.limiter(l, limiterName);
        }
    }

    void unbindLimiter(RateLimiter l) {
        if (limiter == l) {
            limiter = null;
            Gateway g = gateway;
            if (g != null && g.rateLimits.limiter() == l) {
                g.rateLimits.limiter(null);
            }
        }
    }

    /**
     * The games installed, for the rate limits they declare in their service property
     * {@code ludus.game.limits}; only the properties are read (the service is not got).
     */
    @Reference(service = GameDefinition.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindGame(ServiceReference<GameDefinition> ref) {
        games.put(ref, new Object[] {ref.getProperty("ludus.game.type"), ref.getProperty(RequestLimits.GAME_LIMITS)});
        Gateway g = gateway;
        if (g != null) {
            g.rateLimits.game(typeOf(ref), ref.getProperty(RequestLimits.GAME_LIMITS));
        }
    }

    void updatedGame(ServiceReference<GameDefinition> ref) {
        bindGame(ref);
    }

    void unbindGame(ServiceReference<GameDefinition> ref) {
        games.remove(ref);
        Gateway g = gateway;
        if (g != null) {
            g.rateLimits.gameGone(typeOf(ref));
        }
    }

    private static String typeOf(ServiceReference<?> ref) {
        Object type = ref.getProperty("ludus.game.type");
        return type == null ? null : type.toString();
    }

    /** The cluster this node is in, optional: a room on another node is answered with its address. */
    @Reference(name = "cluster", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCluster(dev.ludus.api.cluster.Cluster service) {
        cluster = service;
        Gateway g = gateway;
        if (g != null) {
            g.cluster(service);
        }
    }

    void unbindCluster(dev.ludus.api.cluster.Cluster service) {
        if (cluster == service) {
            cluster = null;
            Gateway g = gateway;
            if (g != null) {
                g.cluster(null);
            }
        }
    }

    /** The bus players' connections are announced on ({@code bus.target}), optional. */
    @Reference(name = "bus", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBus(dev.ludus.api.bus.MessageBus service) {
        bus = service;
        Gateway g = gateway;
        if (g != null) {
            g.bus(service);
        }
    }

    void unbindBus(dev.ludus.api.bus.MessageBus service) {
        if (bus == service) {
            bus = null;
            Gateway g = gateway;
            if (g != null) {
                g.bus(null);
            }
        }
    }

    /** The archive, optional: without it replay requests answer archive_unavailable. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindArchive(dev.ludus.api.archive.ArchiveService service) {
        archive = service;
        Gateway g = gateway;
        if (g != null) {
            g.archive(service);
        }
    }

    void unbindArchive(dev.ludus.api.archive.ArchiveService service) {
        if (archive == service) {
            archive = null;
            Gateway g = gateway;
            if (g != null) {
                g.archive(null);
            }
        }
    }

    /** Where replay replies are kept ({@code cache.target}), optional: without it every replay reads the archive. */
    @Reference(name = "cache", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(ludus.cache=caffeine)")
    void bindCaches(dev.ludus.api.cache.Caches service) {
        caches = service;
        Gateway g = gateway;
        if (g != null) {
            g.caches(service);
        }
    }

    void unbindCaches(dev.ludus.api.cache.Caches service) {
        if (caches == service) {
            caches = null;
            Gateway g = gateway;
            if (g != null) {
                g.caches(null);
            }
        }
    }

    /** Player statistics (the stats bundle), optional: without it statistics requests answer stats_unavailable. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStats(dev.ludus.api.stats.PlayerStats service) {
        stats = service;
        Gateway g = gateway;
        if (g != null) {
            g.stats(service);
        }
    }

    void unbindStats(dev.ludus.api.stats.PlayerStats service) {
        if (stats == service) {
            stats = null;
            Gateway g = gateway;
            if (g != null) {
                g.stats(null);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRooms(RoomService service) {
        rooms = service;
        Gateway g = gateway;
        if (g != null) {
            g.rooms(service);
        }
    }

    void unbindRooms(RoomService service) {
        if (rooms == service) {
            rooms = null;
            Gateway g = gateway;
            if (g != null) {
                g.rooms(null);
            }
        }
    }

    @Override
    protected Gateway gateway() {
        return gateway;
    }

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public HealthResult check() {
        Gateway g = gateway;
        return g == null ? HealthResult.down("not active", null) : g.health();
    }
}
