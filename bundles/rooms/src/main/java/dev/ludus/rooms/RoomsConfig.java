package dev.ludus.rooms;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Ludus rooms", description = "Lobby and game runtime.")
public @interface RoomsConfig {

    @AttributeDefinition(name = "Snapshot every", description = "Save a snapshot of a game every N actions, so recovery replays at most N actions.")
    int snapshotEvery() default 50;

    @AttributeDefinition(name = "Bot think time (ms)", description = "Delay before a bot moves.")
    long botThinkMillis() default 400;

    @AttributeDefinition(name = "Idle timeout (ms)", description = "A connected player who has a move to make and makes none for this long has a bot move for them once.")
    long idleTimeoutMillis() default 30000;

    @AttributeDefinition(name = "Archive retry (s)", description = "How often completed games not yet handed to the archive are retried.")
    int archiveRetrySeconds() default 5;

    @AttributeDefinition(name = "Worker threads", description = "Threads that run rooms; 0 means one per processor.")
    int threads() default 0;
}
