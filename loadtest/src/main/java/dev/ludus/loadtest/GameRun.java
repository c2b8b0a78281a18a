package dev.ludus.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Tables of four simulated players against a running Ludus: each table creates a Liap Tui room,
 * its players join, start, and play to GAME_OVER through the protocol, choosing only among what
 * the server offers. Measures action→broadcast latency: from the moment a player sends an action
 * to the first event of the resulting room version at each of the table's four players.
 */
final class GameRun {

    /** The tool's one reader and writer of the protocol's JSON. */
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param broadcast       action→broadcast latency, every action
     * @param steadyBroadcast the same, only actions sent once every table had started (no lobby
     *                        traffic of other tables competing)
     */
    record Result(int tables, int completed, int playersConnected, int peakOpen, long actions, double seconds,
                  Latencies.Summary broadcast, Latencies.Summary steadyBroadcast, Latencies.Summary reply,
                  Map<String, Integer> errors, ServerMetrics.Delta server, String failure, long batches) {
        Result(int tables, int completed, int playersConnected, int peakOpen, long actions, double seconds,
               Latencies.Summary broadcast, Latencies.Summary steadyBroadcast, Latencies.Summary reply,
               Map<String, Integer> errors, ServerMetrics.Delta server, String failure) {
            this(tables, completed, playersConnected, peakOpen, actions, seconds, broadcast, steadyBroadcast, reply, errors,
                    server, failure, 0);
        }

        double actionsPerSecond() {
            return seconds <= 0 ? 0 : actions / seconds;
        }
    }

    private final LoadTool.Options options;
    /** The node's metrics, read before and after the play phase; null to skip. */
    private final ServerMetrics metrics;
    private final List<HttpClient> clients;
    private final ScheduledExecutorService timer;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicLong actions = new AtomicLong();
    /** {@code batch} messages received, over all players. */
    private final AtomicLong batches = new AtomicLong();
    private final Latencies broadcast = new Latencies();
    private final Latencies steadyBroadcast = new Latencies();
    private final AtomicInteger started = new AtomicInteger();
    /** nanoTime when the last table started; 0 until then. */
    private volatile long allStartedAt;
    private final Latencies reply = new Latencies();
    private final Map<String, Integer> errors = new ConcurrentHashMap<>();
    private final AtomicInteger unexpectedCloses = new AtomicInteger();
    private volatile boolean finishing;

    GameRun(LoadTool.Options options, ServerMetrics metrics, List<HttpClient> clients, ScheduledExecutorService timer) {
        this.options = options;
        this.metrics = metrics;
        this.tables = options.players() / 4;
        this.clients = clients;
        this.timer = timer;
    }

    /** How long the tool waits before it asks again for what an overloaded node refused, when the node does not say. */
    static final long SHED_RETRY_MILLIS = 2_500;
    static final int SHED_ATTEMPTS = 500;
    /** How often a request follows a cluster's {@code create_elsewhere}, {@code room_elsewhere} or {@code room_moving}. */
    static final int MAX_HOPS = 20;

    /**
     * Opens a player's connection; one an overloaded node refuses (HTTP 503: it paces or sheds new
     * connections) is opened again after its Retry-After ({@link #SHED_RETRY_MILLIS} if it names
     * none), as a client should, and counted under
     * "overloaded: connection (retried)".
     */
    private CompletableFuture<Connection> openShedAware(HttpClient http, URI uri, Player p, int attempt) {
        return Connection.open(http, uri, p::onMessage, p::onClosed, open)
                .handle((c, e) -> {
                    if (e == null) {
                        return CompletableFuture.completedFuture(c);
                    }
                    if (attempt < SHED_ATTEMPTS && refusedWith503(e)) {
                        error("overloaded: connection (retried)");
                        return CompletableFuture.supplyAsync(() -> null,
                                CompletableFuture.delayedExecutor(retryAfterMillis(e), TimeUnit.MILLISECONDS))
                                .thenCompose(x -> openShedAware(http, uri, p, attempt + 1));
                    }
                    return CompletableFuture.<Connection>failedFuture(e);
                }).thenCompose(f -> f);
    }

    private void error(String code) {
        errors.merge(code, 1, Integer::sum);
    }

