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

    /**
     * A Redis of the test's own, embedded, on a free port, that the test may {@linkplain Own#stop()
     * stop} and {@linkplain Own#start() start} again (Redis going away under a client), with extra
     * {@code redis.conf} lines such as {@code requirepass secret}. Not shared; stopped at JVM exit.
     *
     * @throws org.junit.AssumptionViolatedException when it cannot be started (the skip is recorded)
     * @throws AssertionError                         when it cannot be started and skipping is not allowed
     */
    public static Own own(Class<?> testClass, int tests, String... settings) {
        ServicePolicy policy = ServicePolicy.current();
        Availability<?> a;
        if (!policy.embeddedAllowed()) {
            a = new Availability.Missing<>("a Redis of the test's own is embedded, which "
                    + ServicePolicy.EMBEDDED_VARIABLE + "=off disables");
        } else {
            try {
                Own own = new Own(Endpoints.freePort(), settings);
                own.start();
                a = new Availability.Ready<>(own, "embedded server of the test's own on port " + own.port());
            } catch (IOException | RuntimeException | LinkageError e) {
                a = new Availability.Missing<>("could not start an embedded Redis: " + EmbeddedPostgresServer.describe(e));
            }
        }
        return (Own) TestServices.use(Service.REDIS, a, policy, testClass, tests);
    }

    /** An embedded Redis that one test owns. */
    public static final class Own {
        private final int port;
        private final RedisServer server;

        Own(int port, String... settings) throws IOException {
            this.port = port;
            var builder = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("save \"\"").setting("appendonly no");
            for (String s : settings) {
                builder.setting(s);
            }
            this.server = builder.build();
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "test-services-own-redis-stop"));
        }

        public int port() {
            return port;
        }

        /** Starts it (again, on the same port). */
        public void start() {
            try {
                server.start();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not start the embedded Redis on port " + port, e);
            }
        }

        /** Stops it; a stopped one stays stopped. */
        public void stop() {
            try {
                server.stop();
            } catch (IOException e) {
                System.err.println("[test-services] could not stop the embedded Redis on port " + port + ": " + e.getMessage());
            }
        }
    }

    static Availability<?> locate(ServicePolicy policy) {
        ServiceEndpoint real = Endpoints.configured(URL_VARIABLE, DEFAULT_URL, "redis");
        return Endpoints.locate("Redis", real, problemReaching(real), policy, Redis::startEmbedded);
    }

    static String problemReaching(ServiceEndpoint endpoint) {
        return Endpoints.problemReaching(endpoint, "PING\r\n", "+PONG");
    }

    private static ServiceEndpoint startEmbedded() throws IOException {
        Own server = new Own(Endpoints.freePort());
        server.start();
        return new ServiceEndpoint("127.0.0.1", server.port(), true);
    }
}
