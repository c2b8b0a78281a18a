package dev.ludus.testing.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server this JVM runs from the binaries on Maven Central (io.zonky.test), on a
 * free port, with its data and log in a temporary folder. It can be stopped and started again
 * with its data, for outage tests. (Run as root, the library runs PostgreSQL in a user namespace
 * through {@code unshare -U}, since PostgreSQL refuses to run as root.)
 */
final class EmbeddedPostgresServer {

    private final Path home;
    private final Path data;
    private final Path log;
    private final int port;
    private EmbeddedPostgres running;
    private boolean destroyed;

    private EmbeddedPostgresServer(Path home, int port) {
        this.home = home;
        this.data = home.resolve("data");
        this.log = home.resolve("postgres.log");
        this.port = port;
    }

    static EmbeddedPostgresServer start() throws IOException {
        Path home = Files.createTempDirectory("ludus-test-pg-");
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(home, freePort());
        try {
            Files.createDirectories(server.data);
            server.restart();
        } catch (RuntimeException e) {
            server.destroy();
            throw e;
        }
        return server;
    }

    int port() {
        return port;
    }

    synchronized void restart() {
        if (destroyed) {
            throw new IllegalStateException("the embedded PostgreSQL on port " + port + " was destroyed");
        }
        if (running != null) {
            return;
        }
        try {
            running = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(data.toFile())
                    // initdb runs only while the folder holds no cluster: a restart keeps the data
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    .setOutputRedirector(java.lang.ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(java.lang.ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage() + logTail(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + logTail(), e);
        }
    }

    synchronized void stop() {
        if (running == null) {
            return;
        }
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL on port " + port, e);
        } finally {
            running = null;
        }
    }

    /** Stops the server and deletes its folder; at JVM exit. */
    synchronized void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        try {
            stop();
        } catch (RuntimeException e) {
            System.err.println("[test-services] " + e.getMessage());
        }
        Endpoints.deleteTree(home);
    }

    /** One line for the skip report: the exception and the causes' messages. */
    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (b.indexOf(m) < 0) {
                b.append(b.length() == 0 ? "" : " <- ").append(m);
            }
        }
        return b.toString().replaceAll("\\s+", " ").strip();
    }

    private String logTail() {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
            return tail.isEmpty() ? "" : " (log: " + String.join(" | ", tail) + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
