package dev.ludus.nats.client;

import java.io.IOException;
import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

import io.nats.client.Connection;

/**
 * The node's NATS, as configured by the operator (PID {@code dev.ludus.nats}). A user opens its
 * own connections and closes them when it stops; the connector closes whatever is still open when
 * it goes away itself (a changed configuration restarts it, and with it every component that holds
 * it statically).
 *
 * <pre>{@code
 * @Reference NatsConnector nats;
 * Connection c = nats.connect("bus");        // IOException after the connect timeout while NATS is away
 * c.jetStream().publish("subject", bytes);  // fails after requestTimeout() while it is away
 * }</pre>
 *
 * <p>Once open, a connection reconnects by itself, forever: its users see the failures of their
 * own requests ({@code java.io.IOException}, {@code java.util.concurrent.TimeoutException}) while
 * NATS is away, and carry on when it is back. While a connection is disconnected, core publishes
 * are buffered in memory up to {@code reconnectBufferBytes}; JetStream publishes wait for their
 * acknowledgement at most {@link #requestTimeout()}. A user that must start without NATS retries
 * {@link #connect} in the background.
 */
@ProviderType
public interface NatsConnector {

    /** Service property: the connector's name ({@code default} for the node's one NATS). */
    String NAME_PROPERTY = "ludus.nats";

    /** Where it connects, for logs and health: {@code nats://host:port[,…]} (or {@code tls://}), never a credential. */
    String target();

    /**
     * Opens a connection named {@code name} (shown by the server's monitoring, after the
     * configured prefix). Blocks at most the connect timeout for each configured server.
     *
     * @throws IOException           when no server can be reached or the credentials are refused
     * @throws IllegalStateException when the configuration is not usable (the message says which setting)
     */
    Connection connect(String name) throws IOException;

    /** The longest a request (a JetStream publish, a management call) waits for its answer. */
    Duration requestTimeout();

    /** Whether the connector's own connection is connected now. */
    boolean reachable();

    /**
     * What went wrong, for health and logs: the innermost message of a failure, or its type when
     * it has none.
     */
    static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null || m.isBlank() ? root.getClass().getSimpleName() : m;
    }
}
