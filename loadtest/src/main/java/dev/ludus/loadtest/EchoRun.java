package dev.ludus.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * The baseline: a bare Jetty WebSocket echo server (the same Jetty 12 servlet WebSocket layer the
 * gateway runs on, doing nothing but echo) and the same client, in the same pattern as the games:
 * groups of four connections take turns, one message in flight per group, with the same think
 * time, until as many round trips as the games made actions.
 */
final class EchoRun {

    /** A message the size of a typical action. */
    private static final String MESSAGE =
            "{\"id\":12,\"type\":\"act\",\"action\":\"play\",\"args\":{\"pieces\":[\"RED_CHARIOT\",\"RED_HORSE\",\"RED_CANNON\"]}}";

    record Result(int connections, int peakOpen, long roundTrips, double seconds, Latencies.Summary latency,
                  String failure) {
        double roundTripsPerSecond() {
            return seconds <= 0 ? 0 : roundTrips / seconds;
        }
    }

    private final LoadTool.Options options;
    private final List<HttpClient> clients;
    private final ScheduledExecutorService timer;

    EchoRun(LoadTool.Options options, List<HttpClient> clients, ScheduledExecutorService timer) {
        this.options = options;
        this.clients = clients;
        this.timer = timer;
    }

    Result run(long targetRoundTrips) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        JettyWebSocketServletContainerInitializer.configure(context, null);
        context.addServlet(new ServletHolder(new EchoServlet()), "/echo");
        server.setHandler(context);
        server.start();
        try {
            return measure(URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/echo"), targetRoundTrips);
        } finally {
            server.stop();
        }
    }

    private Result measure(URI uri, long targetRoundTrips) throws Exception {
        int groups = options.players() / 4;
        AtomicInteger open = new AtomicInteger();
        Latencies latency = new Latencies();
        AtomicLong trips = new AtomicLong();
        long perGroup = Math.max(1, targetRoundTrips / Math.max(1, groups));
        List<Group> all = new ArrayList<>();
        Semaphore handshakes = new Semaphore(200);
        List<CompletableFuture<?>> opened = new ArrayList<>();
        int n = 0;
        CountDownLatch done = new CountDownLatch(groups);
        for (int g = 0; g < groups; g++) {
            Group group = new Group(perGroup, latency, trips, done);
            all.add(group);
            for (int s = 0; s < 4; s++) {
                int seat = s;
                handshakes.acquire();
                opened.add(Connection.open(clients.get(n++ % clients.size()), uri, text -> group.echoed(), () -> { }, open)
                        .thenAccept(c -> group.connections[seat] = c)
                        .whenComplete((r, e) -> handshakes.release()));
            }
        }
        CompletableFuture.allOf(opened.toArray(new CompletableFuture[0])).get(options.timeoutSeconds(), TimeUnit.SECONDS);
        int connected = open.get();
        long started = System.nanoTime();
        all.forEach(Group::next);
        boolean finished = done.await(options.timeoutSeconds(), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        for (Group g : all) {
            for (Connection c : g.connections) {
                c.close();
            }
        }
        return new Result(connected, connected, trips.get(), seconds, latency.summary(),
                finished ? null : "echo groups did not finish within " + options.timeoutSeconds() + " s");
    }

    /** Four connections taking turns: one message in flight at a time, like a game's turns. */
    private final class Group {
        final Connection[] connections = new Connection[4];
        final long target;
        final Latencies latency;
        final AtomicLong trips;
        final CountDownLatch done;
        private long made;
        private int turn;
        private volatile long sentAt;

        Group(long target, Latencies latency, AtomicLong trips, CountDownLatch done) {
            this.target = target;
            this.latency = latency;
            this.trips = trips;
            this.done = done;
        }

        void next() {
            Runnable send = () -> {
                sentAt = System.nanoTime();
                connections[turn].send(MESSAGE);
            };
            if (options.thinkMillis() > 0) {
                timer.schedule(send, ThreadLocalRandom.current().nextLong(options.thinkMillis() * 2 + 1), TimeUnit.MILLISECONDS);
            } else {
                send.run();
            }
        }

        void echoed() {
            latency.record(System.nanoTime() - sentAt);
            trips.incrementAndGet();
            made++;
            turn = (turn + 1) % 4;
            if (made >= target) {
                done.countDown();
            } else {
                next();
            }
        }
    }

    /** Echoes every text message back to its sender. */
    static final class EchoServlet extends JettyWebSocketServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void configure(JettyWebSocketServletFactory factory) {
            factory.setIdleTimeout(Duration.ofMinutes(5));
            factory.setCreator((req, resp) -> new EchoEndpoint());
        }
    }

    public static final class EchoEndpoint implements Session.Listener.AutoDemanding {
        private volatile Session session;

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // the client went away at the end of the run
        }
    }
}
