package dev.ludus.redis.connector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;

/**
 * The connector's settings, checked: {@link #of(RedisConfig)} refuses a value out of range with a
 * message that names the setting, before anything is opened.
 */
record RedisSettings(String host, int port, int database, boolean tls, SslVerifyMode verify, Path trustFile, String user,
                     char[] password, Duration connectTimeout, Duration commandTimeout, Duration checkEvery,
                     String clientName) {

    static RedisSettings of(RedisConfig c) {
        String host = c.host() == null ? "" : c.host().trim();
        if (host.isEmpty() || host.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '/' || ch == '@')) {
            throw new IllegalArgumentException("host must be a host name or address, got '" + c.host() + "'");
        }
        String name = c.clientName() == null ? "" : c.clientName().trim();
        if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(ch -> ch > ' ' && ch < 127)) {
            throw new IllegalArgumentException("clientName must be 1-64 printable characters without spaces, got '"
                    + c.clientName() + "'");
        }
        String password = c._password() == null ? "" : c._password();
        String user = c.user() == null ? "" : c.user().trim();
        if (!user.isEmpty() && password.isEmpty()) {
            throw new IllegalArgumentException("user '" + user + "' needs a password (.password)");
        }
        Path trust = null;
        String trustFile = c.tlsTrustFile() == null ? "" : c.tlsTrustFile().trim();
        if (!trustFile.isEmpty()) {
            trust = Path.of(trustFile);
            if (!Files.isRegularFile(trust) || !Files.isReadable(trust)) {
                throw new IllegalArgumentException("tlsTrustFile " + trustFile + " is not a readable file");
            }
        }
        return new RedisSettings(host, range("port", c.port(), 1, 65535), range("database", c.database(), 0, 15000),
                c.tls(), verify(c.tlsVerify()), trust, user, password.isEmpty() ? null : password.toCharArray(),
                Duration.ofMillis(range("connectTimeoutMillis", c.connectTimeoutMillis(), 10, 60000)),
                Duration.ofMillis(range("commandTimeoutMillis", c.commandTimeoutMillis(), 1, 60000)),
                Duration.ofSeconds(range("checkSeconds", c.checkSeconds(), 1, 3600)), name);
    }

    private static SslVerifyMode verify(String v) {
        return switch (v == null ? "" : v.trim().toLowerCase(Locale.ROOT)) {
            case "full" -> SslVerifyMode.FULL;
            case "ca" -> SslVerifyMode.CA;
            case "none" -> SslVerifyMode.NONE;
            default -> throw new IllegalArgumentException("tlsVerify must be full, ca or none, got '" + v + "'");
        };
    }

    private static int range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    /** {@code redis://host:port/db} or {@code rediss://…}: no user, no password. */
    String target() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (tls ? "rediss://" : "redis://") + h + ":" + port + "/" + database;
    }

    RedisURI uri() {
        RedisURI.Builder b = RedisURI.builder().withHost(host).withPort(port).withDatabase(database)
                .withTimeout(commandTimeout).withClientName(clientName);
        if (tls) {
            b.withSsl(true).withVerifyPeer(verify);
        }
        if (password != null) {
            b = user.isEmpty() ? b.withPassword(password) : b.withAuthentication(user, new String(password));
        }
        return b.build();
    }

    /**
     * Reconnect by itself; while disconnected, refuse commands at once instead of queueing them (a
     * caller decides what to do without Redis, it does not wait); every command times out.
     */
    ClientOptions options() {
        ClientOptions.Builder b = ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout));
        if (tls) {
            SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
            if (trustFile != null) {
                ssl.trustManager(trustFile.toFile());
            }
            b.sslOptions(ssl.build());
        }
        return b.build();
    }
}
