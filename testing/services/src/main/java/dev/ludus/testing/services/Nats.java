package dev.ludus.testing.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        Endpoints.startListening(List.of(program, "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd",
                store.toString()), store, store.resolve("nats-server.log"), port, "test-services-nats-stop");
        return new ServiceEndpoint("127.0.0.1", port, true);
    }
}
