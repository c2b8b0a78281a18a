package dev.ludus.cache.redis;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value RedisCaches#PID}. */
@ObjectClassDefinition(name = "Ludus cache: Redis",
        description = "Caches shared in Redis by every node with the same Redis, database and key prefix "
                + "(ludus.cache=redis), and the same behind a small near-cache on each node (ludus.cache=two-level).")
public @interface RedisCachesConfig {

    @AttributeDefinition(name = "Key prefix", min = "1", max = "100",
            description = "Prefix of every Redis key and of the invalidation channel. Nodes share caches when they "
                    + "share Redis, database and prefix.")
    String keyPrefix() default "ludus:cache";

    @AttributeDefinition(name = "Command timeout (ms)", min = "1", max = "5000",
            description = "Longest wait for Redis's answer to one read or write; then the read is a miss (answered "
                    + "by the loader) or the write is dropped, and Redis is left alone for the retry time.")
    int timeoutMillis() default 100;

    @AttributeDefinition(name = "Retry after (ms)", min = "10", max = "60000",
            description = "After Redis failed, how long the caches do without it before they try again.")
    int retryMillis() default 1000;

    @AttributeDefinition(name = "Near-cache entries", min = "1", max = "10000000",
            description = "Two-level mode: the most entries of one cache held on this node (or the cache's own "
                    + "maxEntries if lower).")
    int nearMaxEntries() default 1000;

    @AttributeDefinition(name = "Near-cache time to live (ms)", min = "10", max = "3600000",
            description = "Two-level mode: the longest an entry is served from this node without asking Redis; "
                    + "the bound on staleness when an invalidation does not arrive (Redis away, a message lost).")
    int nearTimeToLiveMillis() default 5000;

    @AttributeDefinition(name = "Redis (target)",
            description = "Filter choosing the RedisConnector service to use.")
    String redis_target() default "(ludus.redis=default)";
}
