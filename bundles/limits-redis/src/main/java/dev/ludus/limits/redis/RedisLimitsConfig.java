package dev.ludus.limits.redis;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration PID {@value RedisRateLimiter#PID}. */
@ObjectClassDefinition(name = "Ludus limits: Redis",
        description = "Token buckets in Redis, shared by every node that uses the same Redis and key prefix. "
                + "Policies belong to whoever enforces them (the gateway); this holds the buckets.")
public @interface RedisLimitsConfig {

    @AttributeDefinition(name = "When Redis is away", options = {
            @Option(value = "open", label = "open: decide with the local fallback limiter (or allow, without one)"),
            @Option(value = "closed", label = "closed: refuse every limited request")},
            description = "What a decision is while Redis cannot be reached or does not answer in time.")
    String failure() default "open";

    @AttributeDefinition(name = "Decision timeout (ms)", min = "1", max = "5000",
            description = "Longest wait for Redis's answer to one decision; then the failure policy decides, and "
                    + "Redis is left alone for the retry time.")
    int timeoutMillis() default 100;

    @AttributeDefinition(name = "Retry after (ms)", min = "10", max = "60000",
            description = "After Redis failed, how long decisions go straight to the failure policy before Redis is "
                    + "tried again.")
    int retryMillis() default 1000;

    @AttributeDefinition(name = "Key prefix", min = "1", max = "100",
            description = "Prefix of every Redis key of this limiter. Nodes share buckets when they share Redis, "
                    + "database and prefix.")
    String keyPrefix() default "ludus:limits:";

    @AttributeDefinition(name = "Redis (target)",
            description = "Filter choosing the RedisConnector service to use.")
    String redis_target() default "(ludus.redis=default)";

    @AttributeDefinition(name = "Fallback limiter (target)",
            description = "Filter choosing the limiter that decides while Redis is away, under failure=open.")
    String fallback_target() default "(ludus.limiter=local)";
}
