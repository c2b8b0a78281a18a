package dev.ludus.rooms;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Ludus rooms", description = "Lobby and game runtime.")
public @interface RoomsConfig {

    @AttributeDefinition(name = "Require a cluster",
            description = "On a node of a cluster (shared event store): recover, rebuild and create rooms only while the"
                    + " Cluster service is bound, so that no room runs on two nodes. Off on a single node.")
    boolean requireCluster() default false;

    @AttributeDefinition(name = "Snapshot every", min = "1", max = "1000000",
            description = "Save a snapshot of a game every N actions, so recovery replays at most N actions.")
    int snapshotEvery() default 50;

    @AttributeDefinition(name = "Bot think time (ms)", min = "0", max = "3600000",
            description = "Delay before a bot moves.")
    long botThinkMillis() default 400;

    @AttributeDefinition(name = "Idle timeout (ms)", min = "100", max = "86400000",
            description = "A connected player who has a move to make and makes none for this long has a bot move for them once.")
    long idleTimeoutMillis() default 30000;

    @AttributeDefinition(name = "Disconnect grace (s)", min = "0", max = "600",
            description = "How long the seat of a player whose connection dropped waits for them before a bot makes its moves "
                    + "(cause 'away'); a player back within it finds their move still to make. After a restart it counts from "
                    + "the restart. 0: a bot covers the seat as soon as the connection drops.")
    int disconnectGraceSeconds() default 15;

    @AttributeDefinition(name = "Archive retry (s)", min = "1", max = "3600",
            description = "How often completed games not yet handed to the archive are retried.")
    int archiveRetrySeconds() default 5;

    @AttributeDefinition(name = "Worker threads", min = "0", max = "1024",
            description = "Threads that run rooms; 0 means one per processor.")
    int threads() default 0;

    @AttributeDefinition(name = "Open rooms per player", min = "1", max = "100000", description = "How many rooms that are not finished one player may have created; further create requests answer too_many_rooms.")
    int maxOpenRoomsPerPlayer() default 3;

    @AttributeDefinition(name = "Empty room timeout (s)", min = "1", max = "604800", description = "A room in which no human owns a seat (empty, or bots only) for this long is closed for good: it leaves the lobby and is not rebuilt after a restart. So is a room waiting for its game in which no seated player has been connected for this long (they closed the page).")
    int emptyRoomSeconds() default 600;

    @AttributeDefinition(name = "Abandoned game timeout (s)", min = "0", max = "604800", description = "A running game in which no seated player has been connected for this long (bots cover their seats meanwhile) is ended, as an operator ends one: its result so far is archived and returning players see the end and why. 0: never; bots play such a game to its end, which with the game's largest options takes hours.")
    int abandonedGameSeconds() default 600;

    @AttributeDefinition(name = "Finished room kept (s)", min = "0", max = "86400", description = "How long a finished, archived room stays in memory so returning players see its result.")
    int finishedRoomSeconds() default 600;

    @AttributeDefinition(name = "Action argument depth", min = "1", max = "64", description = "Deepest nesting of lists and objects a player's action arguments may have; deeper ones answer bad_arguments and are not stored.")
    int maxArgumentDepth() default 8;

    @AttributeDefinition(name = "Action argument size (bytes)", min = "64", max = "65536", description = "Largest JSON size a player's action arguments may have; larger ones answer bad_arguments and are not stored.")
    int maxArgumentBytes() default 2048;

    @AttributeDefinition(name = "Quarantine after failed hand-overs", min = "1", max = "1000", description = "A completed game whose archive hand-over failed this many times in a row is quarantined: recorded durably, no longer retried, shown in health.")
    int archiveQuarantineAfter() default 5;

    @AttributeDefinition(name = "Retry quarantined hand-overs", min = "0", max = "2147483647", description = "Raise this number to retry every quarantined hand-over once more (each is retried when this is greater than the value at which it was quarantined).")
    int archiveRetryQuarantined() default 0;

    @AttributeDefinition(name = "Slow append (ms)", min = "0", max = "600000", description = "A move the event store has not made durable (written and fsynced) after this long pauses its game visibly: its players get game_paused (the event store is slow) and the room's new actions are refused with game_paused instead of queuing behind it, until the store answers (game_resumed). 0: never.")
    int slowAppendMillis() default 1000;

    @AttributeDefinition(name = "Message bus (target)", description = "Filter choosing the message bus finished games are announced on (game.finished), e.g. (ludus.bus=local), (ludus.bus=nats). Changing it switches buses live; announcements not yet acknowledged go to the new one.")
    String bus_target() default "(ludus.bus=local)";
}
