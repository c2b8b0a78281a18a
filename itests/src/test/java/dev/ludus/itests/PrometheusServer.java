package dev.ludus.itests;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.testing.services.PrometheusTools;

/**
 * A Prometheus server of the test's own: its configuration and storage in a folder of the test,
 * listening on a free loopback port, stopped (SIGTERM) on close. Queries go through its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final int port;

    /**
     * Starts {@code tools.prometheus()} on {@code config} (whose rule files are resolved against
     * its folder) and waits until it answers {@code /-/ready}.
     */
    PrometheusServer(PrometheusTools tools, Path config, Path work) throws Exception {
        port = Ports.free();
        log = work.resolve("prometheus.log");
        process = new ProcessBuilder(tools.prometheus(), "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(work.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Wait.until("Prometheus ready on port " + port, 30_000, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + output());
            }
            return Http.tryGet(base() + "/-/ready", null, null).status() == 200;
        });
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** The result vector of an instant query ({@code /api/v1/query}); fails on an API error. */
    List<JsonNode> query(String promql) throws Exception {
        Http.Response r = Http.get(base() + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(r.body());
        if (r.status() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("query failed (" + r.status() + "): " + promql + "\n" + r.body());
        }
        return List.copyOf(JSON.convertValue(body.path("data").path("result"),
                JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class)));
    }

    /** {@code GET path} of the API as JSON. */
    JsonNode api(String path) throws Exception {
        return JSON.readTree(Http.get(base() + path).body());
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
