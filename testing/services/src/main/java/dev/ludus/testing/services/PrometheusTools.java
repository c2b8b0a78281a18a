package dev.ludus.testing.services;

/**
 * The Prometheus programs a test may run: the server and {@code promtool}, as found by
 * {@link Prometheus#tools}. A test starts its own server (its own configuration, storage and
 * port), so there is no shared one to point at.
 *
 * @param prometheus the server program (a name on the {@code PATH} or a path)
 * @param promtool   the checking tool
 * @param version    the server's first {@code --version} line, for the test output
 */
public record PrometheusTools(String prometheus, String promtool, String version) {
}
