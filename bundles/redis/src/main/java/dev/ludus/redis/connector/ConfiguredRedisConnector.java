package dev.ludus.redis.connector;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.redis.client.RedisConnector;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * The node's Redis ({@value #PID}, optional: without a configuration, 127.0.0.1:6379 database 0).
 * One Lettuce client; every connection opened through it has the configured timeouts, TLS and
 * credentials, reconnects by itself and refuses commands at once while disconnected. A checker
 * thread PINGs Redis every {@code checkSeconds} over a connection of its own and the health check
 * {@code redis} reports the answer: UP with the round trip, DEGRADED with the reason while Redis
 * does not answer (the node goes on: each user of Redis has a fallback), DOWN while the
 * configuration is not usable.
 *
 * <p>The password is the private property {@code .password}: not a service property, never logged.
 */
@Component(service = {RedisConnector.class, HealthCheck.class}, configurationPid = ConfiguredRedisConnector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = RedisConnector.NAME_PROPERTY + "=default")
@Designate(ocd = RedisConfig.class)
public final class ConfiguredRedisConnector implements RedisConnector, HealthCheck {

    static final String PID = "dev.ludus.redis";
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredRedisConnector.class);

    private volatile RedisSettings settings;
    private volatile String configProblem;
    private RedisClient client;
    private ScheduledExecutorService checker;
    private StatefulRedisConnection<String, String> checkConnection;
    private volatile boolean reachable;
    private volatile String lastError = "not checked yet";
    private volatile Instant failingSince = Instant.now();
    private volatile long roundTripMicros = -1;
    private volatile String serverVersion = "";

    @Activate
    void activate(RedisConfig config) {
        try {
            settings = RedisSettings.of(config);
        } catch (IllegalArgumentException e) {
            configProblem = e.getMessage();
            LOG.error("Redis connector not usable: configuration {}: {}", PID, configProblem);
            return;
        }
        RedisSettings s = settings;
        client = withLettuceLoader(() -> {
            RedisClient c = RedisClient.create(s.uri());
            c.setOptions(s.options());
            return c;
        });
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-redis-check");
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::probe, 0, s.checkEvery().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Redis connector for {} (command timeout {} ms, {})", s.target(), s.commandTimeout().toMillis(),
                s.password() == null ? "no password" : "with password");
    }

    @Deactivate
    void deactivate() {
        if (checker != null) {
            checker.shutdownNow();
            try {
                checker.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (client != null) {
            // Closes every connection still open through it; Lettuce's threads end with it.
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        reachable = false;
    }

    @Override
    public String target() {
        RedisSettings s = settings;
        return s == null ? "(misconfigured)" : s.target();
    }

    @Override
    public <K, V> StatefulRedisConnection<K, V> connect(RedisCodec<K, V> codec) {
        RedisClient c = client;
        if (c == null) {
            throw new IllegalStateException("Redis connector not usable: configuration " + PID + ": " + configProblem);
        }
        return withLettuceLoader(() -> c.connect(codec));
    }

    @Override
    public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
        RedisClient c = client;
        if (c == null) {
            throw new IllegalStateException("Redis connector not usable: configuration " + PID + ": " + configProblem);
        }
        return withLettuceLoader(() -> c.connectPubSub(codec));
    }

    @Override
    public Duration commandTimeout() {
        RedisSettings s = settings;
        return s == null ? Duration.ZERO : s.commandTimeout();
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    /**
     * Lettuce looks for JFR through the thread's context class loader the first time it records an
     * event, and inside the framework its JFR recorder then fails every connect. Its own bundle's
     * loader does not see {@code jdk.jfr}: with it as the context, Lettuce records no JFR events.
     */
    static <T> T withLettuceLoader(Supplier<T> action) {
        Thread me = Thread.currentThread();
        ClassLoader before = me.getContextClassLoader();
        me.setContextClassLoader(RedisClient.class.getClassLoader());
        try {
            return action.get();
        } finally {
            me.setContextClassLoader(before);
        }
    }

    /** Runs on the checker: PING over the check connection, opened (again) when needed. */
    void probe() {
        try {
            if (checkConnection == null || !checkConnection.isOpen()) {
                if (checkConnection != null) {
                    checkConnection.closeAsync();
                }
                checkConnection = connect(StringCodec.UTF8);
                serverVersion = version(checkConnection.sync().info("server"));
            }
            long start = System.nanoTime();
            String pong = checkConnection.sync().ping();
            roundTripMicros = (System.nanoTime() - start) / 1000;
            if (!"PONG".equals(pong)) {
                throw new RedisException("PING answered " + pong);
            }
            if (!reachable) {
                LOG.info("Redis at {} answers (Redis {}, PING {} µs)", target(), serverVersion, roundTripMicros);
            }
            reachable = true;
            lastError = null;
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return; // deactivated while checking
            }
            String why = RedisConnector.describe(e);
            if (reachable || !why.equals(lastError)) {
                LOG.warn("Redis at {} does not answer: {}", target(), why);
            }
            if (reachable) {
                failingSince = Instant.now();
            }
            reachable = false;
            lastError = why;
        }
    }

    private static String version(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                return line.substring("redis_version:".length()).trim();
            }
        }
        return "?";
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("target", target());
        if (configProblem != null) {
            return HealthResult.down("configuration " + PID + ": " + configProblem, d);
        }
        if (!serverVersion.isEmpty()) {
            d.put("version", serverVersion);
        }
        if (reachable) {
            d.put("pingMicros", roundTripMicros);
            return HealthResult.up(d);
        }
        return HealthResult.degraded("Redis does not answer since " + failingSince + ": " + lastError, d);
    }
}
