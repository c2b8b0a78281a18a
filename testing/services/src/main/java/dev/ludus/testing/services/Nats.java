package dev.ludus.testing.services;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * NATS for tests: the real server named by {@value #URL_VARIABLE} (default
 * {@value #DEFAULT_URL}) when it greets with {@code INFO}; otherwise a {@code nats-server} found
 * on the {@code PATH} (or named by {@value #SERVER_VARIABLE}), started on a free port with
 * JetStream in a temporary folder, once per JVM, stopped at exit; otherwise a skip (or a failure
 * under {@code LUDUS_TEST_SERVICES=required}). Tests share the server: use subjects of your own.
 */
public final class Nats {

    /** {@code nats://host:port} of the real server to try first. */
    public static final String URL_VARIABLE = "LUDUS_TEST_NATS_URL";
    /** The {@code nats-server} program for the embedded fallback. */
    public static final String SERVER_VARIABLE = "LUDUS_TEST_NATS_SERVER";
    /** The local server {@code .ci/run} starts. */
    public static final String DEFAULT_URL = "nats://127.0.0.1:4222";

    private Nats() {
    }

    /**
     * The NATS server for {@code tests} tests of {@code testClass}, found or started once per
     * JVM. Thread-safe; blocks while it is looked for.
     *
     * @throws org.junit.AssumptionViolatedException when none can be had (the skip is recorded)
     * @throws AssertionError                         when none can be had and skipping is not allowed
     */
    public static ServiceEndpoint server(Class<?> testClass, int tests) {
        return (ServiceEndpoint) TestServices.require(Service.NATS, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        ServiceEndpoint real = Endpoints.configured(URL_VARIABLE, DEFAULT_URL, "nats");
        return Endpoints.locate("NATS", real, problemReaching(real), policy, Nats::startEmbedded);
    }

    static String problemReaching(ServiceEndpoint endpoint) {
        return Endpoints.problemReaching(endpoint, "", "INFO ");
    }

    private static ServiceEndpoint startEmbedded() throws IOException, InterruptedException {
        String program = TestSettings.get(SERVER_VARIABLE, "nats-server");
        int port = Endpoints.freePort();
        Path store = Files.createTempDirectory("ludus-test-nats-");
        Process p;
        try {
            p = new ProcessBuilder(program, "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd", store.toString())
                    .redirectErrorStream(true).redirectOutput(store.resolve("nats-server.log").toFile()).start();
        } catch (IOException e) {
            Endpoints.deleteTree(store);
            throw new IOException("no " + program + " on the PATH (" + e.getMessage() + ")", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            p.destroy();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Endpoints.deleteTree(store);
        }, "test-services-nats-stop"));
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(program + " exited with " + p.exitValue() + ": "
                        + Files.readString(store.resolve("nats-server.log")).strip());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return new ServiceEndpoint("127.0.0.1", port, true);
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        p.destroy();
        throw new IOException(program + " did not listen on port " + port + " within 15 s");
    }
}
