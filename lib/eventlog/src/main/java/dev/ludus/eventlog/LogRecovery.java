package dev.ludus.eventlog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStoreException;

/**
 * The start-up scan: reads every segment, verifies every record, rebuilds the stream index, and
 * cuts a torn tail.
 *
 * <p>What counts as a torn tail: the writer fsyncs each group before it writes the next, and
 * fsyncs a segment before it starts the next one. So only the last group of the last segment can
 * be incomplete after a crash, and nothing in it was acknowledged. Damage there (a partial record,
 * a bad checksum, garbage or zeros after the last good record, a group without its end marker) is
 * cut: the file is truncated after the last complete group and fsynced, and the number of bytes
 * dropped is logged.
 *
 * <p>Anything else is corruption of data that was acknowledged: a bad record in an earlier segment,
 * a missing segment, a stream version out of order, or a bad record in the last segment that is
 * followed by a valid record of a later group (a later group is only written once the damaged one
 * was durable). The scan then changes nothing on disk and fails with code {@code log_corrupt},
 * naming the file and offset.
 */
final class LogRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    /** What the scan found; the log continues from here. */
    record Result(Map<String, StreamIndex> streams, long firstSegment, long activeSegment, long activeEnd, long lastGroup,
                  long events, long bytes, int segments, long droppedBytes, long scanNanos) {
    }

    private final Path dir;
    private final Clock clock;
    private final Map<String, StreamIndex> streams = new HashMap<>();
    private final CRC32C crc = new CRC32C();

    // The group being read; published to the index when its end marker is read.
    private final List<StreamIndex> touched = new ArrayList<>();
    private long pendingGroup = -1;
    private long pendingEvents;
    private StreamIndex openBatch; // set while inside an append's records

    private long lastGroup;
    private long events;
    /** Older segments were deleted: streams and groups may start anywhere in the first one. */
    private boolean trimmed;

    private LogRecovery(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /**
     * Scans the segments in {@code dir}, which must exist; with none, the result has active
     * segment 0 (the writer creates segment 1 when it first needs it).
     *
     * @throws EventStoreException with code {@code log_corrupt} on corruption of acknowledged data
     * @throws IOException         if the files cannot be read, or a torn tail cannot be cut
     */
    static Result run(Path dir, Clock clock) throws IOException {
        return new LogRecovery(dir, clock).scan();
    }

    private Result scan() throws IOException {
        long started = System.nanoTime();
        List<Long> seqs = SegmentFiles.list(dir);
        if (seqs.isEmpty()) {
            // A new log: the writer creates segment 1 with the first group (segment 0 means none yet).
            return new Result(streams, 1, 0, 0, 0, 0, 0, 0, 0, System.nanoTime() - started);
        }
        long start = SegmentFiles.readStart(dir);
        if (start < 0) {
            throw corrupt("its start file is damaged");
        }
        while (!seqs.isEmpty() && seqs.get(0) < start) {
            // Trimmed: the start was made durable, the crash came before the file was deleted.
            Files.deleteIfExists(dir.resolve(LogFormat.segmentFileName(seqs.remove(0))));
        }
        if (seqs.isEmpty() || seqs.get(0) != start) {
            throw corrupt(LogFormat.segmentFileName(start) + " is missing (the log starts at "
                    + (seqs.isEmpty() ? "no segment" : LogFormat.segmentFileName(seqs.get(0))) + ")");
        }
        trimmed = start > 1;
        for (int i = 1; i < seqs.size(); i++) {
            if (seqs.get(i) != seqs.get(i - 1) + 1) {
                throw corrupt(LogFormat.segmentFileName(seqs.get(i - 1) + 1) + " is missing");
            }
        }
        long bytes = 0;
        long dropped = 0;
        long activeEnd = 0;
        for (int i = 0; i < seqs.size(); i++) {
            boolean last = i == seqs.size() - 1;
            long[] sizeAndDropped = scanSegment(seqs.get(i), last);
            bytes += sizeAndDropped[0];
            dropped += sizeAndDropped[1];
            activeEnd = sizeAndDropped[0];
        }
        streams.values().removeIf(s -> s.written() == 0);
        return new Result(streams, start, seqs.get(seqs.size() - 1), activeEnd, lastGroup, events, bytes, seqs.size(), dropped,
                System.nanoTime() - started);
    }

    /** Returns {segment size after the scan, bytes cut}. */
    private long[] scanSegment(long seq, boolean last) throws IOException {
        String name = LogFormat.segmentFileName(seq);
        Path file = dir.resolve(name);
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw corrupt(name + " is larger than 2 GiB");
            }
            buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        int size = buf.limit();
        ByteBuffer view = buf.duplicate();

        long headerSeq = LogFormat.checkSegmentHeader(buf);
        if (headerSeq < 0) {
            if (!last) {
                throw corrupt(name + ": damaged segment header");
            }
            if (size > LogFormat.SEGMENT_HEADER_BYTES
                    && LogFormat.check(buf, view, crc, LogFormat.SEGMENT_HEADER_BYTES, size) > 0) {
                throw corrupt(name + ": damaged segment header before valid records");
            }
            // The crash came while the segment was being created: no record was ever written to it.
            SegmentFiles.rewriteHeader(dir, seq, clock.millis());
            LOG.warn("event log: " + name + " had a torn header (" + size + " bytes); rewrote it");
            return new long[] {LogFormat.SEGMENT_HEADER_BYTES, size};
        }
        if (headerSeq != seq) {
            throw corrupt(name + ": header says segment " + headerSeq);
        }

        int at = LogFormat.SEGMENT_HEADER_BYTES;
        int groupEnd = at; // offset after the last complete group in this segment
        String problem = null;
        while (at < size) {
            int length = LogFormat.check(buf, view, crc, at, size);
            if (length < 0) {
                problem = length == LogFormat.PARTIAL ? "partial record" : "invalid record (bad header or checksum)";
                break;
            }
            problem = accept(buf, seq, at);
            if (problem != null) {
                break;
            }
            at += length;
            if (pendingGroup < 0) {
                groupEnd = at;
            }
        }
        if (problem == null && pendingGroup < 0) {
            return new long[] {size, 0};
        }
        if (problem == null) {
            problem = "group " + pendingGroup + " has no end marker";
        }
        if (!last) {
            throw corrupt(name + " offset " + at + ": " + problem);
        }
        long proof = laterGroupAfter(buf, view, at, size);
        if (proof >= 0) {
            throw corrupt(name + " offset " + at + ": " + problem + ", followed by a valid record of group "
                    + LogFormat.group(buf, (int) proof) + " at offset " + proof
                    + ": the damaged data had been made durable");
        }
        discardPendingGroup();
        SegmentFiles.truncate(dir, seq, groupEnd);
        long dropped = size - groupEnd;
        LOG.warn("event log: cut the torn tail of " + name + ": dropped " + dropped
                + " bytes after offset " + groupEnd + " (" + problem + " at offset " + at + ")");
        return new long[] {groupEnd, dropped};
    }

    /**
     * Takes the valid record at {@code at} into the pending group, or says why it does not fit the
     * log (it is then treated like a bad record).
     */
    private String accept(ByteBuffer buf, long seq, int at) {
        long group = LogFormat.group(buf, at);
        if (trimmed && lastGroup == 0 && pendingGroup < 0) {
            lastGroup = group - 1; // the first group kept
        }
        long expectedGroup = pendingGroup < 0 ? lastGroup + 1 : pendingGroup;
        if (group != expectedGroup) {
            return "record of group " + group + " where group " + expectedGroup + " was expected";
        }
        int nameLen = LogFormat.nameLength(buf, at);
        int nameAt = at + LogFormat.RECORD_HEADER_BYTES;
        StreamIndex stream;
        if (openBatch != null) {
            if (!sameName(buf, nameAt, nameLen, openBatch.nameBytes)) {
                return "append of stream '" + openBatch.name + "' interrupted by another stream";
            }
            stream = openBatch;
        } else {
            String name = new String(LogFormat.bytes(buf, nameAt, nameLen), StandardCharsets.UTF_8);
            stream = streams.computeIfAbsent(name, StreamIndex::new);
            touched.add(stream);
        }
        long version = LogFormat.version(buf, at);
        if (trimmed && stream.written() == 0 && stream.first() == 1 && version > 1) {
            stream.startAt(version); // its earlier events were in trimmed segments
        }
        if (version != stream.written() + 1L) {
            return "stream '" + stream.name + "' version " + version + " where " + (stream.written() + 1L)
                    + " was expected";
        }
        stream.add(LogFormat.position(seq, at));
        pendingGroup = group;
        pendingEvents++;
        int flags = LogFormat.flags(buf, at);
        openBatch = (flags & LogFormat.FLAG_BATCH_END) == 0 ? stream : null;
        if ((flags & LogFormat.FLAG_GROUP_END) != 0) {
            for (StreamIndex s : touched) {
                s.publish();
            }
            touched.clear();
            lastGroup = group;
            pendingGroup = -1;
            events += pendingEvents;
            pendingEvents = 0;
        }
        return null;
    }

    private static boolean sameName(ByteBuffer buf, int at, int len, byte[] name) {
        if (len != name.length) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (buf.get(at + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    private void discardPendingGroup() {
        for (StreamIndex s : touched) {
            s.rollback();
        }
        touched.clear();
        pendingGroup = -1;
        pendingEvents = 0;
        openBatch = null;
    }

    /**
     * Looks for a valid record of a group after the one that may be torn, anywhere after the
     * damaged offset. Returns its offset, or -1 if there is none (the damage is a torn tail).
     */
    private long laterGroupAfter(ByteBuffer buf, ByteBuffer view, int damaged, int size) {
        long tornGroup = lastGroup + 1;
        int at = damaged; // the record there may itself be valid but out of place
        while (at <= size - LogFormat.RECORD_HEADER_BYTES) {
            int length = LogFormat.check(buf, view, crc, at, size);
            if (length > 0) {
                if (LogFormat.group(buf, at) > tornGroup) {
                    return at;
                }
                at += length;
            } else {
                at++;
            }
        }
        return -1;
    }

    private EventStoreException corrupt(String what) {
        return new EventStoreException(Codes.LOG_CORRUPT, "event log in " + dir + " is corrupt: " + what
                + ". Nothing was changed on disk; restore the file from a backup, or move the damaged data aside"
                + " deliberately, then restart the event store", null);
    }
}
