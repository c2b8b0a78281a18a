package dev.ludus.nats.connector;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.nats.client.NatsConnector;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;

/**
 * The node's NATS ({@value #PID}, optional: without a configuration, nats://127.0.0.1:4222). Every
 * connection opened through it has the configured servers, credentials, TLS and timeouts, and
 * reconnects forever once open. A connection of its own is measured every
 * {@code checkSeconds} and the health check {@code nats} reports it: UP with the round trip,
 * DEGRADED with the reason while NATS does not answer (the node goes on: each user of NATS says
 * what it cannot do), DOWN while the configuration is not usable.
 *
 * <p>Credentials are the private properties {@code .password} and {@code .token}: not service
 * properties, never logged.
 */
@Component(service = {NatsConnector.class, HealthCheck.class}, configurationPid = ConfiguredNatsConnector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = NatsConnector.NAME_PROPERTY + "=default")
@Designate(ocd = NatsConfig.class)
public final class ConfiguredNatsConnector implements NatsConnector, HealthCheck {

    static final String PID = "dev.ludus.nats";
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredNatsConnector.class);

    private volatile NatsSettings settings;
    private volatile String configProblem;
    private final List<Connection> opened = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService checker;
    private volatile Connection checkConnection;
    private volatile boolean reachable;
    private volatile String lastError = "not checked yet";
    private volatile Instant failingSince = Instant.now();
    private volatile long roundTripMicros = -1;
    private volatile String serverVersion = "";
    private volatile boolean jetStream;

    @Activate
    void activate(NatsConfig config) {
        try {
            settings = NatsSettings.of(config);
        } catch (IllegalArgumentException e) {
            configProblem = e.getMessage();
            LOG.error("NATS connector not usable: configuration {}: {}", PID, configProblem);
            return;
        }
        NatsSettings s = settings;
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-nats-check");
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::probe, 0, s.checkEvery().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("NATS connector for {} (request timeout {} ms, {})", s.target(), s.requestTimeout().toMillis(),
                s.password() != null ? "user " + s.user() : s.token() != null ? "token" : "no credentials");
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
        List<Connection> all = new ArrayList<>(opened);
        opened.clear();
        for (Connection c : all) {
            close(c);
        }
        reachable = false;
    }

    private static void close(Connection c) {
        try {
            c.close(); // its threads end with it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("closing a NATS connection: {}", e.toString());
        }
    }

    @Override
    public String target() {
        NatsSettings s = settings;
        return s == null ? "(misconfigured)" : s.target();
    }

    @Override
    public Connection connect(String name) throws IOException {
        return open(name, null);
    }

    private Connection open(String name, ConnectionListener listener) throws IOException {
        NatsSettings s = settings;
        if (s == null || checker == null) {
            throw new IllegalStateException("NATS connector not usable: configuration " + PID + ": " + configProblem);
        }
        Logged log = new Logged(name, listener);
        try {
            Connection c = Nats.connect(s.options(name).errorListener(log).connectionListener(log).build());
            opened.add(c);
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening NATS connection " + name, e);
        }
    }

    /** Forgets a connection its user closed (the connector closes the rest when it stops). */
    private void closed(Connection c) {
        opened.remove(c);
    }

    @Override
    public Duration requestTimeout() {
        NatsSettings s = settings;
        return s == null ? Duration.ZERO : s.requestTimeout();
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    /** Runs on the checker: opens its connection once, then measures the round trip. */
    void probe() {
        try {
            Connection c = checkConnection;
            if (c == null) {
                c = open("check", null); // fails while NATS is away; tried again next time
                checkConnection = c;
            }
            if (c.getStatus() != Connection.Status.CONNECTED) {
                throw new IOException("not connected (" + c.getStatus().name().toLowerCase() + ")");
            }
            roundTripMicros = c.RTT().toNanos() / 1000;
            if (c.getServerInfo() != null) {
                serverVersion = c.getServerInfo().getVersion();
                jetStream = c.getServerInfo().isJetStreamAvailable();
            }
            if (!reachable) {
                LOG.info("NATS at {} answers ({}, NATS {}, JetStream {}, round trip {} µs)", target(),
                        c.getConnectedUrl(), serverVersion, jetStream ? "on" : "off", roundTripMicros);
            }
            reachable = true;
            lastError = null;
        } catch (IOException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return; // deactivated while checking
            }
            String why = NatsConnector.describe(e);
            if (reachable || !why.equals(lastError)) {
                LOG.warn("NATS at {} does not answer: {}", target(), why);
            }
            if (reachable) {
                failingSince = Instant.now();
            }
            reachable = false;
            lastError = why;
        }
    }

    @Override
    public String name() {
        return "nats";
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
            d.put("jetStream", jetStream);
        }
        d.put("connections", opened.size());
        if (reachable) {
            d.put("roundTripMicros", roundTripMicros);
            return HealthResult.up(d);
        }
        return HealthResult.degraded("NATS does not answer since " + failingSince + ": " + lastError, d);
    }

    /** jnats' errors and connection events, into the node's log (jnats would print them itself). */
    private final class Logged implements ErrorListener, ConnectionListener {
        private final String name;
        private final ConnectionListener next;

        Logged(String name, ConnectionListener next) {
            this.name = name;
            this.next = next;
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("NATS connection {}: server error: {}", name, error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("NATS connection {}: {}", name, NatsConnector.describe(exp));
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            LOG.warn("NATS connection {}: a subscriber falls behind (slow consumer); messages may be dropped", name);
        }

        @Override
        public void connectionEvent(Connection conn, Events type) {
            switch (type) {
                case DISCONNECTED -> LOG.info("NATS connection {} lost its server; reconnecting", name);
                case RECONNECTED -> LOG.info("NATS connection {} reconnected to {}", name, conn.getConnectedUrl());
                case CLOSED -> closed(conn);
                default -> LOG.debug("NATS connection {}: {}", name, type);
            }
            if (next != null) {
                next.connectionEvent(conn, type);
            }
        }
    }
}
