package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.services.Prometheus;
import dev.ludus.testing.services.PrometheusTools;

/**
 * The operators' kit in {@code ops/} against the real thing: the distribution plays one game with
 * bots, a real Prometheus scrapes it every second with the shipped configuration and rules, and
 * every query of the shipped Grafana dashboard and every recording rule must find series.
 * {@code promtool} checks the rules, the configuration and the node's live {@code /metrics}, and
 * runs the rules' unit tests (each alert fired by made-up series, and only then).
 * Needs Debian's {@code prometheus} package (the server and promtool): without it the class
 * skips, or fails under {@code LUDUS_TEST_SERVICES=required}.
 */
public class PrometheusIT {

    private static final int TESTS = 6;
    private static final Path OPS = Path.of(System.getProperty("ludus.ops"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PrometheusTools tools;
    private static Distribution node;
    private static Path work;
    private static PrometheusServer prometheus;

    @BeforeClass
    public static void scrapeANodeThatPlayedAGame() throws Exception {
        tools = Prometheus.tools(PrometheusIT.class, TESTS);
        node = Distribution.copy();
        work = Files.createDirectories(node.home.getParent().resolve("prometheus"));
        Files.writeString(node.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 1\n");
        // One limit that refuses and one in shadow mode, so the rate-limit panels have series.
        Files.writeString(node.home.resolve("conf/dev.ludus.gateway.cfg"), "limitJoinRoom = 1/1h\nlimitPing = 1/1h shadow\n");
        node.start().awaitHealthy();
        node.awaitGateway();
        playOneGameWithBots();
        prometheus = new PrometheusServer(tools, scrapeConfigFor(node), work);
        // rate() and increase() need two samples in their window; ask for three scrapes.
        Wait.until("three scrapes of the node (Prometheus log:\n" + prometheus.output() + ")", 20_000,
                () -> !prometheus.query("count_over_time(up{job=\"ludus\"}[1m]) >= 3").isEmpty());
    }

    @AfterClass
    public static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private static void playOneGameWithBots() throws Exception {
        String room;
        try (ProtocolClient c = ProtocolClient.hello(URI.create("ws://127.0.0.1:" + node.port + "/ws"), "Ann")) {
            room = LiapTuiPlayer.startAgainstBots(c, "observed", Map.of("maxRounds", 1));
            LiapTuiPlayer.play(c, 60_000, -1);
        }
        try (ProtocolClient c = ProtocolClient.hello(URI.create("ws://127.0.0.1:" + node.port + "/ws"), "Bo")) {
            for (int i = 0; i < 2; i++) {
                c.request("join_room", Map.of("room", "nowhere"));
                c.request("ping", Map.of());
            }
        }
        // The finished game reaches the archive, so its series carry a backend.
        Wait.until("the game in the archive", 30_000,
                () -> Http.get(node.base() + "/metrics").body().contains("ludus_archive_stored_games_total{backend="));
        // Its replay and the players' figures, read twice: the caches' series have hits and misses.
        try (ProtocolClient c = ProtocolClient.hello(URI.create("ws://127.0.0.1:" + node.port + "/ws"), "Cy")) {
            for (int i = 0; i < 2; i++) {
                c.ok("replay", Map.of("game", room));
                c.ok("leaderboard", Map.of("game", "liap-tui"));
            }
        }
    }

    /**
     * The shipped {@code prometheus.yml} and rules side by side in a folder of the test, with
     * only the target and the intervals changed: so the shipped file is what runs.
     */
    private static Path scrapeConfigFor(Distribution d) throws Exception {
        String shipped = Files.readString(OPS.resolve("prometheus/prometheus.yml"), StandardCharsets.UTF_8);
        String config = replaceOnce(shipped, "targets: [\"127.0.0.1:8080\"]", "targets: [\"127.0.0.1:" + d.port + "\"]");
        config = replaceOnce(config, "scrape_interval: 15s", "scrape_interval: 1s");
        config = replaceOnce(config, "scrape_timeout: 10s", "scrape_timeout: 1s");
        config = replaceOnce(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
        Path file = work.resolve("prometheus.yml");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        Files.copy(OPS.resolve("prometheus/ludus-rules.yml"), work.resolve("ludus-rules.yml"));
        return file;
    }

    private static String replaceOnce(String text, String what, String with) {
        int at = text.indexOf(what);
        assertTrue("ops/prometheus/prometheus.yml should contain " + what, at >= 0);
        assertEquals("ops/prometheus/prometheus.yml should contain " + what + " once", at, text.lastIndexOf(what));
        return text.replace(what, with);
    }

    /** promtool checks the rules and the configuration, and runs the rules' unit tests (ludus-rules.test.yml). */
    @Test
    public void promtoolAcceptsTheRulesAndTheConfigurationAndTheRulesPassTheirTests() throws Exception {
        assertPromtoolClean(null, "check", "rules", OPS.resolve("prometheus/ludus-rules.yml").toString());
        assertPromtoolClean(null, "test", "rules", OPS.resolve("prometheus/ludus-rules.test.yml").toString());
        Path copy = Files.createDirectories(work.resolve("shipped"));
        Files.copy(OPS.resolve("prometheus/prometheus.yml"), copy.resolve("prometheus.yml"));
        Files.copy(OPS.resolve("prometheus/ludus-rules.yml"), copy.resolve("ludus-rules.yml"));
        assertPromtoolClean(null, "check", "config", copy.resolve("prometheus.yml").toString());
    }

    /** promtool's lint of the live exposition finds nothing (label names in snake_case, types, help). */
    @Test
    public void promtoolFindsNothingInTheLiveMetrics() throws Exception {
        String metrics = Http.get(node.base() + "/metrics").body();
        assertTrue(metrics, metrics.contains("bundle_version=\""));
        Path file = work.resolve("metrics.txt");
        Files.writeString(file, metrics, StandardCharsets.UTF_8);
        assertPromtoolClean(file, "check", "metrics");
    }

    @Test
    public void prometheusScrapesTheNodeUpWithJvmRoomsAndArchiveSeries() throws Exception {
        List<JsonNode> up = prometheus.query("up{job=\"ludus\"}");
        assertEquals(up.toString(), 1, up.size());
        assertEquals(up.toString(), "1", up.get(0).path("value").get(1).asText());
        assertFalse(prometheus.query("ludus_jvm_memory_used_bytes{job=\"ludus\",area=\"heap\"} > 0").isEmpty());
        assertFalse(prometheus.query("ludus_rooms_rooms{job=\"ludus\",game=\"liap-tui\",state=\"FINISHED\"} >= 1").isEmpty());
        assertFalse(prometheus.query("ludus_rooms_actions_total{job=\"ludus\",result=\"accepted\"} > 0").isEmpty());
        assertFalse(prometheus.query("ludus_archive_stored_games_total{job=\"ludus\",backend=\"fs\"} >= 1").isEmpty());
    }

    /** The summaries carry an exact _sum beside _count, and /health is a series per check and for the node. */
    @Test
    public void prometheusFindsTheSumsOfSummariesAndTheHealthStatuses() throws Exception {
        for (String sum : List.of("ludus_rooms_action_seconds_sum", "ludus_gateway_request_seconds_sum{type=\"act\"}",
                "ludus_eventstore_append_seconds_sum{result=\"durable\"}", "ludus_eventstore_group_events_sum",
                "ludus_archive_store_seconds_sum{backend=\"fs\"}")) {
            assertFalse(sum, prometheus.query(sum + " > 0").isEmpty());
        }
        List<JsonNode> overall = prometheus.query("ludus_health_status{job=\"ludus\",check=\"overall\"}");
        assertEquals(overall.toString(), 1, overall.size());
        assertEquals(overall.toString(), "1", overall.get(0).path("value").get(1).asText());
        for (String check : List.of("gateway", "rooms", "eventstore", "archive", "framework")) {
            assertFalse(check, prometheus.query("ludus_health_status{job=\"ludus\",check=\"" + check + "\"} == 1").isEmpty());
        }
        assertFalse(prometheus.query("ludus_rooms_stalls_repaired_total{job=\"ludus\"} == 0").isEmpty());
        assertFalse(prometheus.query("ludus_archive_retention_deleted_total{job=\"ludus\"} == 0").isEmpty());
    }

    /**
     * Every panel's query, with the dashboard's variables set to "every node", finds series, and
     * so does every variable's {@code label_values} query.
     */
    @Test
    public void everyDashboardQueryFindsSeries() throws Exception {
        JsonNode dashboard = JSON.readTree(OPS.resolve("grafana/ludus-dashboard.json").toFile());
        List<String> empty = new ArrayList<>();
        int queries = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                String promql = expr.replace("$__rate_interval", "1m").replace("$instance", ".+");
                queries++;
                if (prometheus.query(promql).isEmpty()) {
                    empty.add(panel.path("title").asText() + ": " + expr);
                }
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                Matcher m = Pattern.compile("label_values\\((.+), (\\w+)\\)").matcher(variable.path("definition").asText());
                assertTrue(variable.toString(), m.matches());
                queries++;
                if (prometheus.query("count by (" + m.group(2) + ") (" + m.group(1) + ")").isEmpty()) {
                    empty.add("variable " + variable.path("name").asText() + ": " + m.group(0));
                }
            }
        }
        assertTrue("the dashboard has queries", queries > 30);
        assertEquals("dashboard queries with no series", List.of(), empty);
    }

    /** Every rule evaluates without error, and every recording rule yields series. */
    @Test
    public void everyRuleEvaluatesAndEveryRecordingRuleFindsSeries() throws Exception {
        List<String> records = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*- record: (\\S+)$")
                .matcher(Files.readString(OPS.resolve("prometheus/ludus-rules.yml"), StandardCharsets.UTF_8));
        while (m.find()) {
            records.add(m.group(1));
        }
        assertTrue(records.toString(), records.size() >= 10);
        Wait.until("every recording rule to have results", 15_000,
                () -> records.stream().allMatch(r -> {
                    try {
                        return !prometheus.query(r).isEmpty();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
        List<String> broken = new ArrayList<>();
        int rules = 0;
        for (JsonNode group : prometheus.api("/api/v1/rules").path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                rules++;
                if (!"ok".equals(rule.path("health").asText())) {
                    broken.add(rule.path("name").asText() + ": " + rule.path("lastError").asText());
                }
            }
        }
        assertTrue("rules loaded: " + rules, rules > records.size());
        assertEquals("rules that failed to evaluate", List.of(), broken);
        List<JsonNode> firing = prometheus.query("ALERTS{alertstate=\"firing\"}");
        assertEquals("alerts firing on a healthy node", List.of(), firing);
    }

    /** Runs promtool (stdin from {@code input} when given) and fails with its output unless it exits 0 with no finding. */
    private static void assertPromtoolClean(Path input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tools.promtool()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (input != null) {
            pb.redirectInput(input.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("promtool " + String.join(" ", args) + " still running", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("promtool " + String.join(" ", args) + " said:\n" + out, 0, p.exitValue());
        if (input != null) {
            assertEquals("promtool " + String.join(" ", args) + " findings", "", out.strip());
        }
    }
}
