package dev.ludus.bus.local;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value LocalMessageBus#PID}. A change restarts the bus (groups resume where they were). */
@ObjectClassDefinition(name = "Ludus bus: local",
        description = "The message bus on this node's disk: messages, consumer cursors and dead letters in an "
                + "event log of their own, durable (fsync) before a publish is acknowledged.")
public @interface LocalBusConfig {

    @AttributeDefinition(name = "Directory",
            description = "Where the bus keeps its log. Relative to the node's data directory (ludus.data); "
                    + "empty means 'bus'.")
    String directory() default "";

    @AttributeDefinition(name = "Segment size (MiB)", min = "1", max = "1024",
            description = "Size after which the log starts a new segment file; consumed segments are deleted whole.")
    int segmentMiB() default 16;

    @AttributeDefinition(name = "Lanes per group", min = "1", max = "64",
            description = "Messages a consumer group's handler may be given at once (one key stays in one lane, "
                    + "in order).")
    int lanes() default 4;

    @AttributeDefinition(name = "In flight per group", min = "1", max = "100000",
            description = "Messages of one group handed out and not yet acknowledged, at most.")
    int maxInFlight() default 1000;

    @AttributeDefinition(name = "Cursor interval (ms)", min = "10", max = "60000",
            description = "How often moved consumer cursors are written; after a crash, messages acknowledged "
                    + "since the last write are delivered again.")
    int checkpointMillis() default 200;

    @AttributeDefinition(name = "Retention check (s)", min = "1", max = "3600",
            description = "How often segments no consumer group needs any more are deleted.")
    int retentionSeconds() default 30;

    @AttributeDefinition(name = "Lag warning", min = "1",
            description = "Unacknowledged messages of one group above which the health check is DEGRADED.")
    long lagWarning() default 10_000;

    @AttributeDefinition(name = "Replay dead letters of",
            description = "Consumer groups whose dead letters are delivered again when the replay number below is "
                    + "raised (comma separated; * for every group). They go to the handler running then.")
    String replayGroups() default "";

    @AttributeDefinition(name = "Replay number", min = "0",
            description = "Raise this number to replay the dead letters of the groups above once. The number done "
                    + "last is kept with the bus, so a restart does not replay again.")
    long replayGeneration() default 0;
}
