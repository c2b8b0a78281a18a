package dev.ludus.testing.services;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.postgresql.Driver;

/**
 * The PostgreSQL server this JVM's tests use: the real one, or the embedded one this JVM
 * started. Tests never share data: each asks for its own database with
 * {@link #createDatabase(String)}. Thread-safe.
 */
public final class PostgresServer {

    private final String host;
    private final int port;
    private final String adminDatabase;
    private final String user;
    private final String password;
    private final EmbeddedPostgresServer embedded;
    private final Set<String> databases = ConcurrentHashMap.newKeySet();

    PostgresServer(String host, int port, String adminDatabase, String user, String password, EmbeddedPostgresServer embedded) {
        this.host = host;
        this.port = port;
        this.adminDatabase = adminDatabase;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
    }

    /** Host to connect to. */
    public String host() {
        return host;
    }

    /** Port to connect to. */
    public int port() {
        return port;
    }

    /** User with the right to create databases. */
    public String user() {
        return user;
    }

    /** Its password; empty for none. */
    public String password() {
        return password;
    }

    /** True when this JVM started the server (and stops it at exit). */
    public boolean embedded() {
        return embedded != null;
    }

    /** JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /**
     * Creates a new, empty database for one test class, named after {@code hint} plus a random
     * suffix. It is dropped by {@link PostgresDatabase#drop()} or, at the latest, when the JVM
     * exits. Blocks for the round trip.
     *
     * @throws IllegalStateException when the server refuses
     */
    public PostgresDatabase createDatabase(String hint) {
        String base = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        String name = "ludus_" + base.substring(0, Math.min(base.length(), 40)) + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        try (Connection c = adminConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        databases.add(name);
        return new PostgresDatabase(this, name);
    }

    void dropDatabase(String name) {
        if (!databases.remove(name)) {
            return;
        }
        try (Connection c = adminConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("[test-services] could not drop test database " + name + ": " + e.getMessage());
        }
    }

    /**
     * Stops the server, for tests of an outage; {@link #start()} brings it back with its data.
     * The embedded server is stopped in place; a real local server through {@code pg_ctlcluster}
     * (Debian's tool), which stops it for everyone using it.
     *
     * @throws IllegalStateException when it cannot be stopped
     */
    public void stop() {
        if (embedded != null) {
            embedded.stop();
        } else {
            pgCtlCluster("stop");
        }
    }

    /**
     * Starts the server again after {@link #stop()} and waits until it accepts connections.
     *
     * @throws IllegalStateException when it cannot be started
     */
    public void start() {
        if (embedded != null) {
            embedded.restart();
        } else {
            pgCtlCluster("start");
        }
    }

    Connection adminConnection() throws SQLException {
        Connection c = new Driver().connect(jdbcUrl(adminDatabase), Postgres.connectionProperties(user, password, 5));
        if (c == null) {
            throw new SQLException("the driver does not accept " + jdbcUrl(adminDatabase));
        }
        return c;
    }

    /** Drops what is left and stops an embedded server; at JVM exit. */
    void close() {
        if (embedded != null) {
            embedded.destroy();
            return;
        }
        for (String name : Set.copyOf(databases)) {
            dropDatabase(name);
        }
    }

    private static void pgCtlCluster(String action) {
        try {
            Process p = new ProcessBuilder("bash", "-c",
                    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main " + action)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("pg_ctlcluster " + action + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run pg_ctlcluster " + action + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during pg_ctlcluster " + action, e);
        }
    }

    @Override
    public String toString() {
        return (embedded != null ? "embedded PostgreSQL at " : "PostgreSQL at ") + host + ":" + port;
    }
}
