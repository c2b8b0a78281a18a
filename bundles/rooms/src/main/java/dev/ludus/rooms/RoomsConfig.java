package dev.ludus.rooms;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Ludus rooms", description = "Lobby and game runtime.")
public @interface RoomsConfig {

    @AttributeDefinition(name = "Snapshot every", min = "1", max = "1000000",
            description = "Save a snapshot of a game every N actions, so recovery replays at most N actions.")
    int snapshotEvery() default 50;

    @AttributeDefinition(name = "Bot think time (ms)", min = "0", max = "3600000",
            description = "Delay before a bot moves.")
    long botThinkMillis() default 400;

    @AttributeDefinition(name = "Idle timeout (ms)", min = "100", max = "86400000",
            description = "A connected player who has a move to make and makes none for this long has a bot move for them once.")
    long idleTimeoutMillis() default 30000;

    @AttributeDefinition(name = "Archive retry (s)", min = "1", max = "3600",
            description = "How often completed games not yet handed to the archive are retried.")
    int archiveRetrySeconds() default 5;

    @AttributeDefinition(name = "Worker threads", min = "0", max = "1024",
            description = "Threads that run rooms; 0 means one per processor.")
    int threads() default 0;
}
