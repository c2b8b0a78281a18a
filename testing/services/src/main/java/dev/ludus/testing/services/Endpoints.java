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
import java.util.concurrent.Callable;
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
