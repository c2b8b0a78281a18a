package dev.ludus.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A read workload with and without the caches, in one run: players asking for replays of finished
 * games, histories, profiles and the leaderboard, the games and players drawn with a Zipf-like
 * popularity (a few are asked for most). First it has {@code --games} games played to the end
 * (four simulated players each, as the load tool plays them), so the archive holds them; then it
 * runs {@code --rounds} rounds of two phases, caches on and caches off (the order alternating),
 * switching the gateway's and the archive's {@code cache.target} through the distribution's
 * {@code conf/} files (restored at the end). Each phase prints each request type's p50/p99 and
 * the gateway caches' hit ratio (replays and statistics, from {@code /metrics}), and beside them
 * the baseline of the same run: a {@code ping} ten times a second on a connection of its own,
 * which no cache can speed up (the node's floor under that load). Like the load
 * tool, it lifts the gateway's {@code maxConnectionsPerAddress}, its per-connection message budget
 * and turns its rate limits off for the run.
 *
 * <pre>
 * java -cp loadtest/target/ludus-loadtest.jar dev.ludus.loadtest.ReadLoad --url ws://127.0.0.1:8080/ws \
 *     --conf assembly/target/ludus/conf [--games 40] [--game-rounds 10] [--readers 16] [--seconds 10] [--rounds 2] \
 *     [--zipf 1.1] [--rate 0] [--warmup-seconds 10]
 * </pre>
 *
 * <p>With {@code --rate R} the readers ask R times a second in all, on a schedule (an open loop),
 * and a request's time counts from when it was due: both phases then serve the same load and their
 * latencies compare. Without it each reader asks again as soon as it is answered (a closed loop),
 * which shows throughput: the faster phase then serves many more requests, and its tail includes
 * that much more contention. Each phase first runs {@code --warmup-seconds} under the same load
 * without counting, so a phase with caches is measured in its steady state (a running node's
 * caches are warm), not while it fills its caches: switching {@code cache.target} empties them.
 */
public final class ReadLoad {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ON = "(ludus.cache=caffeine)";
    private static final String OFF = "(ludus.cache=off)";
    private static final List<String> TYPES = List.of("replay", "history", "profile", "leaderboard");

    private ReadLoad() {
    }

    /** Ranks 0..n-1 drawn with probability proportional to 1 / (rank+1)^s. */
    static final class Zipf {
        private final double[] cumulative;

        Zipf(int n, double s) {
            cumulative = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1 / Math.pow(i + 1, s);
                cumulative[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cumulative[i] /= sum;
            }
        }

        int next(Random r) {
            double u = r.nextDouble();
            int lo = 0;
            int hi = cumulative.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /** One reader: a connection, one request at a time. */
    static final class Reader {
        private final Map<Long, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong();
        Connection connection;

        void onMessage(String text) {
            Head h = Head.of(text);
            CompletableFuture<String> f = h == null ? null : pending.remove(h.id());
            if (f != null) {
                f.complete(text);
            }
        }

        /** The reply, whole. */
        JsonNode ask(String type, Map<String, Object> fields) throws Exception {
            return JSON.readTree(askRaw(type, fields));
        }

        /** The reply as it came: the caller reads only what it needs (a replay can be large). */
        String askRaw(String type, Map<String, Object> fields) throws Exception {
            long id = ids.incrementAndGet();
            Map<String, Object> m = new LinkedHashMap<>(fields);
            m.put("id", id);
            m.put("type", type);
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.put(id, f);
            connection.send(JSON.writeValueAsString(m));
            return f.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A reply's {@code type}, {@code id} and {@code code}, read from its first fields without
     * building the rest: the tool measures the server, not its own parsing of large replies.
     */
    record Head(String type, long id, String code) {
        static Head of(String text) {
            try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(text)) {
                if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                    return null;
                }
                String type = null;
                String code = "";
                long id = -1;
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String name = p.getCurrentName();
                    com.fasterxml.jackson.core.JsonToken v = p.nextToken();
                    switch (name) {
                        case "type" -> type = p.getText();
                        case "id" -> id = v.isNumeric() ? p.getLongValue() : -1;
                        case "code" -> code = p.getText();
                        default -> p.skipChildren();
                    }
                    if (type != null && id >= 0 && !"error".equals(type)) {
                        break; // a success: the rest is the result
                    }
                }
                return new Head(type, id, code);
            } catch (IOException e) {
                return null;
            }
        }
    }

    record Phase(String name, Map<String, Latencies.Summary> latency, long errors, double hitRatio, long requests,
                 Map<String, Integer> codes, long replayChars) {
    }

    public static void main(String[] args) throws Exception {
        String url = "ws://127.0.0.1:8080/ws";
        Path conf = null;
        int games = 40;
        int readers = 16;
        int seconds = 10;
        int rounds = 2;
        double zipf = 1.1;
        int gameRounds = 10;
        double rate = 0;
        int warmup = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--conf" -> conf = Path.of(args[++i]);
                case "--games" -> games = Integer.parseInt(args[++i]);
                case "--readers" -> readers = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--zipf" -> zipf = Double.parseDouble(args[++i]);
                case "--game-rounds" -> gameRounds = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see the class comment");
            }
        }
        if (conf == null || !Files.isDirectory(conf)) {
            throw new IllegalArgumentException("--conf must be the distribution's conf folder (to switch the caches)");
        }
        URI ws = URI.create(url);
        URI metrics = URI.create("http://" + ws.getHost() + ":" + ws.getPort() + "/metrics");
        HttpClient http = HttpClient.newHttpClient();
        Map<Path, String> saved = new LinkedHashMap<>();
        Path gatewayCfg = conf.resolve("dev.ludus.gateway.cfg");
        Path archiveCfg = conf.resolve("dev.ludus.archive.cfg");
        for (Path p : List.of(gatewayCfg, archiveCfg)) {
            saved.put(p, Files.exists(p) ? Files.readString(p) : null);
        }
        try {
            System.out.printf(Locale.ROOT, "read workload: %s, %d games of %d rounds, %d readers, %s, %d s per phase, %d rounds,"
                    + " zipf %.2f%n", url, games, gameRounds, readers, rate > 0 ? String.format(Locale.ROOT,
                    "open loop at %.0f requests/s", rate) : "closed loop (each asks when answered)", seconds, rounds, zipf);
            setCaches(saved, ON);
            Thread.sleep(3000); // FileInstall applies it (the connection limit above all)
            List<String> rooms = seed(url, games, gameRounds);
            System.out.println("seeded: " + rooms.size() + " finished games");
            List<Reader> all = connect(http, ws, readers + 1); // the last one pings: the baseline
            List<String> players = archived(all.get(0), rooms);
            System.out.println("archived: " + rooms.size() + " games of " + players.size() + " players");
            List<Phase> with = new ArrayList<>();
            List<Phase> without = new ArrayList<>();
            for (int r = 0; r <= rounds; r++) { // round 0 warms up, not counted
                boolean onFirst = r % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    boolean on = onFirst == (k == 0);
                    setCaches(saved, on ? ON : OFF);
                    Thread.sleep(3000); // FileInstall applies it
                    String label = (on ? "with caches" : "without caches") + (r == 0 ? " (warm-up)" : " round " + r);
                    if (warmup > 0) { // the same load, not counted: the caches reach their steady state
                        phase(label, all, rooms, players, zipf, warmup, http, metrics, rate);
                    }
                    Phase p = phase(label, all, rooms, players, zipf, seconds, http, metrics, rate);
                    print(p);
                    if (r > 0) {
                        (on ? with : without).add(p);
                    }
                }
            }
            for (String type : TYPES) {
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < with.size(); i++) {
                    ratios.add(without.get(i).latency().get(type).p99() / Math.max(1e-6, with.get(i).latency().get(type).p99()));
                }
                System.out.printf(Locale.ROOT, "%-12s p99 without / with caches, each round: %s%n", type,
                        ratios.stream().map(x -> String.format(Locale.ROOT, "x%.1f", x)).toList());
            }
            System.out.printf(Locale.ROOT, "gateway caches' hit ratio (replays, statistics) with caches, each round: %s%n",
                    with.stream().map(p -> String.format(Locale.ROOT, "%.1f %%", 100 * p.hitRatio())).toList());
            all.forEach(x -> x.connection.close());
        } finally {
            for (Map.Entry<Path, String> e : saved.entrySet()) {
                if (e.getValue() == null) {
                    Files.deleteIfExists(e.getKey());
                } else {
                    Files.writeString(e.getKey(), e.getValue());
                }
            }
        }
    }

    /**
     * Sets {@code cache.target} of the gateway and the archive, keeping every other line of their
     * files; for the gateway also what every load from one machine needs, as for the load tool:
     * {@code maxConnectionsPerAddress} and the message budget raised, the rate limits off (the files
     * are restored at the end).
     */
    private static void setCaches(Map<Path, String> saved, String target) throws IOException {
        for (Map.Entry<Path, String> e : saved.entrySet()) {
            boolean gateway = e.getKey().getFileName().toString().equals("dev.ludus.gateway.cfg");
            List<String> mine = gateway ? List.of("cache.target", "maxConnectionsPerAddress", "limits ", "limits=",
                    "messagesPerSecond", "messageBurst")
                    : List.of("cache.target");
            StringBuilder b = new StringBuilder();
            if (e.getValue() != null) {
                for (String line : e.getValue().split("\n", -1)) {
                    if (mine.stream().noneMatch(line.strip()::startsWith)) {
                        b.append(line).append('\n');
                    }
                }
            }
            b.append("cache.target = ").append(target).append('\n');
            if (gateway) {
                b.append("maxConnectionsPerAddress = 10000\nlimits = off\nmessagesPerSecond = 100000\nmessageBurst = 100000\n");
            }
            Files.writeString(e.getKey(), b.toString().replaceAll("\n+$", "\n"));
        }
    }

    /** Plays {@code games} games of {@code rounds} rounds to the end, four simulated players each; their rooms. */
    private static List<String> seed(String url, int games, int rounds) throws Exception {
        LoadTool.Options o = new LoadTool.Options(url, games * 4, rounds, 0, 1800, 4, false, null, false, null, 0, true);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        List<HttpClient> clients = List.of(HttpClient.newHttpClient(), HttpClient.newHttpClient());
        try {
            GameRun run = new GameRun(o, null, clients, timer);
            GameRun.Result r = run.run();
            if (r.failure() != null) {
                throw new IllegalStateException("seeding failed: " + r.failure());
            }
            return run.rooms();
        } finally {
            timer.shutdownNow();
        }
    }

    private static List<Reader> connect(HttpClient http, URI ws, int n) throws Exception {
        List<Reader> all = new ArrayList<>();
        AtomicInteger open = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            Reader r = new Reader();
            r.connection = Connection.open(http, ws, r::onMessage, () -> { }, open).get(30, TimeUnit.SECONDS);
            JsonNode hello = r.ask("hello", Map.of("name", "reader " + i));
            if (!"ok".equals(hello.path("type").asText())) {
                throw new IllegalStateException("hello refused: " + hello);
            }
            all.add(r);
        }
        return all;
    }

    /** Waits until every game can be replayed; the players who played them. */
    private static List<String> archived(Reader r, List<String> rooms) throws Exception {
        java.util.Set<String> players = new java.util.LinkedHashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (String room : rooms) {
            while (true) {
                JsonNode a = r.ask("replay", Map.of("game", room));
                if ("ok".equals(a.path("type").asText())) {
                    a.path("result").path("game").path("players").forEach(p -> players.add(p.asText()));
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("game " + room + " not archived after 120 s: " + a);
                }
                Thread.sleep(200);
            }
        }
        return new ArrayList<>(players);
    }

    private static Phase phase(String name, List<Reader> readers, List<String> rooms, List<String> players, double s,
                               int seconds, HttpClient http, URI metrics, double rate) throws Exception {
        // Open loop at --rate: each reader's requests are due at fixed times, and a request's time
        // counts from when it was due (a late answer delays the next one, and that wait counts).
        long interval = rate > 0 ? (long) (1e9 * (readers.size() - 1) / rate) : 0;
        Zipf gameRank = new Zipf(rooms.size(), s);
        Zipf playerRank = new Zipf(players.size(), s);
        Map<String, Latencies> latency = new LinkedHashMap<>();
        TYPES.forEach(t -> latency.put(t, new Latencies()));
        latency.put("ping", new Latencies());
        Map<String, java.util.concurrent.atomic.LongAdder> bytes = new LinkedHashMap<>();
        TYPES.forEach(t -> bytes.put(t, new java.util.concurrent.atomic.LongAdder()));
        AtomicLong errors = new AtomicLong();
        Map<String, Integer> codes = new ConcurrentHashMap<>();
        AtomicLong requests = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        double[] before = hits(http, metrics);
        List<Thread> threads = new ArrayList<>();
        // The baseline in the same run: a ping (answered from the gateway's memory, no cache, no
        // store) ten times a second on a connection of its own, timed the same way.
        Reader pinger = readers.get(readers.size() - 1);
        Thread baseline = new Thread(() -> {
            long due = System.nanoTime();
            while (!stop.get()) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                try {
                    Head a = Head.of(pinger.askRaw("ping", Map.of()));
                    if (a != null && "ok".equals(a.type())) {
                        latency.get("ping").record(System.nanoTime() - due);
                    }
                } catch (Exception e) {
                    codes.merge("ping " + e.getClass().getSimpleName(), 1, Integer::sum);
                }
                due += 100_000_000L;
            }
        }, "pinger");
        threads.add(baseline);
        baseline.start();
        for (int i = 0; i < readers.size() - 1; i++) {
            Reader reader = readers.get(i);
            Random random = new Random(i * 7919L + name.hashCode());
            long offset = interval * i / Math.max(1, readers.size() - 1);
            Thread t = new Thread(() -> {
                long due = System.nanoTime() + offset;
                while (!stop.get()) {
                    int pick = random.nextInt(10);
                    String type = pick < 6 ? "replay" : pick < 8 ? "history" : pick < 9 ? "profile" : "leaderboard";
                    Map<String, Object> fields = switch (type) {
                        case "replay" -> Map.of("game", rooms.get(gameRank.next(random)), "seat", random.nextInt(4));
                        case "history", "profile" -> Map.of("player", players.get(playerRank.next(random)));
                        default -> Map.of("game", "liap-tui");
                    };
                    long start = System.nanoTime();
                    if (interval > 0) {
                        long wait = due - start;
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                        start = due;
                        due += interval;
                    }
                    try {
                        String raw = reader.askRaw(type, fields);
                        long took = System.nanoTime() - start;
                        Head a = Head.of(raw);
                        if (a == null || !"ok".equals(a.type())) {
                            errors.incrementAndGet();
                            codes.merge(type + " " + (a == null ? "unreadable" : a.code()), 1, Integer::sum);
                            continue;
                        }
                        latency.get(type).record(took);
                        bytes.get(type).add(raw.length());
                        requests.incrementAndGet();
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        codes.merge(type + " " + e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
            }, "reader-" + i);
            threads.add(t);
            t.start();
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
        double[] after = hits(http, metrics);
        double h = after[0] - before[0];
        double m = after[1] - before[1];
        Map<String, Latencies.Summary> summaries = new LinkedHashMap<>();
        latency.forEach((k, v) -> summaries.put(k, v.summary()));
        long replays = latency.get("replay").summary().count();
        return new Phase(name, summaries, errors.get(), h + m == 0 ? 0 : h / (h + m), requests.get(), Map.copyOf(codes),
                replays == 0 ? 0 : bytes.get("replay").sum() / replays);
    }

    /** The gateway's caches (replays and statistics): hits and misses so far (0 when it has none). */
    private static double[] hits(HttpClient http, URI metrics) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        double hits = 0;
        double misses = 0;
        for (String line : text.split("\n")) {
            if ((line.contains("cache=\"replays\"") || line.contains("cache=\"stats\""))
                    && line.contains("owner=\"dev.ludus.gateway\"")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (line.startsWith("ludus_cache_hits{")) {
                    hits += v;
                } else if (line.startsWith("ludus_cache_misses{")) {
                    misses += v;
                }
            }
        }
        return new double[] {hits, misses};
    }

    private static void print(Phase p) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-28s %,8d requests, %d errors, hit ratio %5.1f %%",
                p.name(), p.requests(), p.errors(), 100 * p.hitRatio()));
        p.latency().forEach((type, s) -> b.append(String.format(Locale.ROOT, " | %s p50 %.2f p99 %.2f ms", type, s.p50(), s.p99())));
        b.append(String.format(Locale.ROOT, " | replay replies %,d chars on average", p.replayChars()));
        if (!p.codes().isEmpty()) {
            b.append(" | errors by request and code: ").append(p.codes());
        }
        System.out.println(b);
    }
}
