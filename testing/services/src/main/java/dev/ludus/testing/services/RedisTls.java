package dev.ludus.testing.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis that speaks TLS only, for tests of TLS settings: a {@code redis-server} found on the
 * {@code PATH} (or named by {@value #SERVER_VARIABLE}; Debian's is built with TLS) started on a
 * free port with a certificate for {@code localhost} and {@code 127.0.0.1}, signed by a test CA
 * that {@code openssl} makes in a temporary folder; once per JVM, stopped at exit. There is no
 * shared real one to try first. Without {@code redis-server} or {@code openssl} the tests skip (or
 * fail under {@code LUDUS_TEST_SERVICES=required}).
 */
public final class RedisTls {

    /** The {@code redis-server} program to start. */
    public static final String SERVER_VARIABLE = "LUDUS_TEST_REDIS_SERVER";

    /**
     * A running TLS Redis.
     *
     * @param host          where it listens
     * @param port          its TLS port (it has no plain one)
     * @param caCertificate the PEM certificate of the CA that signed the server's certificate
     */
    public record Server(String host, int port, Path caCertificate) {
    }

    private RedisTls() {
    }

    /**
     * The TLS Redis for {@code tests} tests of {@code testClass}, started once per JVM.
     *
     * @throws org.junit.AssumptionViolatedException when none can be had (the skip is recorded)
     * @throws AssertionError                         when none can be had and skipping is not allowed
     */
    public static Server server(Class<?> testClass, int tests) {
        return (Server) TestServices.require(Service.REDIS_TLS, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        if (!policy.embeddedAllowed()) {
            return new Availability.Missing<>("it is always started by the tests, and starting is disabled by "
                    + ServicePolicy.EMBEDDED_VARIABLE + "=off");
        }
        try {
            Server s = start();
            System.err.println("[test-services] Redis with TLS: started on port " + s.port());
            return new Availability.Ready<>(s, "redis-server with TLS on port " + s.port());
        } catch (Exception e) {
            return new Availability.Missing<>("could not start redis-server with TLS: " + EmbeddedPostgresServer.describe(e));
        }
    }

    private static Server start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ludus-test-redis-tls-");
        try {
            Files.writeString(dir.resolve("san.cnf"), "subjectAltName = DNS:localhost, IP:127.0.0.1\n");
            run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Ludus test CA",
                    "-keyout", "ca.key", "-out", "ca.crt");
            run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-keyout", "server.key", "-out", "server.csr");
            run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "2", "-extfile", "san.cnf", "-out", "server.crt");
        } catch (IOException | InterruptedException | RuntimeException e) {
            Endpoints.deleteTree(dir);
            throw e;
        }
        String program = TestSettings.get(SERVER_VARIABLE, "redis-server");
        int port = Endpoints.freePort();
        Endpoints.startListening(List.of(program, "--port", "0", "--bind", "127.0.0.1", "--tls-port", Integer.toString(port),
                "--tls-cert-file", "server.crt", "--tls-key-file", "server.key", "--tls-ca-cert-file", "ca.crt",
                "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", dir.toString()),
                dir, dir.resolve("redis.log"), port, "test-services-redis-tls-stop");
        return new Server("127.0.0.1", port, dir.resolve("ca.crt"));
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("no " + command[0] + " on the PATH (" + e.getMessage() + ")", e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }
}
