package dev.ludus.testing.services;

import java.io.IOException;

import redis.embedded.RedisServer;

/**
 * Redis for tests: the real server named by {@value #URL_VARIABLE} (default
 * {@value #DEFAULT_URL}) when it answers {@code PING}; otherwise an embedded Redis
 * ({@code com.github.codemonstur:embedded-redis}, which the test module must depend on: it is an
 * optional dependency here) on a free port, once per JVM, stopped at exit; otherwise a skip (or a
 * failure under {@code LUDUS_TEST_SERVICES=required}). Tests share the server: use key prefixes
 * of your own.
 */
public final class Redis {

    /** {@code redis://host:port} of the real server to try first. */
    public static final String URL_VARIABLE = "LUDUS_TEST_REDIS_URL";
    /** The local server {@code .ci/run} starts. */
    public static final String DEFAULT_URL = "redis://127.0.0.1:6379";

    private Redis() {
    }

    /**
     * The Redis server for {@code tests} tests of {@code testClass}, found or started once per
     * JVM. Thread-safe; blocks while it is looked for.
     *
     * @throws org.junit.AssumptionViolatedException when none can be had (the skip is recorded)
     * @throws AssertionError                         when none can be had and skipping is not allowed
     */
    public static ServiceEndpoint server(Class<?> testClass, int tests) {
        return (ServiceEndpoint) TestServices.require(Service.REDIS, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        ServiceEndpoint real = Endpoints.configured(URL_VARIABLE, DEFAULT_URL, "redis");
        return Endpoints.locate("Redis", real, problemReaching(real), policy, Redis::startEmbedded);
    }

    static String problemReaching(ServiceEndpoint endpoint) {
        return Endpoints.problemReaching(endpoint, "PING\r\n", "+PONG");
    }

    private static ServiceEndpoint startEmbedded() throws IOException {
        int port = Endpoints.freePort();
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop();
            } catch (IOException e) {
                System.err.println("[test-services] could not stop the embedded Redis: " + e.getMessage());
            }
        }, "test-services-redis-stop"));
        return new ServiceEndpoint("127.0.0.1", port, true);
    }
}
