package dev.ludus.nats.connector;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.nats.client.Options;

/**
 * The connector's settings, checked: {@link #of(NatsConfig)} refuses a value out of range with a
 * message that names the setting, before anything is opened.
 */
record NatsSettings(List<String> servers, boolean tls, String user, char[] password, char[] token,
                    Duration connectTimeout, Duration requestTimeout, Duration reconnectWait, long reconnectBuffer,
                    Duration checkEvery, String clientName) {

    static NatsSettings of(NatsConfig c) {
        List<String> servers = new ArrayList<>();
        boolean tls = c.tls();
        for (String s : (c.servers() == null ? "" : c.servers()).split(",")) {
            String url = s.trim();
            if (url.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (Exception e) {
                throw new IllegalArgumentException("servers: '" + url + "' is not a URL like nats://host:4222");
            }
            if (!("nats".equals(uri.getScheme()) || "tls".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getPort() < 1 || uri.getUserInfo() != null || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw new IllegalArgumentException("servers: '" + url + "' must be nats://host:port or tls://host:port, "
                        + "without credentials (use user and .password, or .token)");
            }
            tls |= "tls".equals(uri.getScheme());
            servers.add(url);
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers names no server, e.g. nats://127.0.0.1:4222");
        }
        String name = c.clientName() == null ? "" : c.clientName().trim();
        if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(ch -> ch > ' ' && ch < 127)) {
            throw new IllegalArgumentException("clientName must be 1-64 printable characters without spaces, got '"
                    + c.clientName() + "'");
        }
        String user = c.user() == null ? "" : c.user().trim();
        String password = c._password() == null ? "" : c._password();
        String token = c._token() == null ? "" : c._token();
        if (!user.isEmpty() && password.isEmpty()) {
            throw new IllegalArgumentException("user '" + user + "' needs a password (.password)");
        }
        if (user.isEmpty() && !password.isEmpty()) {
            throw new IllegalArgumentException(".password is set but user is empty");
        }
        if (!user.isEmpty() && !token.isEmpty()) {
            throw new IllegalArgumentException("set either user and .password or .token, not both");
        }
        if (c.reconnectBufferBytes() < 0 || c.reconnectBufferBytes() > 1L << 30) {
            throw new IllegalArgumentException("reconnectBufferBytes must be 0..1073741824, got " + c.reconnectBufferBytes());
        }
        return new NatsSettings(List.copyOf(servers), tls, user, password.isEmpty() ? null : password.toCharArray(),
                token.isEmpty() ? null : token.toCharArray(),
                Duration.ofMillis(range("connectTimeoutMillis", c.connectTimeoutMillis(), 10, 60000)),
                Duration.ofMillis(range("requestTimeoutMillis", c.requestTimeoutMillis(), 10, 60000)),
                Duration.ofMillis(range("reconnectWaitMillis", c.reconnectWaitMillis(), 10, 60000)),
                c.reconnectBufferBytes(), Duration.ofSeconds(range("checkSeconds", c.checkSeconds(), 1, 3600)), name);
    }

    private static int range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    /** The servers, comma-separated: no credential is ever part of them. */
    String target() {
        return String.join(",", servers);
    }

    /**
     * Reconnect forever (a node outlives an outage of NATS), connect in the background, the
     * configured timeouts and credentials.
     */
    Options.Builder options(String connectionName) {
        Options.Builder b = new Options.Builder().servers(servers.toArray(String[]::new))
                .connectionName(clientName + "-" + connectionName)
                .connectionTimeout(connectTimeout).maxReconnects(-1).reconnectWait(reconnectWait)
                .reconnectBufferSize(reconnectBuffer).noRandomize()
                // requests (JetStream publishes) that time out are failed within a second of it
                .requestCleanupInterval(Duration.ofSeconds(1));
        if (tls) {
            try {
                b.sslContext(javax.net.ssl.SSLContext.getDefault());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("TLS is on but the JVM has no default TLS context: " + e.getMessage(), e);
            }
        }
        if (password != null) {
            b.userInfo(user.toCharArray(), password);
        } else if (token != null) {
            b.token(token);
        }
        return b;
    }
}
