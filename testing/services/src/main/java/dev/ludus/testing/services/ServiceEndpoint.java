package dev.ludus.testing.services;

/**
 * Where a network service for tests listens (Redis, NATS).
 *
 * @param host     host to connect to
 * @param port     port to connect to
 * @param embedded true when this JVM started it (and stops it at exit)
 */
public record ServiceEndpoint(String host, int port, boolean embedded) {

    /** {@code scheme://host:port}, for example {@code redis://127.0.0.1:6379}. */
    public String uri(String scheme) {
        return scheme + "://" + host + ":" + port;
    }
}
