package dev.ludus.web.security;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * Closes HTTP/1 connections that take longer than {@code headerTimeoutSeconds} to send a complete
 * request head (slow-header, "slowloris" attacks). Jetty 12 has no such deadline: its idle timeout
 * restarts with every byte, so a client sending one byte every few seconds holds a connection for
 * ever.
 *
 * <p>Felix HTTP offers no hook into its connector except the {@link ConnectorFactory} whiteboard,
 * which hands over the running {@link Server}. This component uses that call to attach itself as a
 * connection listener to the server's network connectors, and answers it with an in-memory
 * {@link LocalConnector}, which opens no port. When Felix restarts Jetty (a configuration change),
 * it calls again with the new server.
 *
 * <p>A sweep, on a thread this component owns, looks at each open connection: one whose parser is
 * still reading a request head (or that has sent nothing since it opened) for longer than the
 * deadline is closed. Idle keep-alive connections between requests are left to Jetty's idle
 * timeout, and upgraded (WebSocket) connections are no longer watched.
 */
@Component(service = {ConnectorFactory.class, HealthCheck.class}, configurationPid = WebSecurityConfig.PID)
public class HeaderDeadline implements ConnectorFactory, HealthCheck, Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** When the current head began (nanoTime) and how many requests the connection had then. */
    private static final class Watch {
        long since;
        long messages;
        boolean inHead;

        Watch(long since, long messages) {
            this.since = since;
            this.messages = messages;
            this.inHead = true;
        }
    }

    private final Map<HttpConnection, Watch> watched = new ConcurrentHashMap<>();
    private final List<Connector> attached = new CopyOnWriteArrayList<>();
    private final AtomicLong closed = new AtomicLong();
    private final ScheduledExecutorService sweeper;
    private volatile long timeoutNanos;
    private volatile String refusal;
    private long closedSinceLog;
    private long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;

    @Activate
    public HeaderDeadline(WebSecurityConfig config) {
        apply(config, true);
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-header-deadline");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Modified
    void modified(WebSecurityConfig config) {
        apply(config, false);
    }

    private void apply(WebSecurityConfig config, boolean first) {
        try {
            timeoutNanos = WebSettings.from(config).headerTimeout().toNanos();
            refusal = null;
        } catch (InvalidSettingException e) {
            refusal = e.getMessage();
            if (first) {
                timeoutNanos = WebSettings.defaults().headerTimeout().toNanos();
            }
            // The same refusal is logged by the request filter, which reads the same configuration.
        }
    }

    @Deactivate
    void deactivate() {
        sweeper.shutdownNow();
        for (Connector c : attached) {
            c.removeEventListener(this);
        }
        attached.clear();
        watched.clear();
    }

    @Override
    public Connector createConnector(Server server) {
        attached.removeIf(c -> !c.isRunning());
        for (Connector c : server.getConnectors()) {
            if (c instanceof ServerConnector && !attached.contains(c)) {
                c.addEventListener(this);
                attached.add(c);
                LOG.info("Request header deadline of {} s on {}", TimeUnit.NANOSECONDS.toSeconds(timeoutNanos), c);
            }
        }
        return new LocalConnector(server);
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            watched.put(http, new Watch(System.nanoTime(), http.getMessagesIn()));
        }
    }

    @Override
    public void onClosed(Connection connection) {
        watched.remove(connection);
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            long timeout = timeoutNanos;
            int closedNow = 0;
            for (Map.Entry<HttpConnection, Watch> e : watched.entrySet()) {
                HttpConnection http = e.getKey();
                Watch w = e.getValue();
                if (http.getEndPoint().getConnection() != http || !http.getEndPoint().isOpen()) {
                    watched.remove(http); // upgraded to WebSocket, or gone
                    continue;
                }
                HttpParser parser = http.getParser();
                long messages = http.getMessagesIn();
                // Between requests the parser waits at START with nothing read: that is keep-alive idling,
                // which Jetty's idle timeout handles. Before the first request, waiting counts.
                boolean readingHead = parser.inHeaderState() && (!parser.isStart() || messages == 0);
                if (!readingHead) {
                    w.inHead = false;
                    continue;
                }
                if (!w.inHead || w.messages != messages) {
                    w.inHead = true;
                    w.since = now;
                    w.messages = messages;
                } else if (now - w.since >= timeout) {
                    watched.remove(http);
                    http.getEndPoint().close();
                    closedNow++;
                }
            }
            if (closedNow > 0) {
                closed.addAndGet(closedNow);
                closedSinceLog += closedNow;
            }
            if (closedSinceLog > 0 && now - lastLog >= LOG_INTERVAL_NANOS) {
                LOG.warn("Closed {} connection(s) that did not send a complete request head within {} s",
                        closedSinceLog, TimeUnit.NANOSECONDS.toSeconds(timeout));
                closedSinceLog = 0;
                lastLog = now;
            }
        } catch (RuntimeException e) {
            LOG.warn("Header deadline sweep failed; retrying", e);
        }
    }

    @Override
    public String name() {
        return "http-connections";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("headerTimeoutSeconds", TimeUnit.NANOSECONDS.toSeconds(timeoutNanos));
        details.put("watchedConnections", watched.size());
        details.put("slowHeaderClosed", closed.get());
        String r = refusal;
        if (r != null) {
            return HealthResult.degraded(r, details);
        }
        if (attached.isEmpty()) {
            return HealthResult.degraded("the HTTP server has not handed over its connectors yet", details);
        }
        return HealthResult.up(details);
    }
}
