package dev.ludus.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The load tool. Plays games of Liap Tui with simulated players over real WebSockets against a
 * running Ludus, then runs the same client in the same pattern against a bare Jetty WebSocket echo
 * server, and prints connections held, actions per second, action→broadcast latency and the
 * throughput ratio to the echo baseline.
 *
 * <pre>
 * java -jar loadtest/target/ludus-loadtest.jar --url ws://127.0.0.1:8080/ws --players 2000 --rounds 1
 * </pre>
 */
public final class LoadTool {

    /**
     * @param url            the gateway's WebSocket URL
     * @param players        simulated players, four per game
     * @param rounds         the {@code maxRounds} option of every game
     * @param thinkMillis    mean think time before each move (uniform from 0 to twice this)
     * @param timeoutSeconds how long the games (and the echo run) may take
     * @param clients        JDK HTTP clients the connections are spread over (each has a selector thread)
     * @param echo           whether to run the echo baseline
     * @param metricsUrl     the node's Prometheus text, read for its CPU time before and after the
     *                       games; null: {@code /metrics} on the gateway's host and port
     * @param serverCpu      whether to read the node's CPU time at all
     * @param echoCpus       the CPUs the echo server process is pinned to ({@code taskset -c}); null: not pinned
     * @param idle           connections that say hello and stay silent, opened before the games and
     *                       held through them; 0: none
     * @param batch          whether the players ask, in their hello, for what one action gives them
     *                       as one {@code batch} message (a node that does not know the option sends
     *                       one message each, which the tool reads as well)
     */
    public record Options(String url, int players, int rounds, long thinkMillis, int timeoutSeconds, int clients,
                          boolean echo, String metricsUrl, boolean serverCpu, String echoCpus, int idle, boolean batch) {
        public static Options defaults() {
            return new Options("ws://127.0.0.1:8080/ws", 2000, 1, 0, 600, 8, true, null, true, null, 0, true);
        }

        /** Players that ask for batches. */
        public Options(String url, int players, int rounds, long thinkMillis, int timeoutSeconds, int clients,
                       boolean echo, String metricsUrl, boolean serverCpu, String echoCpus, int idle) {
            this(url, players, rounds, thinkMillis, timeoutSeconds, clients, echo, metricsUrl, serverCpu, echoCpus, idle, true);
        }

        /** No idle connections. */
        public Options(String url, int players, int rounds, long thinkMillis, int timeoutSeconds, int clients,
                       boolean echo, String metricsUrl, boolean serverCpu, String echoCpus) {
            this(url, players, rounds, thinkMillis, timeoutSeconds, clients, echo, metricsUrl, serverCpu, echoCpus, 0);
        }

        /** The defaults for the metrics and the echo server's CPUs, no idle connections. */
        public Options(String url, int players, int rounds, long thinkMillis, int timeoutSeconds, int clients, boolean echo) {
            this(url, players, rounds, thinkMillis, timeoutSeconds, clients, echo, null, true, null, 0);
        }

        /**
         * The gateways to connect to: {@code url} may list several, comma-separated (the nodes of
         * a cluster, as a load balancer would spread players over them: round-robin).
         *
         * @throws IllegalArgumentException naming {@code --url} if one is not a ws:// or wss:// URL with a host
         */
        public List<URI> urls() {
            List<URI> out = new java.util.ArrayList<>();
            for (String one : url.split(",", -1)) {
                String u = one.strip();
                URI uri;
                try {
                    uri = URI.create(u);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--url is not a URL: '" + u + "'");
                }
                if (!("ws".equals(uri.getScheme()) || "wss".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new IllegalArgumentException("--url must be ws:// or wss:// URLs with a host, comma-separated; got '" + u + "'");
                }
                out.add(uri);
            }
            return List.copyOf(out);
        }

        /** The same with {@code n} idle connections. */
        public Options withIdle(int n) {
            return new Options(url, players, rounds, thinkMillis, timeoutSeconds, clients, echo, metricsUrl, serverCpu, echoCpus, n,
                    batch);
        }

        /** The same with players that do or do not ask for batches. */
        public Options withBatch(boolean on) {
            return new Options(url, players, rounds, thinkMillis, timeoutSeconds, clients, echo, metricsUrl, serverCpu, echoCpus, idle,
                    on);
        }
    }

    /** The most idle connections one tool process opens (each is an open file of this process too). */
    static final int MAX_IDLE = 1_000_000;

    /** Everything a run measured; {@code idle} null when no idle connections were asked for. */
    public record Report(Options options, GameRun.Result games, IdleRun.Result idle, EchoRun.Result echo) {

        /** Without idle connections. */
        public Report(Options options, GameRun.Result games, EchoRun.Result echo) {
            this(options, games, null, echo);
        }

        /** Null when every game ended and nothing failed, else what went wrong. */
        public String failure() {
            if (games.failure() != null) {
                return games.failure();
            }
            if (idle != null && idle.failure() != null) {
                return idle.failure();
            }
            return echo != null ? echo.failure() : null;
        }

        /** Idle connections whose hello was answered; 0 without idle connections. */
        public int idleOpened() {
            return idle == null ? 0 : idle.opened();
        }

        /** Idle connections still open after the play phase; 0 without idle connections. */
        public int idleOpenAtEnd() {
            return idle == null ? 0 : idle.openAtEnd();
        }

        /** The node's resident memory per idle connection, in bytes; NaN when not measured. */
        public double serverResidentBytesPerIdleConnection() {
            return idle == null ? Double.NaN : idle.serverResidentPerConnection();
        }

        public int completedGames() {
            return games.completed();
        }

        public int peakConnections() {
            return games.peakOpen();
        }

        public long actions() {
            return games.actions();
        }

        public double actionsPerSecond() {
            return games.actionsPerSecond();
        }

        public double broadcastP99Millis() {
            return games.broadcast().p99();
        }

        public int broadcastSamples() {
            return games.broadcast().count();
        }

        /** The node's CPU time per accepted action over the play phase, in microseconds; NaN when not read. */
        public double serverCpuMicrosPerAction() {
            return games.actions() == 0 ? Double.NaN : games.server().cpuSeconds() * 1e6 / games.actions();
        }

        /** The node's CPU utilisation over the play phase, in cores; NaN when not read. */
        public double serverCores() {
            return games.seconds() <= 0 ? Double.NaN : games.server().cpuSeconds() / games.seconds();
        }

        /** The echo server process's CPU time per round trip, in microseconds; NaN without echo. */
        public double echoCpuMicrosPerRoundTrip() {
            return echo == null ? Double.NaN : echo.serverCpuMicrosPerRoundTrip();
        }

        /** The echo's measured round trips; 0 without echo. */
        public long echoRoundTrips() {
            return echo == null ? 0 : echo.roundTrips();
        }

        /** The fan-out pass's measured rounds; 0 without it. */
        public long fanOutRounds() {
            return echo == null || echo.fanOut() == null ? 0 : echo.fanOut().rounds();
        }

        /**
         * The server process's CPU time per fan-out round (one message in, the reply and four
         * batches out), in microseconds; NaN without the pass.
         */
        public double fanOutCpuMicrosPerRound() {
            return echo == null || echo.fanOut() == null ? Double.NaN : echo.fanOut().serverCpuMicrosPerRound();
        }

        /** The node's CPU per action as a multiple of the echo server's CPU per round trip; NaN when either is missing. */
        public double cpuRatioToEcho() {
            return serverCpuMicrosPerAction() / echoCpuMicrosPerRoundTrip();
        }

        /** Our actions per second as a fraction of the echo server's round trips per second; NaN without echo. */
        public double ratioToEcho() {
            return echo == null || echo.roundTripsPerSecond() == 0 ? Double.NaN
                    : games.actionsPerSecond() / echo.roundTripsPerSecond();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "Ludus load run: %d players at %d tables (Liap Tui, maxRounds=%d), think %d ms mean, %s%n",
                    options.players(), games.tables(), options.rounds(), options.thinkMillis(), options.url()));
            b.append(String.format(Locale.ROOT, "  messages per action:       %s%n", options.batch()
                    ? "asked for one batch per player (" + games.batches() + " batch messages received)"
                    : "one per event and state (--no-batch)"));
            b.append(String.format(Locale.ROOT, "  connections held:          %d (peak open %d)%n", games.playersConnected(), games.peakOpen()));
            b.append(String.format(Locale.ROOT, "  games played to the end:   %d of %d in %.1f s%n", games.completed(), games.tables(), games.seconds()));
            b.append(String.format(Locale.ROOT, "  actions:                   %d accepted, %.0f actions/s%n", games.actions(), games.actionsPerSecond()));
            b.append(String.format(Locale.ROOT, "  action -> broadcast:       %s (each of the 4 players of the room)%n", games.broadcast()));
            b.append(String.format(Locale.ROOT, "    once all had started:    %s%n", games.steadyBroadcast()));
            b.append(String.format(Locale.ROOT, "  action -> reply:           %s (the actor)%n", games.reply()));
            b.append(String.format(Locale.ROOT, "  errors:                    %s%n", games.errors().isEmpty() ? "none" : games.errors()));
            ServerMetrics.Delta server = games.server();
            if (server.unreadable() != null) {
                b.append(String.format(Locale.ROOT, "  server CPU per action:     unknown: %s%n", server.unreadable()));
            } else {
                b.append(String.format(Locale.ROOT, "  server CPU per action:     %.1f us (%.2f s of CPU over %d actions)%n",
                        serverCpuMicrosPerAction(), server.cpuSeconds(), games.actions()));
                b.append(String.format(Locale.ROOT, "  server CPU utilisation:    %.2f cores over %.1f s%n", serverCores(), games.seconds()));
                if (!Double.isNaN(server.fsyncs())) {
                    b.append(String.format(Locale.ROOT, "  server fsyncs:             %.0f, %.3f per action, mean %.2f ms%n", server.fsyncs(),
                            games.actions() == 0 ? Double.NaN : server.fsyncs() / games.actions(),
                            server.fsyncs() == 0 ? Double.NaN : server.fsyncSeconds() * 1e3 / server.fsyncs()));
                }
            }
            if (idle != null) {
                appendIdle(b, idle, "opened before the games and held through them");
            }
            if (echo != null) {
                b.append(String.format(Locale.ROOT, "Bare Jetty WebSocket echo, same client and pattern: %d connections%n", echo.connections()));
                b.append(String.format(Locale.ROOT, "  round trips:               %d in %.1f s, %.0f/s%n", echo.roundTrips(), echo.seconds(),
                        echo.roundTripsPerSecond()));
                b.append(String.format(Locale.ROOT, "  send -> echo:              %s%n", echo.latency()));
                b.append(String.format(Locale.ROOT, "  echo CPU per round trip:   %.1f us (%.2f s of CPU of the echo server process%s)%n",
                        echoCpuMicrosPerRoundTrip(), echo.serverCpuSeconds(),
                        options.echoCpus() == null ? "" : ", pinned to CPUs " + options.echoCpus()));
                b.append(String.format(Locale.ROOT, "  echo CPU utilisation:      %.2f cores%n", echo.serverCores()));
                b.append(String.format(Locale.ROOT, "Ludus actions/s as a ratio of echo round trips/s: %.3f%n", ratioToEcho()));
                if (server.unreadable() == null) {
                    b.append(String.format(Locale.ROOT, "Server CPU per action as a multiple of echo CPU per round trip: %.1f%n", cpuRatioToEcho()));
                }
                EchoRun.FanOut f = echo.fanOut();
                if (f != null) {
                    b.append(String.format(Locale.ROOT, "Bare Jetty fan-out, the network part of an action: 1 message in, a %d-byte reply and %d bytes to each of 4 out%n",
                            EchoRun.ACK_BYTES, EchoRun.BATCH_BYTES));
                    b.append(String.format(Locale.ROOT, "  rounds:                    %d in %.1f s, %.0f/s%n", f.rounds(), f.seconds(), f.roundsPerSecond()));
                    b.append(String.format(Locale.ROOT, "  send -> last of the five:  %s%n", f.latency()));
                    b.append(String.format(Locale.ROOT, "  fan-out CPU per round:     %.1f us (%.2f s of CPU of the same server process)%n",
                            f.serverCpuMicrosPerRound(), f.serverCpuSeconds()));
                    if (server.unreadable() == null) {
                        b.append(String.format(Locale.ROOT, "Server CPU per action as a multiple of fan-out CPU per round: %.1f%n",
                                serverCpuMicrosPerAction() / fanOutCpuMicrosPerRound()));
                    }
                }
            }
            if (failure() != null) {
                b.append("FAILED: ").append(failure()).append('\n');
            }
            return b.toString();
        }

