package dev.ludus.limits.local;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value LocalRateLimiter#PID}. */
@ObjectClassDefinition(name = "Ludus limits: local",
        description = "Token buckets in this node's memory. Policies belong to whoever enforces them (the gateway); "
                + "this holds the buckets.")
public @interface LocalLimitsConfig {

    @AttributeDefinition(name = "Max keys", min = "1000", max = "100000000",
            description = "The most buckets held (one per policy and key). Past it, idle buckets are dropped at once; "
                    + "if none is idle, new keys of a policy share one overflow bucket of that policy until room is made.")
    int maxKeys() default LocalRateLimiter.DEFAULT_MAX_KEYS;

    @AttributeDefinition(name = "Sweep every (seconds)", min = "1", max = "3600",
            description = "How often buckets that have refilled completely (and are not blocked) are forgotten: "
                    + "a forgotten bucket is the same as a new one.")
    int sweepSeconds() default 10;
}
