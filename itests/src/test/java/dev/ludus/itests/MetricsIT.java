package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * {@code GET /metrics} in the default distribution: JVM and HTTP request series in the Prometheus
 * text format or OpenMetrics, and the metrics bundle stopped, updated and reinstalled while
 * {@code /health} and {@code /metrics} are under steady requests.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MetricsIT {

    static final String BSN = "dev.ludus.metrics";
    static final String REGISTRY = "com.codahale.metrics.MetricRegistry";
    static final Pattern GET_2XX = Pattern.compile("^ludus_http_requests_total\\{method=\"GET\",status=\"2xx\",} (\\S+)$",
            Pattern.MULTILINE);
    /**
     * Pool threads of Jetty and of the JDK's HTTP client come and go with traffic, whoever runs;
     * Felix HTTP starts its runtime's timer the first time a whiteboard service changes, and keeps it.
     */
    static final Pattern POOL_THREAD = Pattern.compile(
            "qtp\\d+-\\d+.*|HttpClient-\\d+-Worker-\\d+|ForkJoinPool.*|Apache Felix Http Runtime Timer");

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("metrics", List.of());
    }

    private String base() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitMetrics(int status) throws Exception {
        Wait.until("/metrics answers " + status, 20_000, () -> get("/metrics", null).statusCode() == status);
    }

    private int registries() throws Exception {
        var refs = context.getServiceReferences(REGISTRY, null);
        return refs == null ? 0 : refs.length;
    }

    private Bundle bundle() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + BSN);
    }

    private static double getRequests(String body) {
        Matcher m = GET_2XX.matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    public void servesJvmSeriesAndCountsRequests() throws Exception {
        awaitMetrics(200);
        HttpResponse<String> first = get("/metrics", null);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", first.headers().firstValue("Content-Type").orElse(""));
        String body = first.body();
        for (String series : List.of("ludus_jvm_memory_used_bytes{area=\"heap\",} ", "ludus_jvm_threads_live ",
                "# TYPE ludus_jvm_gc_collections_total counter", "ludus_jvm_process_cpu_seconds_total ",
                "ludus_jvm_open_fds ", "# TYPE ludus_http_request_duration_seconds summary")) {
            assertTrue(series + " in\n" + body, body.contains(series));
        }
        double before = getRequests(body);
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/health/live", null).statusCode());
        }
        // The five, and the scrape that read `before`: each is counted once it has been answered.
        Wait.until("the requests are counted", 5_000, () -> getRequests(get("/metrics", null).body()) >= before + 6);
    }

    @Test
    public void answersOpenMetricsWhenAskedForIt() throws Exception {
        awaitMetrics(200);
        HttpResponse<String> r = get("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, r.statusCode());
        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(r.body(), r.body().contains("# TYPE ludus_http_requests counter\n"));
        assertTrue(r.body(), r.body().endsWith("# EOF\n"));
    }

    @Test
    public void jvmAndHttpSeriesTurnOffAndOnLive() throws Exception {
        awaitMetrics(200);
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.metrics", "?");
        try {
            Hashtable<String, Object> off = new Hashtable<>();
            off.put("jvmSeries", false);
            off.put("httpSeries", false);
            c.update(off);
            Wait.until("no JVM or HTTP series", 10_000, () -> {
                String body = get("/metrics", null).body();
                return !body.contains("ludus_jvm_") && !body.contains("ludus_http_");
            });
            Hashtable<String, Object> on = new Hashtable<>();
            on.put("jvmSeries", true);
            on.put("httpSeries", true);
            c.update(on);
            Wait.until("JVM and HTTP series back", 10_000, () -> {
                String body = get("/metrics", null).body();
                return body.contains("ludus_jvm_memory_used_bytes{area=\"heap\",} ")
                        && body.contains("ludus_http_requests_total{method=\"GET\",status=\"2xx\",} ");
            });
        } finally {
            c.delete();
        }
    }

    /** Requests {@code /health} and {@code /metrics} in turn, without pause, and tallies the answers. */
    private final class Traffic implements AutoCloseable {
        final Map<String, Integer> health = Collections.synchronizedMap(new TreeMap<>());
        final Map<String, Integer> metrics = Collections.synchronizedMap(new TreeMap<>());
        private final AtomicInteger rounds = new AtomicInteger();
        private volatile boolean running = true;
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread thread = new Thread(this::run, "metrics-it-traffic");

        void start() {
            thread.start();
        }

        private void run() {
            try {
                while (running) {
                    health.merge(answer("/health"), 1, Integer::sum);
                    metrics.merge(answer("/metrics"), 1, Integer::sum);
                    rounds.incrementAndGet();
                }
            } finally {
                done.countDown();
            }
        }

        private String answer(String path) {
            try {
                return String.valueOf(get(path, null).statusCode());
            } catch (Exception e) {
                return e.getClass().getSimpleName();
            }
        }

        /** Waits until {@code n} more rounds were answered, so the traffic saw the state the test is in. */
        void seeRounds(int n) throws Exception {
            int target = rounds.get() + n;
            Wait.until(n + " more rounds of traffic", 20_000, () -> rounds.get() >= target);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            assertTrue("the traffic thread ended", done.await(20, TimeUnit.SECONDS));
        }
    }

    private static Set<String> threadNames() {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !POOL_THREAD.matcher(t.getName()).matches()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    public void swappingTheBundleUnderTrafficFailsNoHealthRequestAndLeavesNothingBehind() throws Exception {
        awaitMetrics(200);
        Wait.until("/health answers 200", 20_000, () -> get("/health", null).statusCode() == 200);
        Set<String> threadsBefore = threadNames();
        List<String> steps = new ArrayList<>();
        try (Traffic traffic = new Traffic()) {
            traffic.start();
            traffic.seeRounds(10);
            Bundle b = bundle();

            b.stop();
            awaitMetrics(404);
            assertEquals("no registry while stopped", 0, registries());
            traffic.seeRounds(10);
            b.start();
            awaitMetrics(200);
            assertEquals("one registry after start", 1, registries());
            traffic.seeRounds(10);
            steps.add("stop/start");

            b.update();
            awaitMetrics(200);
            assertEquals("one registry after update", 1, registries());
            traffic.seeRounds(10);
            steps.add("update");

            String location = b.getLocation();
            int level = b.adapt(BundleStartLevel.class).getStartLevel();
            b.uninstall();
            refresh(b);
            awaitMetrics(404);
            assertEquals("no registry while uninstalled", 0, registries());
            traffic.seeRounds(10);
            Bundle again = context.installBundle(location);
            again.adapt(BundleStartLevel.class).setStartLevel(level);
            again.start();
            awaitMetrics(200);
            assertEquals("one registry after reinstall", 1, registries());
            steps.add("uninstall/reinstall");
            traffic.seeRounds(10);
            traffic.close();

            String tally = steps + ": /health " + traffic.health + ", /metrics " + traffic.metrics;
            System.out.println("MetricsIT swaps " + tally);
            assertEquals("every /health request answered 200: " + tally, Set.of("200"), traffic.health.keySet());
            // 10 rounds at least were answered in each state, away ones included.
            assertEquals("/metrics answered 200 or, while the bundle was away, 404: " + tally, Set.of("200", "404"),
                    traffic.metrics.keySet());
            assertTrue("/metrics answered 404 in both absences: " + tally, traffic.metrics.get("404") >= 20);
        }
        String body = get("/metrics", null).body();
        assertTrue(body, body.contains("ludus_jvm_memory_used_bytes{area=\"heap\",} "));
        Set<String> left = new TreeSet<>(threadNames());
        left.removeAll(threadsBefore);
        assertEquals("threads that outlived the swaps", Set.of(), left);
    }

    /** The value of the first series matching {@code regex} (its value in group 1), or -1. */
    private static double value(String body, String regex) {
        Matcher m = Pattern.compile("^" + regex + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /**
     * The rooms runtime, the event store, the archive and the gateway record into the registry while it is
     * there, labelled with their bundle and version; after the metrics bundle is stopped and
     * started they register again (the gateway's counts go on from where they were; the rooms'
     * and the event store's start from zero in the new registry).
     */
    @Test
    public void theRoomsGatewayAndEventStoreSeriesComeBackAfterTheMetricsBundleIsSwapped() throws Exception {
        awaitMetrics(200);
        java.net.URI ws = java.net.URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
        dev.ludus.testing.fixtures.ProtocolClient.awaitGateway(ws, 30_000);
        var ref = context.getServiceReference(dev.ludus.api.rooms.RoomService.class);
        dev.ludus.api.rooms.RoomService rooms = context.getService(ref);
        String room = rooms.create("liap-tui", "metrics", Map.of("maxRounds", "1")).roomId();
        rooms.start(room); // every seat a bot's
        String pings = "ludus_gateway_request_seconds_count\\{bundle=\"dev.ludus.gateway\",bundle_version=\"[^\"]+\",type=\"ping\",\\}";
        String[] series = {
            "ludus_eventstore_append_seconds_count\\{bundle=\"dev.ludus.eventstore\",bundle_version=\"[^\"]+\",result=\"durable\",\\}",
            "ludus_rooms_bot_moves_total\\{bundle=\"dev.ludus.rooms\",bundle_version=\"[^\"]+\",cause=\"bot\",\\}",
            "ludus_rooms_rooms\\{bundle=\"dev.ludus.rooms\",bundle_version=\"[^\"]+\",game=\"liap-tui\",state=\"(?:PLAYING|FINISHED)\",\\}",
            "ludus_eventstore_streams\\{bundle=\"dev.ludus.eventstore\",bundle_version=\"[^\"]+\",\\}",
            pings};
        // Present, whatever its value (the queue may well be empty).
        String archiveQueue = "ludus_archive_queue_games\\{bundle=\"dev.ludus.archive\",bundle_version=\"[^\"]+\",\\}";
        try (dev.ludus.testing.fixtures.ProtocolClient c = dev.ludus.testing.fixtures.ProtocolClient.hello(ws, "watcher")) {
            for (int i = 0; i < 3; i++) {
                c.ok("ping", Map.of());
            }
            Wait.until("the series", 30_000, () -> {
                String body = get("/metrics", null).body();
                return java.util.Arrays.stream(series).allMatch(r -> value(body, r) > 0) && value(body, archiveQueue) >= 0;
            });
            double pingsBefore = value(get("/metrics", null).body(), pings);
            assertTrue(pingsBefore >= 3);

            Bundle b = bundle();
            b.stop();
            awaitMetrics(404);
            c.ok("ping", Map.of()); // counted while no registry is there
            b.start();
            awaitMetrics(200);
            // Counts in the rooms runtime and the event store start again with the new registry: play on.
            rooms.start(rooms.create("liap-tui", "metrics again", Map.of("maxRounds", "1")).roomId());
            Wait.until("the series again", 30_000, () -> {
                String body = get("/metrics", null).body();
                return java.util.Arrays.stream(series).allMatch(r -> value(body, r) > 0) && value(body, archiveQueue) >= 0;
            });
            assertTrue("the gateway's counts went on across the swap",
                    value(get("/metrics", null).body(), pings) >= pingsBefore + 1);
        } finally {
            context.ungetService(ref);
        }
    }

    /**
     * {@code /health} as series: one per registered check and the node's, 1 UP, 0.5 DEGRADED,
     * 0 DOWN; a check that comes and goes brings and takes its series, and the series come back
     * when the metrics bundle is swapped.
     */
    @Test
    public void everyHealthCheckAndTheNodeAreSeriesThatFollowTheChecksAndASwap() throws Exception {
        awaitMetrics(200);
        String labels = "bundle=\"dev.ludus.health\",bundle_version=\"[^\"]+\",";
        String overall = "ludus_health_status\\{" + labels + "check=\"overall\",\\}";
        String probe = "ludus_health_status\\{" + labels + "check=\"itest-probe\",\\}";
        String eventstore = "ludus_health_status\\{" + labels + "check=\"eventstore\",\\}";
        Wait.until("the node's health series at 1", 30_000, () -> value(get("/metrics", null).body(), overall) == 1);
        assertEquals(1.0, value(get("/metrics", null).body(), eventstore), 0);

        java.util.concurrent.atomic.AtomicReference<dev.ludus.api.health.HealthStatus> status =
                new java.util.concurrent.atomic.AtomicReference<>(dev.ludus.api.health.HealthStatus.DEGRADED);
        var registration = context.registerService(dev.ludus.api.health.HealthCheck.class,
                new dev.ludus.api.health.HealthCheck() {
                    @Override public String name() { return "itest-probe"; }
                    @Override public dev.ludus.api.health.HealthResult check() {
                        return new dev.ludus.api.health.HealthResult(status.get(), "probe", Map.of());
                    }
                }, null);
        try {
            Wait.until("the probe's series at 0.5", 10_000, () -> value(get("/metrics", null).body(), probe) == 0.5);
            Wait.until("the node at 0.5", 10_000, () -> value(get("/metrics", null).body(), overall) == 0.5);
            status.set(dev.ludus.api.health.HealthStatus.DOWN);
            Wait.until("the probe and the node at 0", 10_000, () -> {
                String body = get("/metrics", null).body();
                return value(body, probe) == 0 && value(body, overall) == 0;
            });
            assertEquals(503, get("/health", null).statusCode()); // the same report as /health

            Bundle b = bundle();
            b.stop();
            awaitMetrics(404);
            b.start();
            awaitMetrics(200);
            Wait.until("the series again after the swap", 10_000, () -> value(get("/metrics", null).body(), probe) == 0);
        } finally {
            registration.unregister();
        }
        Wait.until("the probe's series gone, the node back at 1", 10_000, () -> {
            String body = get("/metrics", null).body();
            return value(body, probe) == -1 && value(body, overall) == 1;
        });
    }

    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> done.countDown());
        assertTrue("the refresh finished", done.await(60, TimeUnit.SECONDS));
    }
}