        static void appendIdle(StringBuilder b, IdleRun.Result idle, String held) {
            b.append(String.format(Locale.ROOT, "Idle connections (hello, then silent), %s: %d%n", held, idle.requested()));
            b.append(String.format(Locale.ROOT, "  idle opened:               %d of %d in %.1f s%s%n", idle.opened(), idle.requested(),
                    idle.seconds(), (idle.helloRetried() == 0 ? "" : ", hello retried after overloaded: " + idle.helloRetried())
                            + (idle.notOpened().isEmpty() ? "" : " (not opened: " + idle.notOpened() + ")")));
            b.append(String.format(Locale.ROOT, "  idle open at the end:      %d%n", idle.openAtEnd()));
            b.append(String.format(Locale.ROOT, "  idle dropped:              %d%s%n", idle.droppedCount(),
                    idle.dropped().isEmpty() ? "" : " (by close code: " + closeCodes(idle.dropped()) + ")"));
            if (idle.memoryUnknown() != null) {
                b.append(String.format(Locale.ROOT, "  server memory per idle:    unknown: %s%n", idle.memoryUnknown()));
            } else {
                b.append(String.format(Locale.ROOT, "  server memory per idle:    %.1f KiB resident (%.1f MiB before, %.1f MiB with them open, after %d s)%n",
                        idle.serverResidentPerConnection() / 1024, idle.before().residentBytes() / (1 << 20),
                        idle.after().residentBytes() / (1 << 20), IdleRun.SETTLE_SECONDS));
                if (!Double.isNaN(idle.serverHeapPerConnection())) {
                    b.append(String.format(Locale.ROOT, "  server heap per idle:      %.1f KiB used (%.1f MiB before, %.1f MiB after; no GC forced)%n",
                            idle.serverHeapPerConnection() / 1024, idle.before().heapUsedBytes() / (1 << 20),
                            idle.after().heapUsedBytes() / (1 << 20)));
                }
            }
            int answered = idle.healthStatuses().entrySet().stream().filter(e -> e.getKey() > 0).mapToInt(Map.Entry::getValue).sum();
            b.append(String.format(Locale.ROOT, "  /health while held:        p50 %.2f ms, p99 %.2f ms, max %.2f ms of %d GETs (statuses %s)%n",
                    idle.health().p50(), idle.health().p99(), idle.health().max(), answered, closeCodes(idle.healthStatuses())));
            b.append(String.format(Locale.ROOT, "  tool memory per idle:      %s%n", Double.isNaN(idle.toolResidentPerConnection()) ? "unknown"
                    : String.format(Locale.ROOT, "%.1f KiB resident (this process)", idle.toolResidentPerConnection() / 1024)));
        }

