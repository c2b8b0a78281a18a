package dev.ludus.cache.redis;

import java.time.Duration;

import dev.ludus.redis.client.RedisConnector;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/** The node's connector as the redis bundle sets it up (reconnecting, refusing commands while disconnected), outside a framework. */
final class TestConnector implements RedisConnector, AutoCloseable {

    private final RedisClient client;
    private final String target;

    TestConnector(String host, int port) {
        target = "redis://" + host + ":" + port + "/0";
        client = RedisClient.create(RedisURI.builder().withHost(host).withPort(port).withTimeout(Duration.ofMillis(500))
                .build());
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(500))).build());
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
        return Duration.ofMillis(500);
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
