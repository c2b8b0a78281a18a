package dev.ludus.limits.redis;

import java.lang.annotation.Annotation;
import java.time.Duration;

import dev.ludus.redis.client.RedisConnector;
import dev.ludus.testing.services.Redis;
import dev.ludus.testing.services.ServiceEndpoint;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;

/**
 * A {@link RedisConnector} for tests outside the framework, with the options the node's connector
 * sets (reconnect, refuse commands while disconnected, command timeout), and limiter settings.
 */
final class TestRedis implements RedisConnector, AutoCloseable {

    final RedisClient client;
    final String target;

    TestRedis(String host, int port) {
        target = "redis://" + host + ":" + port + "/0";
        client = RedisClient.create(RedisURI.builder().withHost(host).withPort(port).withTimeout(Duration.ofMillis(500)).build());
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(500))).build());
    }

    /** The test Redis (the real one, or an embedded one; see test-services). */
    static TestRedis shared(Class<?> test, int tests) {
        ServiceEndpoint e = Redis.server(test, tests);
        return new TestRedis(e.host(), e.port());
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
    public <K, V> io.lettuce.core.pubsub.StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
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

    /** Limiter settings: the defaults but for a prefix of the test's own and the failure policy. */
    static RedisLimitsConfig config(String prefix, String failure, int retryMillis) {
        return new RedisLimitsConfig() {
            @Override public Class<? extends Annotation> annotationType() { return RedisLimitsConfig.class; }
            @Override public String failure() { return failure; }
            @Override public int timeoutMillis() { return 100; }
            @Override public int retryMillis() { return retryMillis; }
            @Override public String keyPrefix() { return prefix; }
            @Override public String redis_target() { return "(ludus.redis=default)"; }
            @Override public String fallback_target() { return "(ludus.limiter=local)"; }
        };
    }
}