        private static String closeCodes(Map<Integer, Integer> byCode) {
            StringBuilder s = new StringBuilder();
            new TreeMap<>(byCode).forEach((code, n) -> s.append(s.length() == 0 ? "" : ", ").append(code).append(" x").append(n));
            return s.toString();
        }
    }

    private LoadTool() {
    }

    /**
     * Checks the options that need more than parsing, and returns the node's metrics to read (null
     * when not to read them).
     *
     * @throws IllegalArgumentException naming the option and the value refused
     */
    static ServerMetrics check(Options options) {
        if (options.players() < 4 || options.players() % 4 != 0) {
            throw new IllegalArgumentException("--players must be a positive multiple of 4, got " + options.players());
        }
        if (options.idle() < 0 || options.idle() > MAX_IDLE) {
            throw new IllegalArgumentException("--idle must be 0 to " + MAX_IDLE + ", got " + options.idle());
        }
        List<URI> urls = options.urls();
        if (options.echo()) {
            EchoProcess.checkCpuList(options.echoCpus());
        }
        if (!options.serverCpu()) {
            return null;
        }
        ServerMetrics metrics;
        try {
            metrics = new ServerMetrics(options.metricsUrl() != null ? URI.create(options.metricsUrl())
                    : ServerMetrics.besideGateway(urls.get(0).toString()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--metrics-url is not a URL: " + e.getMessage(), e);
        }
        if (metrics.uri().getScheme() == null || !metrics.uri().getScheme().startsWith("http")) {
            throw new IllegalArgumentException("--metrics-url must be an http or https URL, got '" + metrics.uri() + "'");
        }
        return metrics;
    }

    /** Runs the games and then the echo baseline. */
    public static Report run(Options options) throws Exception {
        ServerMetrics metrics = check(options);
        ExecutorService callbacks = callbackPool();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "load-think");
            t.setDaemon(true);
            return t;
        });
        List<HttpClient> clients = httpClients(options, callbacks);
        IdleRun idle = null;
        try {
            if (options.idle() > 0) {
                idle = new IdleRun(options, metrics, clients);
                idle.open();
            }
            GameRun.Result games = new GameRun(options, metrics, clients, timer).run();
            IdleRun.Result idleResult = idle == null ? null : idle.finish();
            idle = null;
            EchoRun.Result echo = null;
            if (options.echo()) {
                Thread.sleep(1000); // let the closes of the game connections settle
                echo = new EchoRun(options, clients, timer).run(Math.max(games.actions(), options.players()));
            }
            return new Report(options, games, idleResult, echo);
        } finally {
            if (idle != null) {
                idle.finish();
            }
            timer.shutdownNow();
            callbacks.shutdownNow();
            callbacks.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The threads the clients' callbacks run on. */
    static ExecutorService callbackPool() {
        return Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "load-client");
            t.setDaemon(true);
            return t;
        });
    }

    /** The JDK HTTP clients the connections are spread over ({@code --clients}). */
    static List<HttpClient> httpClients(Options options, ExecutorService callbacks) {
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < Math.max(1, options.clients()); i++) {
            clients.add(HttpClient.newBuilder().executor(callbacks).build());
        }
        return clients;
    }

    static final String USAGE = "usage: java -jar ludus-loadtest.jar [--url ws://127.0.0.1:8080/ws[,ws://node-2/ws...]] [--players 2000]"
            + " [--rounds 1] [--think-ms 0] [--timeout-s 600] [--clients 8] [--no-echo]"
            + " [--metrics-url http://127.0.0.1:8080/metrics] [--no-server-cpu] [--echo-cpus LIST] [--idle 0] [--no-batch]"
            + "\n       java -jar ludus-loadtest.jar --hold --idle N [--url ...] [--clients 8] [--timeout-s 600] [--no-server-cpu]"
            + "\n         (opens N idle connections and holds them, without playing, until standard input ends or a line is"
            + " written to it; then says how many stayed open)";

    /**
     * The options of a command line, checked as far as parsing goes; null for {@code --help}.
     *
     * @throws IllegalArgumentException naming the option: unknown, without its value, or not a number
     */
    static Options parse(String[] args) {
        Options o = Options.defaults();
        String url = o.url();
        int players = o.players();
        int rounds = o.rounds();
        long think = o.thinkMillis();
        int timeout = o.timeoutSeconds();
        int clients = o.clients();
        boolean echo = o.echo();
        String metricsUrl = o.metricsUrl();
        boolean serverCpu = o.serverCpu();
        String echoCpus = o.echoCpus();
        int idle = o.idle();
        boolean batch = o.batch();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--url" -> url = value(args, i++);
                case "--players" -> players = (int) number(args, i++, Integer.MAX_VALUE);
                case "--rounds" -> rounds = (int) number(args, i++, Integer.MAX_VALUE);
                case "--think-ms" -> think = number(args, i++, Long.MAX_VALUE);
                case "--timeout-s" -> timeout = (int) number(args, i++, Integer.MAX_VALUE);
                case "--clients" -> clients = (int) number(args, i++, Integer.MAX_VALUE);
                case "--no-echo" -> echo = false;
                case "--metrics-url" -> metricsUrl = value(args, i++);
                case "--no-server-cpu" -> serverCpu = false;
                case "--echo-cpus" -> echoCpus = value(args, i++);
                case "--idle" -> idle = (int) number(args, i++, Integer.MAX_VALUE);
                case "--no-batch" -> batch = false;
                case "-h", "--help" -> {
                    return null;
                }
                default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
            }
        }
        return new Options(url, players, rounds, think, timeout, clients, echo, metricsUrl, serverCpu, echoCpus, idle, batch);
    }

    private static String value(String[] args, int at) {
        if (at + 1 >= args.length) {
            throw new IllegalArgumentException(args[at] + " needs a value");
        }
        return args[at + 1];
    }

    private static long number(String[] args, int at, long max) {
        String v = value(args, at);
        try {
            long n = Long.parseLong(v);
            if (n < 0 || n > max) {
                throw new IllegalArgumentException(args[at] + " must be 0 to " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[at] + " must be a whole number, got '" + v + "'");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--echo-server-only")) {
            EchoRun.serve(Integer.parseInt(args[1]));
            return;
        }
        boolean hold = Arrays.asList(args).contains("--hold");
        Options options;
        try {
            options = parse(hold ? Arrays.stream(args).filter(a -> !a.equals("--hold")).toArray(String[]::new) : args);
            if (options == null) {
                System.out.println(USAGE);
                return;
            }
            check(options);
            if (hold && options.idle() == 0) {
                throw new IllegalArgumentException("--hold needs --idle N, the connections to hold");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (hold) {
            System.exit(IdleRun.hold(options, System.in, System.out));
            return;
        }
        Report report = run(options);
        System.out.print(report);
        System.exit(report.failure() == null ? 0 : 1);
    }
}
