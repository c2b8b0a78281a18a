package dev.ludus.redis.client;

import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * The node's Redis, as configured by the operator (PID {@code dev.ludus.redis}). A user opens its
 * own connections and closes them when it stops; the connector closes whatever is still open when
 * it goes away itself (a changed configuration restarts it, and with it every component that holds
 * it statically).
 *
 * <pre>{@code
 * @Reference RedisConnector redis;
 * StatefulRedisConnection<String, String> c = redis.connect(StringCodec.UTF8);
 * c.sync().set("k", "v");   // fails at once with a RedisException while Redis is away
 * }</pre>
 *
 * <p>Connections reconnect by themselves after Redis comes back. While one is disconnected its
 * commands fail at once (they are not queued), and a command that gets no answer fails after
 * {@link #commandTimeout()}: a caller never hangs on Redis.
 */
@ProviderType
public interface RedisConnector {

    /** Service property: the connector's name ({@code default} for the node's one Redis). */
    String NAME_PROPERTY = "ludus.redis";

    /** Where it connects, for logs and health: {@code redis://host:port/db} (or {@code rediss://}), never a password. */
    String target();

    /**
     * Opens a connection with {@code codec}. Blocks at most the connect timeout.
     *
     * @throws RedisException        when Redis cannot be reached or refuses the credentials
     * @throws IllegalStateException when the configuration is not usable (the message says which setting)
     */
    <K, V> StatefulRedisConnection<K, V> connect(RedisCodec<K, V> codec);

    /**
     * Opens a publish/subscribe connection with {@code codec}. Like {@link #connect}; after a
     * reconnect it subscribes again to what it had subscribed (messages published meanwhile are
     * not delivered: Redis keeps none).
     *
     * @throws RedisException        when Redis cannot be reached or refuses the credentials
     * @throws IllegalStateException when the configuration is not usable
     * @since 1.1
     */
    <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec);

    /** The longest a command waits for its answer before it fails. */
    Duration commandTimeout();

    /** Whether Redis answered the connector's last check (made every few seconds). */
    boolean reachable();

    /**
     * What went wrong, for health and logs: the innermost message of a Redis failure (Lettuce
     * wraps the cause, e.g. {@code Connection refused}, {@code WRONGPASS …}), or its type when it
     * has none.
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
