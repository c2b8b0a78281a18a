package dev.ludus.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
     */
    public record Options(String url, int players, int rounds, long thinkMillis, int timeoutSeconds, int clients,
                          boolean echo, String metricsUrl, boolean serverCpu, String echoCpus) {
        public static Options defaults() {
            return new Options("ws://127.0.0.1:8080/ws", 2000, 1, 0, 600, 8, true, null, true, null);
        }

        /** The defaults for the metrics and the echo server's CPUs. */
        public Options(String url, int players, int rounds, long thinkMillis, int timeoutSeconds, int clients, boolean echo) {
            this(url, players, rounds, thinkMillis, timeoutSeconds, clients, echo, null, true, null);
        }
    }

    /** Everything a run measured. */
    public record Report(Options options, GameRun.Result games, EchoRun.Result echo) {

        /** Null when every game ended and nothing failed, else what went wrong. */
        public String failure() {
            if (games.failure() != null) {
                return games.failure();
            }
            return echo != null ? echo.failure() : null;
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
            }
            if (failure() != null) {
                b.append("FAILED: ").append(failure()).append('\n');
            }
            return b.toString();
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
        if (options.echo()) {
            EchoProcess.checkCpuList(options.echoCpus());
        }
        if (!options.serverCpu()) {
            return null;
        }
        ServerMetrics metrics;
        try {
            metrics = new ServerMetrics(options.metricsUrl() != null ? URI.create(options.metricsUrl())
                    : ServerMetrics.besideGateway(options.url()));
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
        ExecutorService callbacks = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "load-client");
            t.setDaemon(true);
            return t;
        });
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "load-think");
            t.setDaemon(true);
            return t;
        });
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < Math.max(1, options.clients()); i++) {
            clients.add(HttpClient.newBuilder().executor(callbacks).build());
        }
        try {
            GameRun.Result games = new GameRun(options, metrics, clients, timer).run();
            EchoRun.Result echo = null;
            if (options.echo()) {
                Thread.sleep(1000); // let the closes of the game connections settle
                echo = new EchoRun(options, clients, timer).run(Math.max(games.actions(), options.players()));
            }
            return new Report(options, games, echo);
        } finally {
            timer.shutdownNow();
            callbacks.shutdownNow();
            callbacks.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
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
        if (args.length == 2 && args[0].equals("--echo-server-only")) {
            EchoRun.serve(Integer.parseInt(args[1]));
            return;
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--url" -> url = args[++i];
                case "--players" -> players = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--think-ms" -> think = Long.parseLong(args[++i]);
                case "--timeout-s" -> timeout = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--no-echo" -> echo = false;
                case "--metrics-url" -> metricsUrl = args[++i];
                case "--no-server-cpu" -> serverCpu = false;
                case "--echo-cpus" -> echoCpus = args[++i];
                case "-h", "--help" -> {
                    System.out.println("usage: java -jar ludus-loadtest.jar [--url ws://127.0.0.1:8080/ws] [--players 2000]"
                            + " [--rounds 1] [--think-ms 0] [--timeout-s 600] [--clients 8] [--no-echo]"
                            + " [--metrics-url http://127.0.0.1:8080/metrics] [--no-server-cpu] [--echo-cpus LIST]");
                    return;
                }
                default -> {
                    System.err.println("unknown option " + a + " (try --help)");
                    System.exit(2);
                }
            }
        }
        Options options = new Options(url, players, rounds, think, timeout, clients, echo, metricsUrl, serverCpu, echoCpus);
        try {
            check(options);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Report report = run(options);
        System.out.print(report);
        System.exit(report.failure() == null ? 0 : 1);
    }
}
