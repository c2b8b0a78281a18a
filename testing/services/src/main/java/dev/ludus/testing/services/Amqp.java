package dev.ludus.testing.services;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.qpid.server.SystemLauncher;

/**
 * An AMQP 0-9-1 broker for tests (user {@code guest}, password {@code guest}, the default
 * virtual host): the real one named by {@value #URL_VARIABLE} (default {@value #DEFAULT_URL},
 * RabbitMQ in CI) when it answers the AMQP 0-9-1 protocol header; otherwise an embedded Apache
 * Qpid Broker-J (in-memory, {@code org.apache.qpid:qpid-broker-core} with the
 * {@code qpid-broker-plugins-amqp-0-8-protocol} and {@code qpid-broker-plugins-memory-store}
 * plugins, which the test module must depend on: they are optional dependencies here) on a free
 * port, once per JVM, stopped at exit; otherwise a skip (or a failure under
 * {@code LUDUS_TEST_SERVICES=required}). Tests share the broker: use queue names of your own.
 */
public final class Amqp {

    /** {@code amqp://host:port} of the real broker to try first. */
    public static final String URL_VARIABLE = "LUDUS_TEST_AMQP_URL";
    /** The local broker {@code .ci/run} starts. */
    public static final String DEFAULT_URL = "amqp://127.0.0.1:5672";

    /** AMQP 0-9-1 protocol header; a broker that speaks it answers with a method frame (type 1). */
    private static final String PROTOCOL_HEADER = "AMQP\u0000\u0000\u0009\u0001";

    private Amqp() {
    }

    /**
     * The broker for {@code tests} tests of {@code testClass}, found or started once per JVM.
     * Thread-safe; blocks while it is looked for.
     *
     * @throws org.junit.AssumptionViolatedException when none can be had (the skip is recorded)
     * @throws AssertionError                         when none can be had and skipping is not allowed
     */
    public static ServiceEndpoint server(Class<?> testClass, int tests) {
        return (ServiceEndpoint) TestServices.require(Service.AMQP, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        ServiceEndpoint real = Endpoints.configured(URL_VARIABLE, DEFAULT_URL, "amqp");
        return Endpoints.locate("AMQP", real, problemReaching(real), policy, Amqp::startEmbedded);
    }

    static String problemReaching(ServiceEndpoint endpoint) {
        return Endpoints.problemReaching(endpoint, PROTOCOL_HEADER, "\u0001");
    }

    private static ServiceEndpoint startEmbedded() throws Exception {
        int port = Endpoints.freePort();
        Path work = Files.createTempDirectory("ludus-test-amqp-");
        // PLAIN is allowed without TLS (secureOnlyMechanisms empty): the broker listens on loopback only.
        String config = """
                {"name": "ludus-test", "modelVersion": "8.0",
                 "authenticationproviders": [{"name": "plain", "type": "Plain", "secureOnlyMechanisms": [],
                   "users": [{"name": "guest", "type": "managed", "password": "guest"}]}],
                 "ports": [{"name": "AMQP", "port": %d, "bindingAddress": "127.0.0.1", "protocols": ["AMQP_0_9_1"],
                   "authenticationProvider": "plain",
                   "virtualhostaliases": [{"name": "defaultAlias", "type": "defaultAlias"}, {"name": "nameAlias", "type": "nameAlias"}]}],
                 "virtualhostnodes": [{"name": "default", "type": "Memory", "defaultVirtualHostNode": "true",
                   "virtualHostInitialConfiguration": "{\\"type\\": \\"Memory\\"}"}]}
                """.formatted(port);
        Path file = work.resolve("initial-config.json");
        Files.writeString(file, config);
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("type", "Memory");
        attributes.put("initialConfigurationLocation", file.toUri().toString());
        attributes.put("startupLoggedToSystemOut", false);
        attributes.put("context", Map.of("qpid.work_dir", work.toString()));
        SystemLauncher broker = new SystemLauncher();
        try {
            broker.startup(attributes);
        } catch (Exception | LinkageError e) {
            Endpoints.deleteTree(work);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.shutdown();
            Endpoints.deleteTree(work);
        }, "test-services-amqp-stop"));
        return new ServiceEndpoint("127.0.0.1", port, true);
    }
}
