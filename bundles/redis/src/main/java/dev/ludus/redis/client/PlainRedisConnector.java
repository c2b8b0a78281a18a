package dev.ludus.redis.client;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * A {@link RedisConnector} outside a framework (tests, benchmarks, tools), with the options the
 * node's connector sets: connections reconnect by themselves, refuse commands at once while
 * disconnected, and time out after {@code commandTimeout}. No health checking: {@link #reachable}
 * is always true. Close it to close every connection it opened.
 */
public final class PlainRedisConnector implements RedisConnector, AutoCloseable {

    private final RedisClient client;
    private final String target;
    private final Duration commandTimeout;

    public PlainRedisConnector(String host, int port, Duration commandTimeout) {
        this.target = "redis://" + host + ":" + port + "/0";
        this.commandTimeout = commandTimeout;
        this.client = RedisClient.create(RedisURI.builder().withHost(host).withPort(port).withTimeout(commandTimeout)
                .build());
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout)).build());
    }

    @Override
    public String target() {
        return target;
    }

    @Override
    public <K, V> StatefulRedisConnection<K, V> connect(RedisCodec<K, V> codec) {
        return client.connect(codec);
    }

    @Override
    public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
        return client.connectPubSub(codec);
    }

    @Override
    public Duration commandTimeout() {
        return commandTimeout;
    }

    @Override
    public boolean reachable() {
        return true;
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