    private final int tables;
    private final List<Table> all = new ArrayList<>();

    /** The rooms the run's tables played in (their games' ids in the archive), once it ran. */
    List<String> rooms() {
        return all.stream().map(t -> t.roomId).filter(java.util.Objects::nonNull).toList();
    }

    Result run() throws Exception {
        List<URI> uris = options.urls();
        for (int t = 0; t < tables; t++) {
            all.add(new Table(t));
        }
        // Connect and say hello, at most 200 handshakes at a time.
        Semaphore handshakes = new Semaphore(200);
        List<CompletableFuture<?>> hellos = new ArrayList<>();
        int n = 0;
        for (Table table : all) {
            for (Player p : table.players) {
                handshakes.acquire();
                HttpClient http = clients.get(n % clients.size());
                URI uri = uris.get(n++ % uris.size()); // several nodes: spread as a round-robin balancer would
                hellos.add(openShedAware(http, uri, p, 0)
                        .thenCompose(c -> {
                            p.connection = c;
                            return p.requestShedAware("hello", options.batch()
                                    ? Map.of("name", "load-" + table.index + "-" + p.seat, "batch", true)
                                    : Map.of("name", "load-" + table.index + "-" + p.seat));
                        })
                        .thenAccept(r -> p.token = r.path("token").asText(null))
                        .whenComplete((r, e) -> handshakes.release()));
            }
        }
        CompletableFuture.allOf(hellos.toArray(new CompletableFuture[0])).get(options.timeoutSeconds(), TimeUnit.SECONDS);
        int connected = open.get();
        peak.set(connected);

        // Every table: create, four joins, start. Then the game plays itself.
        ServerMetrics.Sample before = null;
        String unreadable = metrics == null ? "not read (--no-server-cpu)" : null;
        if (metrics != null) {
            try {
                before = metrics.read();
            } catch (IOException e) {
                unreadable = "could not read " + metrics.uri() + ": " + e.getMessage();
            }
        }
        long started = System.nanoTime();
        CountDownLatch done = new CountDownLatch(tables);
        for (Table table : all) {
            table.done = done;
            table.setUp();
        }
        boolean allDone = done.await(options.timeoutSeconds(), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        ServerMetrics.Delta server = ServerMetrics.Delta.unreadable(unreadable);
        if (before != null) {
            try {
                server = ServerMetrics.Delta.between(before, metrics.read());
            } catch (IOException e) {
                server = ServerMetrics.Delta.unreadable("could not read " + metrics.uri() + " after the games: " + e.getMessage());
            }
        }
        peak.accumulateAndGet(open.get(), Math::max);
        int completed = (int) all.stream().filter(t -> t.over.get() == 4).count();
        finishing = true;
        for (Table table : all) {
            for (Player p : table.players) {
                if (p.connection != null) {
                    p.connection.close();
                }
            }
        }
        String failure = null;
        if (!allDone) {
            failure = (tables - completed) + " of " + tables + " games did not end within " + options.timeoutSeconds() + " s";
        } else if (unexpectedCloses.get() > 0) {
            failure = unexpectedCloses.get() + " connections closed during the run";
        }
        return new Result(tables, completed, connected, peak.get(), actions.get(), seconds, broadcast.summary(),
                steadyBroadcast.summary(), reply.summary(), Map.copyOf(errors), server, failure, batches.get());
    }

    /** How a {@code batch} message starts, as the node writes it. */
    static final String BATCH = "{\"type\":\"batch\",\"messages\":[";

    /**
     * The members of a {@code batch} message, each as its own text, found by scanning rather than
     * parsing (the tool reads thousands of these a second): objects at the top level of the array,
     * strings and their escapes skipped. A malformed batch gives the members found before the fault.
     */
    static List<String> members(String batch) {
        List<String> out = new ArrayList<>(4);
        int depth = 0;
        int start = -1;
        boolean inString = false;
        for (int i = BATCH.length(); i < batch.length(); i++) {
            char ch = batch.charAt(i);
            if (inString) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    inString = false;
                }
            } else if (ch == '"') {
                inString = true;
            } else if (ch == '{' || ch == '[') {
                if (depth++ == 0) {
                    start = i;
                }
            } else if (ch == '}' || ch == ']') {
                if (depth == 0) {
                    break; // the end of the array
                }
                if (--depth == 0) {
                    out.add(batch.substring(start, i + 1));
                }
            }
        }
        return out;
    }

    /** Four players at one room. */
    final class Table {
        final int index;
        final Player[] players = new Player[4];
        /** When each room version's action was sent (nanoTime), by version. */
        final AtomicLongArray sentAt = new AtomicLongArray(8192);
        final AtomicInteger over = new AtomicInteger();
        volatile String roomId;
        CountDownLatch done;

        Table(int index) {
            this.index = index;
            for (int s = 0; s < 4; s++) {
                players[s] = new Player(this, s);
            }
        }

        void setUp() {
            Player host = players[0];
            Map<String, Object> opts = Map.of("maxRounds", String.valueOf(options.rounds()));
            host.requestFollowing("create_room", Map.of("game", "liap-tui", "name", "load " + index, "options", opts), 0)
                    .thenCompose(r -> {
                        roomId = r.path("room").path("roomId").asText();
                        CompletableFuture<JsonNode> chain = CompletableFuture.completedFuture(null);
                        for (Player p : players) {
                            chain = chain.thenCompose(x -> p.requestFollowing("join_room", Map.of("room", roomId), 0));
                        }
                        return chain;
                    })
                    .thenCompose(x -> host.request("start", Map.of()))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            error("setup: " + rootMessage(e));
                        } else if (started.incrementAndGet() == GameRun.this.tables) {
                            allStartedAt = System.nanoTime();
                        }
                    });
        }

        void markSent(long version, long nanos) {
            if (version >= 0 && version < sentAt.length()) {
                sentAt.compareAndSet((int) version, 0, nanos);
            }
        }

        long sentAt(long version) {
            return version >= 0 && version < sentAt.length() ? sentAt.get((int) version) : 0;
        }

        void playerFinished() {
            if (over.incrementAndGet() == 4) {
                done.countDown();
            }
        }
    }

    /** One simulated person. Message handling runs on the client's threads, one message at a time. */
    final class Player {
        final Table table;
        final int seat;
        volatile Connection connection;
        /** The session's token (from hello), to resume on another node. */
        volatile String token;
        /** Connections this player left for another node: their closes are not counted as unexpected. */
        private final AtomicInteger superseded = new AtomicInteger();
        private final AtomicLong ids = new AtomicLong();
        private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private long lastEventVersion = -1;
        private long actedOn = -1;
        private boolean finished;

        Player(Table table, int seat) {
            this.table = table;
            this.seat = seat;
        }

        /**
         * A request that an overloaded node may refuse ({@code overloaded}: nothing changed): sent
         * again after the retryAfterMillis it names (else {@link #SHED_RETRY_MILLIS}), and counted under
         * "overloaded: TYPE (retried)".
         */
        CompletableFuture<JsonNode> requestShedAware(String type, Map<String, Object> fields) {
            return requestShedAware(type, fields, 0);
        }

        private CompletableFuture<JsonNode> requestShedAware(String type, Map<String, Object> fields, int attempt) {
            return request(type, fields).handle((r, e) -> {
                if (e == null) {
                    return CompletableFuture.completedFuture(r);
                }
                if (attempt < SHED_ATTEMPTS && String.valueOf(rootMessage(e)).startsWith("overloaded:")) {
                    error("overloaded: " + type + " (retried)");
                    long after = root(e) instanceof Refused ref && ref.retryAfterMillis > 0 ? ref.retryAfterMillis : SHED_RETRY_MILLIS;
                    return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(after, TimeUnit.MILLISECONDS))
                            .thenCompose(x -> requestShedAware(type, fields, attempt + 1));
                }
                return CompletableFuture.<JsonNode>failedFuture(e);
            }).thenCompose(f -> f);
        }

        /**
         * A request that, besides {@code overloaded}, a node of a cluster may send elsewhere: on
         * {@code create_elsewhere} or {@code room_elsewhere} the player resumes its session on the
         * node named (its {@code address}) and asks there; on {@code room_moving} it asks again
         * after {@code retryAfterMillis}. Each is counted under "followed: CODE".
         */
        CompletableFuture<JsonNode> requestFollowing(String type, Map<String, Object> fields, int hops) {
            return requestShedAware(type, fields).handle((r, e) -> {
                if (e == null) {
                    return CompletableFuture.completedFuture(r);
                }
                if (root(e) instanceof Refused ref && hops < MAX_HOPS) {
                    String address = ref.reply.path("address").asText("");
                    if (("create_elsewhere".equals(ref.code) || "room_elsewhere".equals(ref.code)) && !address.isEmpty()) {
                        error("followed: " + ref.code);
                        return moveTo(URI.create(address)).thenCompose(x -> requestFollowing(type, fields, hops + 1));
                    }
                    if ("room_moving".equals(ref.code)) {
                        error("followed: room_moving");
                        long after = ref.retryAfterMillis > 0 ? ref.retryAfterMillis : 500;
                        return CompletableFuture.supplyAsync(() -> null,
                                CompletableFuture.delayedExecutor(after, TimeUnit.MILLISECONDS))
                                .thenCompose(x -> requestFollowing(type, fields, hops + 1));
                    }
                }
                return CompletableFuture.<JsonNode>failedFuture(e);
            }).thenCompose(f -> f);
        }

        /** Resumes this player's session on the node at {@code address}, leaving its connection to the last one. */
        private CompletableFuture<Void> moveTo(URI address) {
            if (token == null) {
                return CompletableFuture.failedFuture(new IOException("no token to resume with on " + address));
            }
            HttpClient http = clients.get(ThreadLocalRandom.current().nextInt(clients.size()));
            return openShedAware(http, address, this, 0).thenCompose(c -> {
                Connection old = connection;
                connection = c;
                superseded.incrementAndGet();
                old.close();
                return requestShedAware("hello", options.batch() ? Map.of("token", token, "batch", true) : Map.of("token", token));
            }).thenAccept(r -> token = r.path("token").asText(token));
        }

        CompletableFuture<JsonNode> request(String type, Map<String, Object> fields) {
            long id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            pending.put(id, f);
            ObjectNode m = JSON.valueToTree(fields);
            m.put("id", id);
            m.put("type", type);
            connection.send(m.toString());
            return f;
        }

        void onClosed() {
            if (superseded.get() > 0 && superseded.getAndDecrement() > 0) {
                return; // a connection left for another node
            }
            if (!finishing) {
                unexpectedCloses.incrementAndGet();
                pending.values().forEach(f -> f.completeExceptionally(new IOException("connection closed")));
            }
        }

        void onMessage(String text) {
            long now = System.nanoTime();
            if (text.startsWith(BATCH)) {
                batches.incrementAndGet();
                for (String one : members(text)) {
                    onMessage(one, now);
                }
                return;
            }
            onMessage(text, now);
        }

        private void onMessage(String text, long now) {
            // Most messages are events and other players' states: read what is needed from them
            // without parsing the whole message, so the tool spends its CPU on being many clients.
            if (text.startsWith("{\"type\":\"event\",")) {
                onEvent(text, now);
                return;
            }
            if (text.startsWith("{\"type\":\"room\",")
                    || (text.startsWith("{\"type\":\"state\",") && text.contains("\"allowedActions\":[]"))) {
                return;
            }
            JsonNode m;
            try {
                m = JSON.readTree(text);
            } catch (IOException e) {
                error("unparseable");
                return;
            }
            String type = m.path("type").asText();
            switch (type) {
                case "ok", "error" -> {
                    CompletableFuture<JsonNode> f = pending.remove(m.path("id").asLong());
                    if ("error".equals(type)) {
                        error(m.path("code").asText());
                        if (f != null) {
                            f.completeExceptionally(new Refused(m, m.path("code").asText() + ": " + m.path("message").asText(),
                                    m.path("retryAfterMillis").asLong(-1)));
                        }
                    } else if (f != null) {
                        f.complete(m.path("result"));
                    }
                }
                case "event" -> onEvent(text, now);
                case "state", "snapshot" -> onView(m);
                default -> {
                    // room updates need no answer
                }
            }
        }

        /** An event: the first of each room version is that version's broadcast reaching this player. */
        private void onEvent(String text, long now) {
            int at = text.indexOf(",\"v\":");
            if (at < 0) {
                error("event without v");
                return;
            }
            int end = at + 5;
            while (end < text.length() && Character.isDigit(text.charAt(end))) {
                end++;
            }
            long v = Long.parseLong(text, at + 5, end, 10);
            if (v > lastEventVersion) {
                lastEventVersion = v;
                long sent = table.sentAt(v);
                if (sent != 0) {
                    broadcast.record(now - sent);
                    long steadyFrom = allStartedAt;
                    if (steadyFrom != 0 && sent > steadyFrom) {
                        steadyBroadcast.record(now - sent);
                    }
                }
            }
            if (!finished && text.startsWith(",\"name\":\"game_over\",\"data\":{\"result\":", end)) {
                finished = true;
                table.playerFinished();
            }
        }

        private void onView(JsonNode m) {
            JsonNode allowed = m.path("allowedActions");
            long seq = m.path("seq").asLong();
            if (allowed.size() == 0 || seq <= actedOn) {
                return;
            }
            actedOn = seq;
            long version = m.path("v").asLong(-1);
            if (version < 0) {
                version = m.path("room").path("version").asLong(-1);
            }
            Map<String, Object> move = choose(allowed, m.path("game"));
            long v = version;
            if (options.thinkMillis() > 0) {
                long think = ThreadLocalRandom.current().nextLong(options.thinkMillis() * 2 + 1);
                timer.schedule(() -> act(move, v), think, TimeUnit.MILLISECONDS);
            } else {
                act(move, v);
            }
        }

        private void act(Map<String, Object> move, long version) {
            long sent = System.nanoTime();
            table.markSent(version + 1, sent);
            request("act", move).whenComplete((r, e) -> {
                reply.record(System.nanoTime() - sent);
                if (e == null) {
                    actions.incrementAndGet();
                }
            });
        }

        /** A legal move from what the server offers; no rules are known here. */
        private Map<String, Object> choose(JsonNode allowed, JsonNode game) {
            List<String> a = new ArrayList<>();
            allowed.forEach(x -> a.add(x.asText()));
            if (a.contains("redeal_decline")) {
                return Map.of("action", "redeal_decline");
            }
            if (a.contains("declare")) {
                JsonNode options = game.path("declareOptions");
                return Map.of("action", "declare", "args", Map.of("piles", options.get(options.size() / 2).asInt()));
            }
            List<String> pieces = new ArrayList<>();
            JsonNode options = game.path("playOptions");
            if (options.size() > 0) {
                options.get(ThreadLocalRandom.current().nextInt(options.size())).path("pieces").forEach(p -> pieces.add(p.asText()));
            } else {
                int count = game.path("turn").path("pieceCount").asInt();
                JsonNode hand = game.path("hand");
                for (int i = 0; i < count && i < hand.size(); i++) {
                    pieces.add(hand.get(hand.size() - 1 - i).asText());
                }
            }
            return Map.of("action", "play", "args", Map.of("pieces", pieces));
        }
    }

    /** Whether the WebSocket handshake was answered with HTTP 503. */
    /** The wait a 503 names in {@code Retry-After} (whole seconds), else {@link #SHED_RETRY_MILLIS}. */
    static long retryAfterMillis(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.net.http.WebSocketHandshakeException h && h.getResponse() != null) {
                String after = h.getResponse().headers().firstValue("Retry-After").orElse("");
                if (after.matches("\\d{1,4}")) {
                    return Math.max(100, Long.parseLong(after) * 1000);
                }
            }
        }
        return SHED_RETRY_MILLIS;
    }

    static boolean refusedWith503(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.net.http.WebSocketHandshakeException h && h.getResponse() != null
                    && h.getResponse().statusCode() == 503) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = root(e);
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    private static Throwable root(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** An error reply: its code and message, and the wait it asks for ({@code retryAfterMillis}, -1 if none). */
    static final class Refused extends IOException {
        final long retryAfterMillis;
        final String code;
        /** The whole error message (a cluster's refusals name the node to go to). */
        final transient JsonNode reply;

        Refused(JsonNode reply, String message, long retryAfterMillis) {
            super(message);
            this.reply = reply;
            this.code = reply.path("code").asText();
            this.retryAfterMillis = retryAfterMillis;
        }
    }
}
