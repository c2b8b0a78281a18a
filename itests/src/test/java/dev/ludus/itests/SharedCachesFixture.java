package dev.ludus.itests;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.TcpRelay;

/** The shared caches (bundle cache-redis) in a test's framework: reached through a relay, and their health. */
final class SharedCachesFixture {

    private SharedCachesFixture() {
    }

    /**
     * Points the Redis client at {@code relay} (checked every second) and the shared caches at a key
     * prefix of their own with short timeouts, and waits until they are connected. Both settings
     * restart the shared caches' component; its health check comes back with it.
     */
    static void throughRelay(ConfigurationAdmin admin, BundleContext context, TcpRelay relay, String prefix)
            throws Exception {
        Configurations.merge(admin, "dev.ludus.redis", Map.of("host", "127.0.0.1", "port", relay.port(),
                "checkSeconds", 1));
        Configurations.merge(admin, "dev.ludus.cache.redis", Map.of("keyPrefix", prefix + System.nanoTime(),
                "timeoutMillis", 100, "retryMillis", 300, "nearTimeToLiveMillis", 2000));
        await(context, HealthStatus.UP, "cache-redis connected");
    }

    /** Waits until the shared caches' health is {@code status} (it is missing while their component restarts). */
    static void await(BundleContext context, HealthStatus status, String what) throws Exception {
        Wait.until(what, 30_000, () -> {
            HealthResult h = HealthChecks.find(context, "cache-redis");
            return h != null && h.status() == status;
        }, () -> String.valueOf(HealthChecks.find(context, "cache-redis")));
    }
}
