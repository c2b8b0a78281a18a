package dev.ludus.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Idle players: connections that say {@code hello} and then stay silent (the JDK client answers
 * the server's pings by itself), opened before the play phase and held through it. Measures what
 * they cost the node: its resident memory and heap used from its own {@code /metrics}, read
 * before they open and again after all are open and a few seconds have passed (no GC is forced),
 * divided by the connections; and {@code GET /health} latency while they are held.
 */
final class IdleRun {

    /** How long to wait after the last hello before reading the node's memory again. */
    static final int SETTLE_SECONDS = 5;
    /** GETs of {@code /health} while the idle connections are held, 25 ms apart. */
    static final int HEALTH_GETS = 40;

    /**
     * @param requested        idle connections asked for
     * @param opened           those whose {@code hello} was answered
     * @param openAtEnd        of those, still open after the play phase
     * @param dropped          the others, by the close code they ended with (1006: no close frame)
     * @param notOpened        why the rest did not open (message → count)
     * @param seconds          how long opening them took
     * @param before           the node's memory before the first opened; null when unread
     * @param after            the node's memory after all were open and settled; null when unread
     * @param memoryUnknown    why the node's memory is not known; null when it is
     * @param health           {@code GET /health} latencies while they were held
     * @param healthStatuses   the answers' status codes (status → count; -1: no answer)
     * @param toolBefore       this process's resident bytes before opening them; -1 when unknown
     * @param toolAfter        the same after
     * @param helloRetried     hellos said again because the node answered {@code overloaded}
     */
    record Result(int requested, int opened, int openAtEnd, Map<Integer, Integer> dropped, Map<String, Integer> notOpened,
                  double seconds, ServerMetrics.Memory before, ServerMetrics.Memory after, String memoryUnknown,
                  Latencies.Summary health, Map<Integer, Integer> healthStatuses, long toolBefore, long toolAfter,
                  int helloRetried) {

        int droppedCount() {
            return dropped.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** The node's resident memory per idle connection, in bytes; NaN when unknown. */
        double serverResidentPerConnection() {
            return memoryUnknown != null || opened == 0 ? Double.NaN
                    : (after.residentBytes() - before.residentBytes()) / opened;
        }

        /** The node's heap used per idle connection, in bytes (no GC forced: garbage counts); NaN when unknown. */
        double serverHeapPerConnection() {
            return memoryUnknown != null || opened == 0 ? Double.NaN
                    : (after.heapUsedBytes() - before.heapUsedBytes()) / opened;
        }

        /** This process's resident memory per idle connection, in bytes; NaN when unknown. */
        double toolResidentPerConnection() {
            return toolBefore < 0 || toolAfter < 0 || opened == 0 ? Double.NaN : (toolAfter - toolBefore) / (double) opened;
        }

        /** Null when every idle connection opened and stayed open, else what went wrong. */
        String failure() {
            if (opened < requested) {
                return (requested - opened) + " of " + requested + " idle connections did not open: " + notOpened;
            }
            if (droppedCount() > 0) {
                return droppedCount() + " idle connections dropped (close codes " + new TreeMap<>(dropped) + ")";
            }
            return null;
        }
    }

    private final LoadTool.Options options;
    private final ServerMetrics metrics;
    private final List<HttpClient> clients;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger helloRetried = new AtomicInteger();
    private final Map<String, Integer> notOpened = new TreeMap<>();
    private final List<Connection> connections = new ArrayList<>();
    private int opened;
    private double seconds;
    private ServerMetrics.Memory before;
    private ServerMetrics.Memory after;
    private String memoryUnknown;
    private final Latencies health = new Latencies();
    private final Map<Integer, Integer> healthStatuses = new TreeMap<>();
    private long toolBefore;
    private long toolAfter;

    /**
     * @param metrics the node's metrics, read for its memory; null: not read
     */
    IdleRun(LoadTool.Options options, ServerMetrics metrics, List<HttpClient> clients) {
        this.options = options;
        this.metrics = metrics;
        this.clients = clients;
    }

    /**
     * Opens the idle connections, each saying {@code hello}, waits for every answer, lets the node
     * settle, reads its memory and times {@code /health}. The connections stay open.
     */
    void open() throws InterruptedException {
        URI uri = options.urls().get(0);
        memoryUnknown = metrics == null ? "not read (--no-server-cpu)" : null;
        if (metrics != null) {
            try {
                before = metrics.readMemory();
            } catch (IOException e) {
                memoryUnknown = "could not read " + metrics.uri() + ": " + e.getMessage();
            }
        }
        toolBefore = residentBytes();
        long started = System.nanoTime();
        Semaphore handshakes = new Semaphore(200);
        List<CompletableFuture<Connection>> hellos = new ArrayList<>(options.idle());
        for (int i = 0; i < options.idle(); i++) {
            handshakes.acquire();
            hellos.add(hello(clients.get(i % clients.size()), uri, i).whenComplete((c, e) -> handshakes.release()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
        for (CompletableFuture<Connection> h : hellos) {
            try {
                connections.add(h.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                opened++;
            } catch (java.util.concurrent.ExecutionException e) {
                notOpened.merge(rootMessage(e), 1, Integer::sum);
            } catch (TimeoutException e) {
                notOpened.merge("no answer to hello within " + options.timeoutSeconds() + " s", 1, Integer::sum);
            }
        }
        seconds = (System.nanoTime() - started) / 1e9;
        Thread.sleep(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
        if (before != null) {
            try {
                after = metrics.readMemory();
                if (Double.isNaN(after.residentBytes()) || Double.isNaN(before.residentBytes())) {
                    memoryUnknown = "the node reports no " + ServerMetrics.RESIDENT + " (or reports it unknown)";
                }
            } catch (IOException e) {
                memoryUnknown = "could not read " + metrics.uri() + " after the idle connections opened: " + e.getMessage();
            }
        }
        toolAfter = residentBytes();
        timeHealth();
    }

    /**
     * One idle player: connect, say hello, and complete once the server answers it. A connection
     * the node refuses with 503 (it takes new connections a window at a time) is opened again after
     * its Retry-After, up to {@link GameRun#SHED_ATTEMPTS} times, as a client should.
     */
    private CompletableFuture<Connection> hello(HttpClient http, URI uri, int index) {
        return helloPaced(http, uri, index, 0);
    }

    private CompletableFuture<Connection> helloPaced(HttpClient http, URI uri, int index, int attempt) {
        return helloOnce(http, uri, index).handle((c, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(c);
            }
            if (attempt < GameRun.SHED_ATTEMPTS && GameRun.refusedWith503(e)) {
                return CompletableFuture.supplyAsync(() -> null,
                        CompletableFuture.delayedExecutor(GameRun.retryAfterMillis(e), TimeUnit.MILLISECONDS))
                        .thenCompose(x -> helloPaced(http, uri, index, attempt + 1));
            }
            return CompletableFuture.<Connection>failedFuture(e);
        }).thenCompose(f -> f);
    }

    /**
     * Connects and says hello. A hello the node refuses with {@code overloaded} (it sheds new
     * players while under pressure) is said again on the same connection after the
     * {@code retryAfterMillis} it names, up to {@link GameRun#SHED_ATTEMPTS} times, as a client
     * should; each is counted under "hello retried after overloaded".
     */
    private CompletableFuture<Connection> helloOnce(HttpClient http, URI uri, int index) {
        CompletableFuture<Connection> answered = new CompletableFuture<>();
        AtomicReference<Connection> conn = new AtomicReference<>();
        AtomicInteger refusals = new AtomicInteger();
        String hello = "{\"id\":1,\"type\":\"hello\",\"name\":\"idle-" + index + "\"}";
        CompletableFuture<Connection> connected = Connection.open(http, uri, text -> {
            if (!answered.isDone()) {
                if (text.startsWith("{\"type\":\"ok\"")) {
                    answered.complete(null);
                } else if (text.startsWith("{\"type\":\"error\"")) {
                    JsonNode error;
                    try {
                        error = GameRun.JSON.readTree(text);
                    } catch (IOException e) {
                        answered.completeExceptionally(new IOException("hello refused: " + text));
                        return;
                    }
                    String code = error.path("code").asText();
                    if (code.equals("overloaded") && refusals.incrementAndGet() < GameRun.SHED_ATTEMPTS) {
                        helloRetried.incrementAndGet();
                        long after = error.path("retryAfterMillis").asLong(-1);
                        CompletableFuture.delayedExecutor(after > 0 ? after : GameRun.SHED_RETRY_MILLIS, TimeUnit.MILLISECONDS)
                                .execute(() -> conn.get().send(hello));
                    } else {
                        answered.completeExceptionally(new IOException("hello refused: " + code));
                    }
                }
            }
            // everything after the answer (the snapshot of no room) needs nothing
        }, () -> answered.completeExceptionally(new IOException("closed before the answer to hello")), open);
        return connected.thenCompose(c -> {
            conn.set(c);
            c.send(hello);
            return answered.thenApply(x -> c);
        });
    }

    private void timeHealth() throws InterruptedException {
        URI uri = ServerMetrics.besideGateway(options.urls().get(0).toString(), "/health");
        HttpClient http = clients.get(0);
        for (int i = 0; i < HEALTH_GETS; i++) {
            long t = System.nanoTime();
            int status;
            try {
                status = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                health.record(System.nanoTime() - t);
            } catch (IOException e) {
                status = -1;
            }
            healthStatuses.merge(status, 1, Integer::sum);
            Thread.sleep(25);
        }
    }

    /** After the play phase: counts what is still open, by close code what is not, and closes them all. */
    Result finish() {
        int stillOpen = 0;
        Map<Integer, Integer> dropped = new TreeMap<>();
        for (Connection c : connections) {
            if (c.isClosed()) {
                dropped.merge(c.closeCode(), 1, Integer::sum);
            } else {
                stillOpen++;
            }
        }
        for (Connection c : connections) {
            c.close();
        }
        return new Result(options.idle(), opened, stillOpen, Map.copyOf(dropped), Map.copyOf(notOpened), seconds,
                before, after, memoryUnknown, health.summary(), Map.copyOf(healthStatuses), toolBefore, toolAfter,
                helloRetried.get());
    }

    /**
     * {@code --hold}: opens the idle connections (reading the node's memory and timing
     * {@code /health} as {@link #open()} does), says so on {@code out}, holds them until
     * {@code stop} ends or gives a line, then reports which stayed open. For a run that plays
     * from another process beside them, so that this process's pauses and its thousands of
     * connections do not delay what the players measure.
     *
     * @return the exit code: 0 when every connection opened and stayed open, else 1
     */
    static int hold(LoadTool.Options options, InputStream stop, PrintStream out) throws IOException, InterruptedException {
        ServerMetrics metrics = LoadTool.check(options);
        ExecutorService callbacks = LoadTool.callbackPool();
        IdleRun run = new IdleRun(options, metrics, LoadTool.httpClients(options, callbacks));
        Result result;
        try {
            run.open();
            out.printf(Locale.ROOT, "holding %d of %d idle connections (opened in %.1f s); the end of standard input, or a line"
                    + " on it, ends the hold%n", run.opened, options.idle(), run.seconds);
            out.flush();
            int c;
            do {
                c = stop.read();
            } while (c != -1 && c != '\n');
        } finally {
            result = run.finish();
            callbacks.shutdownNow();
        }
        StringBuilder b = new StringBuilder();
        LoadTool.Report.appendIdle(b, result, "held until told to stop");
        if (result.failure() != null) {
            b.append("FAILED: ").append(result.failure()).append('\n');
        }
        out.print(b);
        out.flush();
        return result.failure() == null ? 0 : 1;
    }

    /** This process's resident bytes (Linux); -1 when unknown. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no such line
        }
        return -1;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
