package dev.ludus.bus.rabbitmq;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value RabbitMessageBus#PID}. A change restarts the bus (groups resume where they acknowledged). */
@ObjectClassDefinition(name = "Ludus bus: RabbitMQ",
        description = "The message bus on RabbitMQ: a publish is acknowledged once the broker confirms it (persistent, "
                + "routed to every group's quorum queue).")
public @interface RabbitBusConfig {

    @AttributeDefinition(name = "Host", min = "1")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", min = "1", max = "65535")
    int port() default 5672;

    @AttributeDefinition(name = "Virtual host", min = "1")
    String virtualHost() default "/";

    @AttributeDefinition(name = "User", min = "1")
    String user() default "guest";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD,
            description = "Stored in property .password, which is never a service property and never logged.")
    String _password() default "guest";

    @AttributeDefinition(name = "TLS", description = "Connect with TLS (verified against the JVM's trust store).")
    boolean tls() default false;

    @AttributeDefinition(name = "Name", min = "1", max = "32",
            description = "Names the exchanges (<name>.bus, <name>.bus.dlx) and queues (<name>.bus.g.<group>, "
                    + "<name>.bus.d.<group>): nodes of one cluster share it. Letters, digits, - and _.")
    String name() default "ludus";

    @AttributeDefinition(name = "Lanes per group", min = "1", max = "64",
            description = "Messages a consumer group's handler may be given at once (one key stays in one lane, in order).")
    int lanes() default 4;

    @AttributeDefinition(name = "In flight per group", min = "1", max = "65535",
            description = "Messages handed to this node and not yet acknowledged, at most (the consumer's prefetch).")
    int maxInFlight() default 1000;

    @AttributeDefinition(name = "Connect timeout (ms)", min = "10", max = "60000")
    int connectTimeoutMillis() default 2000;

    @AttributeDefinition(name = "Confirm timeout (ms)", min = "10", max = "60000",
            description = "Longest wait for the broker's confirm of a publish; then it fails with bus_unavailable.")
    int confirmTimeoutMillis() default 2000;

    @AttributeDefinition(name = "Publishes waiting", min = "1", max = "1000000",
            description = "Publishes waiting for the broker's confirm, at most; more are refused (overloaded).")
    int maxPendingPublishes() default 10_000;

    @AttributeDefinition(name = "Lag warning", min = "1",
            description = "Unacknowledged messages of one group above which the health check is DEGRADED.")
    long lagWarning() default 10_000;

    @AttributeDefinition(name = "Replay dead letters of",
            description = "Consumer groups whose dead letters are delivered again when the replay number below is "
                    + "raised (comma separated; * for every group).")
    String replayGroups() default "";

    @AttributeDefinition(name = "Replay number", min = "0",
            description = "Raise this number to replay the dead letters of the groups above once. The number done "
                    + "last is kept in this bundle's data area, so a restart does not replay again.")
    long replayGeneration() default 0;
}
