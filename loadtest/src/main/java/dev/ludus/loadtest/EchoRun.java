package dev.ludus.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

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
 *
 * <p>Then, against the same server process, the network part of an action alone (the fan-out
 * pass): a group's four connections join one group on the server; each message one of them sends
 * is answered with a short acknowledgement to the sender and one prepared text of an action's
 * batch size to each of the four, and the group's next turn starts once all five have arrived.
 * That is what a node's action sends and receives (one frame in; the reply and a batch to each
 * seat out), without rules, event log, views or JSON: what any server must spend on the network
 * for an action of four players, on this Jetty.
 */
final class EchoRun {

    /** A message the size of a typical action. */
    private static final String MESSAGE =
            "{\"id\":12,\"type\":\"act\",\"action\":\"play\",\"args\":{\"pieces\":[\"RED_CHARIOT\",\"RED_HORSE\",\"RED_CANNON\"]}}";

    /**
     * @param serverCpuSeconds the echo server process's CPU time over the phase of round trips
     */
    record Result(int connections, int peakOpen, long roundTrips, double seconds, Latencies.Summary latency,
                  double serverCpuSeconds, String failure, FanOut fanOut) {

        Result(int connections, int peakOpen, long roundTrips, double seconds, Latencies.Summary latency,
               double serverCpuSeconds, String failure) {
            this(connections, peakOpen, roundTrips, seconds, latency, serverCpuSeconds, failure, null);
        }

        double roundTripsPerSecond() {
            return seconds <= 0 ? 0 : roundTrips / seconds;
        }

        /** The echo server's CPU time per round trip, in microseconds; NaN without round trips. */
        double serverCpuMicrosPerRoundTrip() {
            return roundTrips == 0 ? Double.NaN : serverCpuSeconds * 1e6 / roundTrips;
        }

        /** The echo server's CPU utilisation over the phase, in cores. */
        double serverCores() {
            return seconds <= 0 ? Double.NaN : serverCpuSeconds / seconds;
        }
    }

    /**
     * The fan-out pass: {@code rounds} turns, each one message in and five out (the
     * acknowledgement of {@value #ACK_BYTES} bytes to the sender, {@value #BATCH_BYTES} bytes to each
     * of the four), and the server process's CPU time over them.
     */
    record FanOut(long rounds, double seconds, Latencies.Summary latency, double serverCpuSeconds, String failure) {
        /** The server's CPU time per round, in microseconds; NaN without rounds. */
        double serverCpuMicrosPerRound() {
            return rounds == 0 ? Double.NaN : serverCpuSeconds * 1e6 / rounds;
        }

        double roundsPerSecond() {
            return seconds <= 0 ? 0 : rounds / seconds;
        }
    }

    /** The size of a node's reply to an action ({@code {"id":…,"type":"ok",…}}), about. */
    static final int ACK_BYTES = 40;
    /**
     * The size of what a seat receives for an action, about: the node's outbound message bytes
     * over its messages in a game of four (read from {@code ludus_gateway_message_bytes_total}),
     * 1.2 KB on average with the short replies, so some 1.5 KB for a batch of events and view.
     */
    static final int BATCH_BYTES = 1500;

    private final LoadTool.Options options;
    private final List<HttpClient> clients;
    private final ScheduledExecutorService timer;

    EchoRun(LoadTool.Options options, List<HttpClient> clients, ScheduledExecutorService timer) {
        this.options = options;
        this.clients = clients;
        this.timer = timer;
    }

    /** Starts the echo server in its own process, measures against it, and stops it. */
    Result run(long targetRoundTrips) throws Exception {
        try (EchoProcess server = EchoProcess.start(options.echoCpus())) {
            return measure(server, targetRoundTrips);
        }
    }

