package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import dev.ludus.api.game.GameDefinition;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * The optional tracing-otlp bundle in a running distribution: dropped into {@code deploy/} with
 * its configuration in {@code conf/}, it exports an action's spans over OTLP/HTTP to a real HTTP
 * receiver in the test; removed again, it leaves no OpenTelemetry service and
 * none of its threads, and actions go on untraced.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TracingOtlpIT {

    static final String BSN = "dev.ludus.tracing.otlp";
    static final String OTEL = "io.opentelemetry.api.OpenTelemetry";
    /** Threads of the exporter: the batch processor's worker, the sender's pool, the JDK client's selector. */
    static final String OWN_THREADS = "BatchSpanProcessor_WorkerThread-.*|ludus-otlp-.*|HttpClient-\\d+-SelectorManager";

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("tracing-otlp", List.of());
    }

    /** An OTLP/HTTP receiver: the bodies POSTed to /v1/traces, each answered 200 (an empty response). */
    static final class Receiver implements AutoCloseable {
        final HttpReceiver http;

        Receiver() throws IOException {
            this(0);
        }

        /** On {@code port} of the loopback address (0: any free one). */
        Receiver(int port) throws IOException {
            http = new HttpReceiver(port, "/v1/traces", "application/x-protobuf", r -> 200);
        }

        String endpoint() {
            return http.url();
        }

        int posts() {
            return http.posts();
        }

        List<String> types() {
            return http.requests().stream().map(r -> r.header("content-type")).toList();
        }

        /** Whether every one of {@code parts} is in a body (an action's spans may come in more than one batch). */
        boolean received(byte[]... parts) {
            List<HttpReceiver.Request> all = http.requests();
            return Stream.of(parts).allMatch(p -> all.stream().anyMatch(r -> indexOf(r.body(), p) >= 0));
        }

        @Override
        public void close() throws IOException {
            http.close();
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    private Bundle installed() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private ServiceReference<?>[] services() throws Exception {
        ServiceReference<?>[] refs = context.getAllServiceReferences(OTEL, null);
        return refs == null ? new ServiceReference<?>[0] : refs;
    }

    private static Set<Thread> ownThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().matches(OWN_THREADS))
                .collect(Collectors.toSet());
    }

    /** One accepted action of a player whose turn it is, sent with {@code traceparent} (or none). */
    @SuppressWarnings("unchecked")
    private void playOne(String traceparent) throws Exception {
        try (ProtocolClient a = ProtocolClient.hello(ws(), "Ann"); ProtocolClient b = ProtocolClient.hello(ws(), "Bo")) {
            Map<String, Object> created = a.ok("create_room", Map.of("game", "turns-otlp", "name", "otlp"));
            String room = (String) ((Map<String, Object>) created.get("room")).get("roomId");
            a.ok("join_room", Map.of("room", room));
            b.ok("join_room", Map.of("room", room));
            a.ok("start", Map.of());
            for (ProtocolClient c : List.of(a, b)) {
                Map<String, Object> view = (Map<String, Object>) c.await("the game's view",
                        m -> ("state".equals(m.get("type")) || "snapshot".equals(m.get("type")))
                                && m.get("game") instanceof Map<?, ?> g && g.get("turn") != null, 10_000).get("game");
                if (view.get("turn").equals(view.get("seat"))) {
                    c.ok("act", traceparent == null ? Map.of("action", "add", "args", Map.of("n", 1))
                            : Map.of("action", "add", "args", Map.of("n", 1), "traceparent", traceparent));
                    return;
                }
            }
            throw new AssertionError("nobody's turn");
        }
    }

    @Test
    public void droppedIntoDeployItExportsAnActionsSpansAndRemovedItLeavesNoServiceAndNoThreads() throws Exception {
        ProtocolClient.awaitGateway(ws(), 20_000);
        ServiceRegistration<GameDefinition> game = context.registerService(GameDefinition.class,
                new TurnGame("turns-otlp", 2), null);
        Set<Thread> before = ownThreads();
        try (Receiver receiver = new Receiver()) {
            Path conf = Path.of(context.getProperty("ludus.itest.conf"));
            Files.writeString(conf.resolve(BSN + ".cfg"), "endpoint = " + receiver.endpoint()
                    + "\nbatchDelayMillis = 100\nserviceName = ludus-otlp-itest\n");
            Path deploy = Path.of(context.getProperty("ludus.itest.deploy"));
            Path system = Path.of(System.getProperty("ludus.dist")).resolve("system/dev/ludus/ludus-tracing-otlp");
            Path jar;
            try (Stream<Path> jars = Files.walk(system)) {
                jar = jars.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
            }
            Path part = deploy.resolve("tracing-otlp.jar.part"); // not matched by the FileInstall filter
            Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, deploy.resolve("tracing-otlp.jar"), StandardCopyOption.ATOMIC_MOVE);

            Wait.until("the bundle active", 20_000, () -> installed() != null && installed().getState() == Bundle.ACTIVE);
            Wait.until("its OpenTelemetry service, configured", 20_000, () -> Stream.of(services())
                    .anyMatch(r -> receiver.endpoint().equals(r.getProperty("ludus.tracing.endpoint"))));

            String traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
            playOne("00-" + traceId + "-00f067aa0ba902b7-01");
            byte[] id = HexFormat.of().parseHex(traceId);
            Wait.until("the action's spans at the receiver", 20_000, () -> receiver.received(id,
                    "gateway.act".getBytes(StandardCharsets.UTF_8), "eventstore.commit".getBytes(StandardCharsets.UTF_8),
                    "rooms.broadcast".getBytes(StandardCharsets.UTF_8), "ludus-otlp-itest".getBytes(StandardCharsets.UTF_8)));
            synchronized (receiver) {
                assertTrue("protobuf: " + receiver.types(),
                        receiver.types().stream().allMatch(t -> t != null && t.startsWith("application/x-protobuf")));
            }
            Set<Thread> during = ownThreads();
            during.removeAll(before);
            assertTrue("the batch processor runs: " + during,
                    during.stream().anyMatch(t -> t.getName().startsWith("BatchSpanProcessor")));

            Files.delete(deploy.resolve("tracing-otlp.jar"));
            Wait.until("the bundle uninstalled", 20_000, () -> installed() == null);
            assertEquals("no OpenTelemetry service", 0, services().length);
            // The JDK's HTTP client ends its selector thread once the client is collected.
            Wait.until("none of its threads left: " + during, 30_000, () -> {
                System.gc();
                return during.stream().noneMatch(Thread::isAlive);
            });

            int posts = receiver.posts();
            playOne(null); // untraced now, and still accepted
            Thread.sleep(500);
            assertEquals("nothing exported after the uninstall", posts, receiver.posts());
        } finally {
            game.unregister();
        }
    }
}
