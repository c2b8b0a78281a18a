package dev.ludus.eventstore;

import dev.ludus.eventlog.LogSettings;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value ConfiguredEventStore#PID}, shared by the event store and the snapshot store. */
@ObjectClassDefinition(name = "Ludus event store",
        description = "Durable event log (segment files, group commit with fsync) and snapshots on local disk.")
public @interface EventStoreConfig {

    @AttributeDefinition(name = "Directory",
            description = "Where the log's segment files are. Empty: <ludus.data>/events, or the bundle's data area "
                    + "when the framework property ludus.data is not set. A relative path is resolved against the "
                    + "same base. Changing it opens (and scans) the other directory, then closes this one.")
    String directory() default "";

    @AttributeDefinition(name = "Segment size (bytes)", min = "4096", max = "1073741824",
            description = "A new segment file is started once the current one holds this many bytes "
                    + "(4096 to 1073741824).")
    long segmentSize() default LogSettings.DEFAULT_SEGMENT_BYTES;

    @AttributeDefinition(name = "Group commit: max events", min = "1", max = "1000000",
            description = "At most this many events are written and fsynced together. 1 means one fsync per append.")
    int groupMaxEvents() default LogSettings.DEFAULT_GROUP_MAX_EVENTS;

    @AttributeDefinition(name = "Group commit: max bytes", min = "1", max = "67108864",
            description = "At most this many record bytes are written and fsynced together (an append larger than "
                    + "this is committed alone).")
    int groupMaxBytes() default LogSettings.DEFAULT_GROUP_MAX_BYTES;

    @AttributeDefinition(name = "Group commit: max linger (microseconds)", min = "0", max = "1000000",
            description = "How long the writer waits for more appends before committing. 0: commit as soon as the "
                    + "previous fsync has finished (appends arriving during an fsync form the next group).")
    long groupMaxLingerMicros() default LogSettings.DEFAULT_GROUP_LINGER_MICROS;

    @AttributeDefinition(name = "Max pending appends", min = "1", max = "10000000",
            description = "Appends waiting for the disk beyond this many are refused with code 'overloaded'.")
    int maxPendingAppends() default LogSettings.DEFAULT_MAX_PENDING_APPENDS;

    @AttributeDefinition(name = "Least free space (MiB)", min = "0", max = "1048576",
            description = "Health is DEGRADED while the disk of the event log has less than this much space free for "
                    + "this user (a full disk refuses every move). 0: not watched.")
    long minFreeMegabytes() default 64;

    @AttributeDefinition(name = "Snapshot directory",
            description = "Where snapshots are. Empty: <ludus.data>/snapshots (or the bundle's data area).")
    String snapshotDirectory() default "";
}
