package dev.ludus.limits.redis;

import java.lang.annotation.Annotation;
import java.time.Duration;

import dev.ludus.redis.client.PlainRedisConnector;
import dev.ludus.testing.services.Redis;
import dev.ludus.testing.services.ServiceEndpoint;

/** Connectors to the test Redis outside the framework (as the node's connector sets them up), and limiter settings. */
final class TestRedis {

    private TestRedis() {
    }

    /** A connector to the test Redis (the real one, or an embedded one; see test-services). */
    static PlainRedisConnector shared(Class<?> test, int tests) {
        ServiceEndpoint e = Redis.server(test, tests);
        return at(e.host(), e.port());
    }

    static PlainRedisConnector at(String host, int port) {
        return new PlainRedisConnector(host, port, Duration.ofMillis(500));
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
