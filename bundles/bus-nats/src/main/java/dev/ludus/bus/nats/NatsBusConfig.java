package dev.ludus.bus.nats;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value NatsMessageBus#PID}. A change restarts the bus (groups resume where they acknowledged). */
@ObjectClassDefinition(name = "Ludus bus: NATS JetStream",
        description = "The message bus on NATS JetStream (the server of the NATS connector, PID dev.ludus.nats): "
                + "a publish is acknowledged once the stream has stored it.")
public @interface NatsBusConfig {

    @AttributeDefinition(name = "Name", min = "1", max = "32",
            description = "Names the streams (<NAME>_BUS, <NAME>_BUS_DLQ) and the subjects (<name>.bus.…): "
                    + "nodes of one cluster share it; two clusters on one NATS use two names. Letters, digits, - and _.")
    String name() default "ludus";

    @AttributeDefinition(name = "Keep messages (hours)", min = "1", max = "87600",
            description = "How long the stream keeps messages, acknowledged or not (a consumer group created later reads "
                    + "what is still kept).")
    int maxAgeHours() default 168;

    @AttributeDefinition(name = "Duplicate window (s)", min = "1", max = "86400",
            description = "A message published again with the same id within this time is stored once.")
    int duplicateWindowSeconds() default 120;

    @AttributeDefinition(name = "Lanes per group", min = "1", max = "64",
            description = "Messages a consumer group's handler may be given at once per topic (one key stays in one "
                    + "lane, in order).")
    int lanes() default 4;

    @AttributeDefinition(name = "In flight per group and topic", min = "1", max = "100000",
            description = "Messages handed out and not yet acknowledged, at most (the consumer's max_ack_pending).")
    int maxInFlight() default 1000;

    @AttributeDefinition(name = "Ack wait (s)", min = "5", max = "3600",
            description = "A message handed to a node that does not answer (it died) is delivered again after this.")
    int ackWaitSeconds() default 30;

    @AttributeDefinition(name = "Publishes waiting", min = "1", max = "1000000",
            description = "Publishes waiting for the server's acknowledgement, at most; more are refused (overloaded).")
    int maxPendingPublishes() default 10_000;

    @AttributeDefinition(name = "Lag warning", min = "1",
            description = "Unacknowledged messages of one group above which the health check is DEGRADED.")
    long lagWarning() default 10_000;

    @AttributeDefinition(name = "Replay dead letters of",
            description = "Consumer groups whose dead letters are delivered again when the replay number below is "
                    + "raised (comma separated; * for every group). They go to the handler running then.")
    String replayGroups() default "";

    @AttributeDefinition(name = "Replay number", min = "0",
            description = "Raise this number to replay the dead letters of the groups above once. The number done "
                    + "last is kept in this bundle's data area, so a restart does not replay again.")
    long replayGeneration() default 0;
}
