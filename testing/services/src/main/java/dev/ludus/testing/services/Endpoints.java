package dev.ludus.testing.services;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finding a network service given as {@code scheme://host:port}: its address from a setting,
 * whether it answers its own greeting, a free port for an embedded one. Shared by the entry
 * points of the services that are plain TCP servers ({@link Redis}, {@link Nats}).
 */
final class Endpoints {

    private Endpoints() {
    }

    /**
     * The host and port of setting {@code variable} (default {@code fallback}).
     *
     * @throws IllegalStateException naming the variable when it is not {@code scheme://host:port}
     */
    static ServiceEndpoint configured(String variable, String fallback, String scheme) {
        String value = TestSettings.get(variable, fallback);
        try {
            URI uri = new URI(value);
            if (!scheme.equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException();
            }
            return new ServiceEndpoint(uri.getHost(), uri.getPort(), false);
        } catch (Exception e) {
            throw new IllegalStateException(variable + " must look like " + fallback + ", was '" + value + "'");
        }
    }

    /**
     * Null when {@code endpoint} accepts a connection and answers {@code hello} (may be empty)
     * with bytes starting with {@code expected}; else what went wrong.
     */
    static String problemReaching(ServiceEndpoint endpoint, String hello, String expected) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 1000);
            s.setSoTimeout(3000);
            if (!hello.isEmpty()) {
                s.getOutputStream().write(hello.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
            InputStream in = s.getInputStream();
            byte[] answer = in.readNBytes(expected.length());
            String got = new String(answer, StandardCharsets.ISO_8859_1);
            return got.equals(expected) ? null : "it answered '" + got.strip() + "', not '" + expected.strip() + "'";
        } catch (IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    /** Deletes a temporary folder of an embedded server; a failure is only reported. */
    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("[test-services] could not delete " + dir + ": " + e);
        }
    }

    /**
     * Starts {@code command} (a server program, in {@code dir}, its output in {@code log}) and waits
     * up to 15 s until it listens on {@code port} of 127.0.0.1. At JVM exit the process is stopped
     * and {@code dir} deleted; when the program cannot be started, {@code dir} is deleted at once.
     * Fails with the program's own output when it exits first.
     */
    static Process startListening(List<String> command, Path dir, Path log, int port, String stopThread)
            throws IOException, InterruptedException {
        String program = command.get(0);
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            deleteTree(dir);
            throw new IOException("no " + program + " on the PATH (" + e.getMessage() + ")", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            p.destroy();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteTree(dir);
        }, stopThread));
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(program + " exited with " + p.exitValue() + ": " + Files.readString(log).strip());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return p;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        p.destroy();
        throw new IOException(program + " did not listen on port " + port + " within 15 s");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * The lookup every TCP service shares: the real one, else {@code embedded} (called only when
     * the policy allows it; it returns the started endpoint), else missing with both reasons.
     */
    static Availability<?> locate(String name, ServiceEndpoint real, String problem, ServicePolicy policy,
                                  Callable<ServiceEndpoint> embedded) {
        if (problem == null) {
            System.err.println("[test-services] " + name + ": the real server at " + real.host() + ":" + real.port());
            return new Availability.Ready<>(real, "real server at " + real.host() + ":" + real.port());
        }
        String why = "not reachable at " + real.host() + ":" + real.port() + ": " + problem;
        if (!policy.embeddedAllowed()) {
            return new Availability.Missing<>(why + "; embedded disabled by " + ServicePolicy.EMBEDDED_VARIABLE + "=off");
        }
        try {
            ServiceEndpoint started = embedded.call();
            System.err.println("[test-services] " + name + " " + why + "; started an embedded one on port " + started.port());
            return new Availability.Ready<>(started, "embedded server on port " + started.port());
        } catch (Exception | LinkageError e) {
            return new Availability.Missing<>(why + "; embedded failed: " + EmbeddedPostgresServer.describe(e));
        }
    }
}
