package dev.ludus.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads the node's Prometheus text ({@code GET /metrics}) for the few series the load tool
 * reports: the server process's CPU time, and the event store's fsyncs.
 */
final class ServerMetrics {

    /** The family {@code ludus_jvm_process_cpu_seconds}, a counter: in the text format its sample has {@code _total}. */
    static final String PROCESS_CPU = "ludus_jvm_process_cpu_seconds_total";
    /** The same without the counter suffix, as older exporters wrote it. */
    static final String PROCESS_CPU_BARE = "ludus_jvm_process_cpu_seconds";
    static final String FSYNC_COUNT = "ludus_eventstore_fsync_seconds_count";
    static final String FSYNC_SUM = "ludus_eventstore_fsync_seconds_sum";
    /** The node's resident memory (VmRSS); -1 where its system does not tell. */
    static final String RESIDENT = "ludus_jvm_process_resident_memory_bytes";
    static final String MEMORY_USED = "ludus_jvm_memory_used_bytes";

    /** What one read of the node's metrics said; NaN for a series the node did not report. */
    record Sample(double cpuSeconds, double fsyncs, double fsyncSeconds) {
    }

    /**
     * What the node's metrics moved by over a phase; {@code unreadable} says why there are no
     * figures (then the numbers are NaN).
     */
    record Delta(double cpuSeconds, double fsyncs, double fsyncSeconds, String unreadable) {
        static Delta between(Sample a, Sample b) {
            return new Delta(b.cpuSeconds() - a.cpuSeconds(), b.fsyncs() - a.fsyncs(), b.fsyncSeconds() - a.fsyncSeconds(), null);
        }

        static Delta unreadable(String why) {
            return new Delta(Double.NaN, Double.NaN, Double.NaN, why);
        }
    }

    /**
     * The node's memory at one moment: resident bytes and heap used (NaN for a figure the node did
     * not report, or reported as unknown).
     */
    record Memory(double residentBytes, double heapUsedBytes) {
        static Memory parse(String text) {
            double rss = value(text, RESIDENT);
            return new Memory(rss < 0 ? Double.NaN : rss, labelled(text, MEMORY_USED, "area=\"heap\""));
        }
    }

    private final URI uri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerMetrics(URI uri) {
        this.uri = uri;
    }

    URI uri() {
        return uri;
    }

    /** The node's {@code /metrics} beside a gateway URL: same host and port, {@code ws} → {@code http}. */
    static URI besideGateway(String gatewayUrl) {
        return besideGateway(gatewayUrl, "/metrics");
    }

    /** A path of the node beside a gateway URL: same host and port, {@code ws} → {@code http}. */
    static URI besideGateway(String gatewayUrl, String path) {
        URI ws = URI.create(gatewayUrl);
        String scheme = "wss".equalsIgnoreCase(ws.getScheme()) ? "https" : "http";
        return URI.create(scheme + "://" + ws.getRawAuthority() + path);
    }

    /**
     * One read.
     *
     * @throws IOException when the node does not answer 200 or reports no process CPU time
     */
    Sample read() throws IOException {
        return parse(fetch());
    }

    /**
     * The node's memory figures.
     *
     * @throws IOException when the node does not answer 200
     */
    Memory readMemory() throws IOException {
        return Memory.parse(fetch());
    }

    /** The series of one {@code /metrics} text. */
    static Sample parse(String text) throws IOException {
        double cpu = value(text, PROCESS_CPU);
        if (Double.isNaN(cpu)) {
            cpu = value(text, PROCESS_CPU_BARE);
        }
        if (Double.isNaN(cpu)) {
            throw new IOException("no " + PROCESS_CPU + " in the metrics");
        }
        return new Sample(cpu, value(text, FSYNC_COUNT), value(text, FSYNC_SUM));
    }

    private String fetch() throws IOException {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * The value of one series without labels (or the sum over its label sets) in Prometheus text
     * exposition format; NaN when no line has that name.
     */
    static double value(String text, String name) {
        double sum = Double.NaN;
        int from = 0;
        while (from < text.length()) {
            int end = text.indexOf('\n', from);
            if (end < 0) {
                end = text.length();
            }
            if (text.startsWith(name, from)) {
                int at = from + name.length();
                char next = at < end ? text.charAt(at) : '\n';
                if (next == '{') {
                    at = text.indexOf('}', at);
                    at = at < 0 || at > end ? -1 : at + 1;
                } else if (next != ' ' && next != '\t') {
                    at = -1; // a longer name with this one as its prefix
                }
                if (at >= 0) {
                    String[] rest = text.substring(at, end).trim().split("\\s+");
                    double v = number(rest[0]);
                    if (!Double.isNaN(v)) {
                        sum = Double.isNaN(sum) ? v : sum + v;
                    }
                }
            }
            from = end + 1;
        }
        return sum;
    }

    /**
     * The value of the series of a family whose labels include {@code label} ({@code area="heap"}),
     * however the exporter lays out its label set ({@code {area="heap",}}); NaN when none has it.
     */
    static double labelled(String text, String family, String label) {
        for (String line : text.split("\n")) {
            if (line.startsWith(family + "{")) {
                int close = line.indexOf('}');
                String labels = close < 0 ? "" : line.substring(family.length() + 1, close);
                for (String l : labels.split(",")) {
                    if (l.trim().equals(label)) {
                        String[] rest = line.substring(close + 1).trim().split("\\s+");
                        return number(rest[0]);
                    }
                }
            }
        }
        return Double.NaN;
    }

    private static double number(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
        };
    }
}