    /**
     * Serves the echo endpoint on 127.0.0.1 at {@code port} (0: any free port) until standard
     * input ends, so the server lives exactly as long as the load tool that started it. Prints
     * {@value EchoProcess#READY} and the port on one line once it listens.
     */
    static void serve(int port) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        JettyWebSocketServletContainerInitializer.configure(context, null);
        context.addServlet(new ServletHolder(new EchoServlet()), "/echo");
        context.addServlet(new ServletHolder(new FanOutServlet()), "/fanout");
        server.setHandler(context);
        server.start();
        System.out.println(EchoProcess.READY + connector.getLocalPort());
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // wait for the end of the input
            }
        } finally {
            server.stop();
        }
    }

    private Result measure(EchoProcess server, long targetRoundTrips) throws Exception {
        Measured echo = passes(server, g -> "/echo", 1, targetRoundTrips);
        String failure = echo.finished ? null : "echo groups did not finish within " + options.timeoutSeconds() + " s";
        FanOut fanOut = null;
        if (failure == null) {
            Measured f = passes(server, g -> "/fanout?group=" + g, 5, targetRoundTrips);
            fanOut = new FanOut(f.pass.trips.get(), f.seconds, f.pass.latency.summary(), f.cpuSeconds,
                    f.finished ? null : "fan-out groups did not finish within " + options.timeoutSeconds() + " s");
            failure = fanOut.failure();
        }
        return new Result(echo.connected, echo.connected, echo.pass.trips.get(), echo.seconds, echo.pass.latency.summary(),
                echo.cpuSeconds, failure, fanOut);
    }

    /** What {@link #passes} measured. */
    private record Measured(int connected, Pass pass, double seconds, double cpuSeconds, boolean finished) {
    }

    /**
     * Opens the groups' connections to {@code path} (given the group's number), makes an unmeasured
     * pass of {@code target} turns, then a measured one with the server process's CPU time read
     * around it, and closes the connections. A turn ends when {@code perTurn} messages arrived.
     */
    private Measured passes(EchoProcess server, IntFunction<String> path, int perTurn, long target) throws Exception {
        int groups = options.players() / 4;
        AtomicInteger open = new AtomicInteger();
        long perGroup = Math.max(1, target / Math.max(1, groups));
        List<Group> all = new ArrayList<>();
        Semaphore handshakes = new Semaphore(200);
        List<CompletableFuture<?>> opened = new ArrayList<>();
        int n = 0;
        for (int g = 0; g < groups; g++) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + path.apply(g));
            Group group = new Group(perTurn);
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
        // A warm-up pass as long as the measured one, not measured: the server process is new, and
        // its CPU time would otherwise include compiling its code, which the node, running for a
        // while already, has done before its games.
        Pass warmUp = new Pass(perGroup, groups);
        all.forEach(g -> g.start(warmUp));
        boolean warm = warmUp.done.await(options.timeoutSeconds(), TimeUnit.SECONDS);
        Pass measured = new Pass(perGroup, groups);
        double cpuBefore = server.cpuSeconds();
        long started = System.nanoTime();
        if (warm) {
            all.forEach(g -> g.start(measured));
        }
        boolean finished = warm && measured.done.await(options.timeoutSeconds(), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        double cpu = server.cpuSeconds() - cpuBefore;
        for (Group g : all) {
            for (Connection c : g.connections) {
                c.close();
            }
        }
        return new Measured(connected, measured, seconds, cpu, finished);
    }

    /** One pass of round trips: every group makes {@code target} of them. */
    private static final class Pass {
        final long target;
        final Latencies latency = new Latencies();
        final AtomicLong trips = new AtomicLong();
        final CountDownLatch done;

        Pass(long target, int groups) {
            this.target = target;
            this.done = new CountDownLatch(groups);
        }
    }

    /**
     * Four connections taking turns: one message in flight at a time, like a game's turns. A turn
     * ends when {@code perTurn} messages have arrived on any of the four (1 for the echo, the
     * acknowledgement and four batches for the fan-out).
     */
    private final class Group {
        final Connection[] connections = new Connection[4];
        private final int perTurn;
        private final AtomicInteger arrived = new AtomicInteger();
        private volatile Pass pass;
        private long made;
        private int turn;
        private volatile long sentAt;

        Group(int perTurn) {
            this.perTurn = perTurn;
        }

        void start(Pass p) {
            made = 0;
            arrived.set(0);
            pass = p;
            next();
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
            if (arrived.incrementAndGet() < perTurn) {
                return;
            }
            arrived.set(0);
            Pass p = pass;
            p.latency.record(System.nanoTime() - sentAt);
            p.trips.incrementAndGet();
            made++;
            turn = (turn + 1) % 4;
            if (made >= p.target) {
                p.done.countDown();
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

    /** The fan-out endpoint: {@code /fanout?group=N}. */
    static final class FanOutServlet extends JettyWebSocketServlet {
        private static final long serialVersionUID = 1L;
        private final transient Map<String, List<Session>> groups = new ConcurrentHashMap<>();

        @Override
        protected void configure(JettyWebSocketServletFactory factory) {
            factory.setIdleTimeout(Duration.ofMinutes(5));
            factory.setCreator((req, resp) -> {
                List<String> group = req.getParameterMap().get("group");
                if (group == null || group.size() != 1) {
                    resp.sendError(400, "one group parameter expected");
                    return null;
                }
                return new FanOutEndpoint(groups.computeIfAbsent(group.get(0),
                        g -> new CopyOnWriteArrayList<>()), () -> groups.remove(group.get(0)));
            });
        }
    }

    /**
     * Answers each text with the acknowledgement to its sender and the batch text to every member
     * of its group (the sender included), each sent as the node sends: one frame per message.
     */
    public static final class FanOutEndpoint implements Session.Listener.AutoDemanding {
        private static final String ACK = pad("{\"id\":12,\"type\":\"ok\",\"seq\":1", ACK_BYTES);
        private static final String BATCH = pad("{\"type\":\"batch\",\"events\":[", BATCH_BYTES);
        private final List<Session> members;
        private final Runnable emptied;
        private volatile Session session;

        FanOutEndpoint(List<Session> members, Runnable emptied) {
            this.members = members;
            this.emptied = emptied;
        }

        /** {@code head} padded with spaces and closed with a brace to exactly {@code bytes} ASCII bytes. */
        static String pad(String head, int bytes) {
            return head + " ".repeat(bytes - head.length() - 1) + "}";
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            members.add(s);
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(ACK, Callback.NOOP);
            for (Session member : members) {
                member.sendText(BATCH, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            members.remove(session);
            if (members.isEmpty()) {
                emptied.run();
            }
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // the client went away at the end of the run
        }
    }
}
