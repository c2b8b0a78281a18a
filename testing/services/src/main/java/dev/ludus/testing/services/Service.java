package dev.ludus.testing.services;

import java.util.function.Function;

/**
 * The outside services tests may need. Each has one entry point class ({@link Postgres},
 * {@link Redis}, {@link RedisTls}, {@link Amqp}, {@link Nats}, {@link Prometheus}, {@link Browser}) that knows how to find the real one and how to start
 * an embedded one; adding another means adding a constant here and such a class.
 */
public enum Service {

    /** PostgreSQL: {@link Postgres}. */
    POSTGRESQL("PostgreSQL", Postgres::locate),

    /** Redis: {@link Redis}. */
    REDIS("Redis", Redis::locate),

    /** A Redis that speaks TLS, started by the tests: {@link RedisTls}. */
    REDIS_TLS("Redis with TLS", RedisTls::locate),

    /** AMQP 0-9-1 (RabbitMQ, Qpid Broker-J): {@link Amqp}. */
    AMQP("AMQP", Amqp::locate),

    /** NATS: {@link Nats}. */
    NATS("NATS", Nats::locate),

    /** The Prometheus server and promtool, run by the test itself: {@link Prometheus}. */
    PROMETHEUS("Prometheus", Prometheus::locate),

    /** A headless Chromium for the browser tests: {@link Browser}. */
    CHROMIUM("Chromium", Browser::locate);

    private final String displayName;
    private final Function<ServicePolicy, Availability<?>> locator;

    Service(String displayName, Function<ServicePolicy, Availability<?>> locator) {
        this.displayName = displayName;
        this.locator = locator;
    }

    /** The name used in messages and in the skip report. */
    public String displayName() {
        return displayName;
    }

    Availability<?> locate(ServicePolicy policy) {
        return locator.apply(policy);
    }
}
