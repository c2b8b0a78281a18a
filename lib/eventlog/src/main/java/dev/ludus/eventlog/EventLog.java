package dev.ludus.eventlog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.opentelemetry.api.trace.Span;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.WrongExpectedVersionException;

/**
 * An {@link EventStore} on local disk: an append-only log of checksummed records in segment files,
 * written by one thread with group commit.
 *
 * <p>Appends are validated and encoded on the caller's thread and queued. The writer thread takes
 * what is queued (within the group limits of {@link LogSettings}), checks each append's expected
 * version against the stream's version including earlier appends of the same group (a conflict
 * fails only that append), writes the group's records with one write, calls
 * {@link FileChannel#force} once, then publishes the new positions to the in-memory index and
 * completes the group's appends in queue order. If the write or fsync fails, the file is cut back
 * to where the group started and every append of the group fails with {@code io_error}; if even
 * that cut fails, the log refuses further appends.
 *
 * <p>Reads look up positions in the index and read the records with positional reads on their own
 * channels; they only see published (durable) events and never wait for the writer.
 *
 * <p>{@link #close} stops accepting appends, lets the writer finish the group it is committing,
 * fails every append still queued with {@code store_closed}, and closes the files.
 */
public final class EventLog implements EventStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    private static final int MIN_READ_WINDOW = 1 << 10;
    private static final int MAX_READ_WINDOW = 256 << 10;
    private static final int INITIAL_GROUP_BUFFER = 1 << 20;
    static final String LOCK_FILE = "lock";

    private final Path directory;
    private final Clock clock;
    private volatile LogSettings settings;
    private final ConcurrentHashMap<String, StreamIndex> streams;
    private final LinkedBlockingQueue<PendingAppend> queue = new LinkedBlockingQueue<>();
    private final PendingAppend stop = new PendingAppend("", EventStore.ANY, new byte[0], 0);
    /** Queued to wake the writer for the tasks in {@link #controls}. */
    private final PendingAppend wake = new PendingAppend("", EventStore.ANY, new byte[0], 0);
    /** Work the writer does between groups (trimming), so the index keeps one writer. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Control> controls = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A task for the writer between groups, and what its caller waits on. */
    private record Control(Runnable work, CompletableFuture<?> done) {
    }
    private final ConcurrentHashMap<Long, FileChannel> readChannels = new ConcurrentHashMap<>();
    /** Read-only mappings of sealed segments (they never change again). */
    private final ConcurrentHashMap<Long, ByteBuffer> mappedSegments = new ConcurrentHashMap<>();
    /** The segment being appended to; every segment below it is sealed. */
    private volatile long activeSegmentForReaders;
    /** The oldest segment kept (1 unless trimmed); written by the writer. */
    private volatile long firstSegmentForReaders;
    private final Thread writer;
    /** Holds the directory's lock file; released when the writer has stopped writing. */
    private final FileChannel lockChannel;
    private final Object closeLock = new Object();
    private volatile boolean closed;
    /** Set when the log cannot append any more (the file state after a failed write is unknown). */
    private volatile String failure;
    /** The active segment's file identity (device and inode) as of its first group; writer thread only. */
    private Object activeFileKey;

    // Owned by the writer thread.
    private FileChannel active;
    private long activeSegment;
    private long firstSegment;
    private long activeSize;
    private long lastGroup;
    private ByteBuffer groupBuffer = ByteBuffer.allocateDirect(INITIAL_GROUP_BUFFER);
    private final CRC32C writerCrc = new CRC32C();
    private final List<StreamIndex> touched = new ArrayList<>();
    private PendingAppend carry;

    // Figures: written by the writer, read by anyone.
    private volatile long durableEvents;
    private volatile int streamCount;
    private volatile long sealedBytes;
    private volatile long activeBytes;
    private volatile int segmentCount;
    private volatile long groups;
    private volatile long groupedEvents;
    private volatile int lastGroupEvents;
    private volatile int maxGroupEvents;
    private volatile long lastFsyncNanos;
    private volatile long maxFsyncNanos;
    private volatile long ioFailures;
    private volatile LogMetrics metrics = LogMetrics.NONE;
    private volatile LogTracing tracing = LogTracing.NONE;
    private volatile String lastError = "";
    private volatile long lastErrorMillis = -1;
    private final long scanNanos;
    private final long droppedBytes;

    private EventLog(Path directory, LogSettings settings, Clock clock, LogRecovery.Result recovered,
                     FileChannel active, FileChannel lockChannel) {
        this.lockChannel = lockChannel;
        this.directory = directory;
        this.settings = settings;
        this.clock = clock;
        this.streams = new ConcurrentHashMap<>(recovered.streams());
        this.active = active;
        this.activeSegment = recovered.activeSegment();
        this.activeSegmentForReaders = recovered.activeSegment();
        this.firstSegment = recovered.firstSegment();
        this.firstSegmentForReaders = recovered.firstSegment();
        this.activeSize = recovered.activeEnd();
        this.lastGroup = recovered.lastGroup();
        this.durableEvents = recovered.events();
        this.streamCount = recovered.streams().size();
        this.activeBytes = recovered.activeEnd();
        this.sealedBytes = recovered.bytes() - recovered.activeEnd();
        this.segmentCount = recovered.segments();
        this.scanNanos = recovered.scanNanos();
        this.droppedBytes = recovered.droppedBytes();
        this.writer = new Thread(this::runWriter, "ludus-eventstore-writer");
        this.writer.setDaemon(true); // a stuck fsync must not keep the JVM alive
    }

    /**
     * Opens the log in {@code directory} (creating it if needed): scans and verifies every
     * segment, cuts a torn tail, and starts the writer thread.
     *
     * @throws EventStoreException code {@code log_corrupt} if acknowledged data is damaged (nothing
     *                             on disk is changed), code {@code io_error} if the files cannot be
     *                             read or written
     */
    public static EventLog open(Path directory, LogSettings settings, Clock clock) {
        FileChannel lockChannel = null;
        FileChannel active = null;
        try {
            SegmentFiles.createDirectories(directory);
            lockChannel = SegmentFiles.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new EventStoreException(Codes.STORE_LOCKED, "another event store (in this or another process)"
                        + " has " + directory + " open", null);
            }
            LogRecovery.Result recovered = LogRecovery.run(directory, clock);
            if (recovered.activeSegment() > 0) {
                active = FileChannel.open(directory.resolve(LogFormat.segmentFileName(recovered.activeSegment())),
                        StandardOpenOption.WRITE);
                active.position(recovered.activeEnd());
            }
            EventLog log = new EventLog(directory, settings, clock, recovered, active, lockChannel);
            log.writer.start();
            return log;
        } catch (IOException e) {
            closeQuietly(active);
            closeQuietly(lockChannel);
            throw new EventStoreException(Codes.IO_ERROR, "cannot open the event log in " + directory + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(active);
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /** The directory holding the segment files. */
    public Path directory() {
        return directory;
    }

    /** Replaces the tunables; the writer uses them from its next group on. Thread safe, does not block. */
    public void reconfigure(LogSettings newSettings) {
        settings = newSettings;
    }

    /** The tunables in force. */
    public LogSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- appends

    @Override
    public long append(String stream, long expectedVersion, List<NewEvent> events) {
        if (Thread.currentThread() == writer) {
            throw new EventStoreException(Codes.WRITER_THREAD, "append() called from a stage running on the "
                    + "event store's writer thread would wait for itself; use appendAsync there", null);
        }
        try {
            return appendAsync(stream, expectedVersion, events).toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new EventStoreException(Codes.IO_ERROR, "append failed: " + cause, cause);
        }
    }

    @Override
    public CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events) {
        PendingAppend p;
        try {
            p = prepare(stream, expectedVersion, events);
        } catch (EventStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (closed) {
            return CompletableFuture.failedFuture(closedError());
        }
        String failed = failure;
        if (failed != null) {
            return CompletableFuture.failedFuture(new EventStoreException(Codes.IO_ERROR,
                    "the event log refuses appends: " + failed, null));
        }
        int limit = settings.maxPendingAppends();
        if (queue.size() >= limit) {
            return CompletableFuture.failedFuture(new EventStoreException(Codes.OVERLOADED,
                    limit + " appends are already waiting for the disk; nothing was appended, retry later", null));
        }
        p.span = tracing.startAppend(p);
        queue.add(p);
        // close() may have drained the queue between our check and our add: then take it back.
        if (closed && queue.remove(p)) {
            p.future.completeExceptionally(closedError());
        }
        return p.future;
    }

    private static PendingAppend prepare(String stream, long expectedVersion, List<NewEvent> events) {
        checkStream(stream);
        if (expectedVersion < EventStore.ANY) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "expected version " + expectedVersion
                    + " is neither a version (>= 0), NO_STREAM (0) nor ANY (-1)", null);
        }
        if (events == null) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "events must not be null", null);
        }
        byte[] name = stream.getBytes(StandardCharsets.UTF_8);
        int n = events.size();
        byte[][] types = new byte[n][];
        long total = 0;
        String lastType = null;
        byte[] lastTypeBytes = null;
        for (int i = 0; i < n; i++) {
            NewEvent e = events.get(i);
            if (e == null) {
                throw new EventStoreException(Codes.INVALID_EVENT, "event " + i + " is null", null);
            }
            if (!e.type().equals(lastType)) {
                lastType = e.type();
                lastTypeBytes = lastType.getBytes(StandardCharsets.UTF_8);
                if (lastTypeBytes.length > LogFormat.MAX_TYPE_BYTES || !wellFormed(lastType)) {
                    throw new EventStoreException(Codes.INVALID_EVENT, "event " + i + ": type must be at most "
                            + LogFormat.MAX_TYPE_BYTES + " UTF-8 bytes of well-formed text", null);
                }
            }
            types[i] = lastTypeBytes;
            if (e.data().length > LogFormat.MAX_DATA_BYTES) {
                throw new EventStoreException(Codes.INVALID_EVENT, "event " + i + ": payload of " + e.data().length
                        + " bytes exceeds " + LogFormat.MAX_DATA_BYTES, null);
            }
            total += LogFormat.recordLength(name.length, types[i].length, e.data().length);
        }
        if (total > LogFormat.MAX_APPEND_BYTES) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "append of " + total + " bytes exceeds "
                    + LogFormat.MAX_APPEND_BYTES, null);
        }
        byte[] records = new byte[(int) total];
        int at = 0;
        for (int i = 0; i < n; i++) {
            at = LogFormat.put(records, at, name, types[i], events.get(i).data());
        }
        return new PendingAppend(stream, expectedVersion, records, n);
    }

    /** Checks a stream name as every append and read does. */
    public static void checkStream(String stream) {
        if (stream == null || stream.isEmpty()) {
            throw new EventStoreException(Codes.INVALID_STREAM, "stream name must not be empty", null);
        }
        // Cheap bound first: a char is at most 3 UTF-8 bytes.
        if (stream.length() > LogFormat.MAX_NAME_BYTES
                || (stream.length() * 3 > LogFormat.MAX_NAME_BYTES
                    && stream.getBytes(StandardCharsets.UTF_8).length > LogFormat.MAX_NAME_BYTES)) {
            throw new EventStoreException(Codes.INVALID_STREAM, "stream name must be at most "
                    + LogFormat.MAX_NAME_BYTES + " UTF-8 bytes", null);
        }
        if (!wellFormed(stream)) {
            throw new EventStoreException(Codes.INVALID_STREAM, "stream name has an unpaired surrogate", null);
        }
    }

    /** No unpaired surrogates: the text survives a round trip through UTF-8 unchanged. */
    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- the writer

    private void runWriter() {
        // Logged here rather than in open(), which often runs on the framework's start-level thread.
        LOG.info("event log " + directory + ": " + durableEvents + " events in " + streamCount
                + " streams, " + segmentCount + " segment(s), scanned in " + TimeUnit.NANOSECONDS.toMillis(scanNanos)
                + " ms" + (droppedBytes > 0 ? ", torn tail of " + droppedBytes + " bytes cut" : ""));
        List<PendingAppend> group = new ArrayList<>();
        try {
            while (true) {
                PendingAppend first = carry != null ? carry : queue.take();
                carry = null;
                if (first == wake) {
                    runControls();
                    continue;
                }
                if (first == stop || closed) {
                    if (first != stop) {
                        first.future.completeExceptionally(closedError());
                    }
                    break;
                }
                String failed = failure;
                if (failed != null) {
                    first.future.completeExceptionally(new EventStoreException(Codes.IO_ERROR,
                            "the event log refuses appends: " + failed, null));
                    continue;
                }
                group.add(first);
                collect(group, first);
                commit(group);
                group.clear();
                runControls();
            }
        } catch (Throwable t) {
            // A bug or an Error: the state of the last group is unknown, so refuse everything from here.
            failure = "the writer stopped: " + t;
            LOG.error("event log " + directory + ": writer stopped", t);
            for (PendingAppend p : group) {
                p.future.completeExceptionally(new EventStoreException(Codes.IO_ERROR,
                        "the event log's writer stopped; the outcome of this append is unknown: " + t, t));
            }
        } finally {
            if (carry != null && carry != stop && carry != wake) {
                carry.future.completeExceptionally(closed ? closedError()
                        : new EventStoreException(Codes.IO_ERROR, "the event log refuses appends: " + failure, null));
            }
            carry = null;
            failQueued();
            failControls();
            closeQuietly(active);
            closeQuietly(lockChannel); // only now may another instance write here
        }
    }

    /** Adds queued appends to the group within the limits, waiting up to the linger time. */
    private void collect(List<PendingAppend> group, PendingAppend first) throws InterruptedException {
        LogSettings s = settings;
        long events = first.count;
        long bytes = first.records.length;
        long deadline = s.groupLingerMicros() > 0 ? System.nanoTime() + s.groupLingerMicros() * 1000 : 0;
        while (events < s.groupMaxEvents() && bytes < s.groupMaxBytes()) {
            PendingAppend next = queue.poll();
            if (next == null && deadline != 0) {
                long wait = deadline - System.nanoTime();
                if (wait > 0) {
                    next = queue.poll(wait, TimeUnit.NANOSECONDS);
                }
            }
            if (next == null) {
                return;
            }
            if (next == wake) {
                continue; // its tasks run after this group
            }
            if (next == stop || events + next.count > s.groupMaxEvents() || bytes + next.records.length > s.groupMaxBytes()) {
                carry = next;
                return;
            }
            group.add(next);
            events += next.count;
            bytes += next.records.length;
        }
    }

    private void commit(List<PendingAppend> group) {
        long now = clock.millis();
        if (active == null || (activeSize >= settings.segmentBytes() && activeSize > LogFormat.SEGMENT_HEADER_BYTES)) {
            try {
                roll(now);
            } catch (IOException e) {
                ioFailed("cannot start segment " + LogFormat.segmentFileName(activeSegment + 1) + ": " + e, e);
                failAll(group, new EventStoreException(Codes.IO_ERROR, "cannot start a new log segment, nothing was"
                        + " appended: " + e, e));
                return;
            }
        }
        long total = 0;
        for (PendingAppend p : group) {
            total += p.records.length;
        }
        ByteBuffer buf = bufferFor(total);
        ByteBuffer view = buf.duplicate();
        long groupSeq = lastGroup + 1;
        long groupStart = activeSize;
        int lastRecord = -1;
        int lastRecordFlags = 0;
        int events = 0;
        touched.clear();
        for (PendingAppend p : group) {
            StreamIndex index = streams.computeIfAbsent(p.stream, StreamIndex::new);
            long current = index.written();
            if (p.expectedVersion != EventStore.ANY && p.expectedVersion != current) {
                p.rejection = new WrongExpectedVersionException(p.stream, p.expectedVersion, current);
                continue;
            }
            p.rejection = null;
            long version = current;
            int at = buf.position();
            buf.put(p.records);
            for (int i = 0; i < p.count; i++) {
                int length = buf.getInt(at);
                int flags = i == p.count - 1 ? LogFormat.FLAG_BATCH_END : 0;
                LogFormat.seal(buf, view, writerCrc, at, ++version, now, groupSeq, flags);
                index.add(LogFormat.position(activeSegment, groupStart + at));
                lastRecord = at;
                lastRecordFlags = flags;
                at += length;
            }
            if (p.count > 0) {
                touched.add(index);
            }
            p.resultVersion = version;
            events += p.count;
        }
        if (lastRecord >= 0) {
            LogFormat.seal(buf, view, writerCrc, lastRecord, LogFormat.version(buf, lastRecord), now, groupSeq,
                    lastRecordFlags | LogFormat.FLAG_GROUP_END);
            buf.flip();
            int length = buf.remaining();
            long writeNanos;
            long fsyncNanos;
            List<Span> commitSpans = commitSpans(group, groupSeq, events, length);
            String gone;
            try {
                long w0 = System.nanoTime();
                SegmentFiles.writeFully(active, buf);
                long t0 = System.nanoTime();
                active.force(false);
                fsyncNanos = System.nanoTime() - t0;
                writeNanos = t0 - w0;
                gone = activeSegmentGone();
            } catch (IOException e) {
                for (Span span : commitSpans) {
                    LogTracing.failed(span, e.toString());
                }
                writeFailed(group, groupStart, e);
                return;
            }
            if (gone != null) {
                for (Span span : commitSpans) {
                    LogTracing.failed(span, gone);
                }
                segmentGone(group, gone);
                return;
            }
            for (Span span : commitSpans) {
                LogTracing.end(span);
            }
            activeSize += length;
            activeBytes = activeSize;
            lastGroup = groupSeq;
            lastFsyncNanos = fsyncNanos;
            if (fsyncNanos > maxFsyncNanos) {
                maxFsyncNanos = fsyncNanos;
            }
            groups++;
            metrics.groupCommitted(events, length, writeNanos, fsyncNanos);
            groupedEvents += events;
            lastGroupEvents = events;
            if (events > maxGroupEvents) {
                maxGroupEvents = events;
            }
        }
        int newStreams = 0;
        for (StreamIndex index : touched) {
            if (index.durable() == 0) {
                newStreams++;
            }
            index.publish();
        }
        if (newStreams > 0) {
            streamCount += newStreams;
        }
        durableEvents += events;
        LogMetrics m = metrics;
        long done = System.nanoTime();
        for (PendingAppend p : group) {
            m.appendCompleted(done - p.askedNanos, p.rejection == null); // counted before the caller goes on
            if (p.rejection != null) {
                p.future.completeExceptionally(p.rejection);
            } else {
                p.future.complete(p.resultVersion);
            }
        }
        if (buf.capacity() > 4L * Math.max(INITIAL_GROUP_BUFFER, settings.groupMaxBytes())) {
            groupBuffer = ByteBuffer.allocateDirect(INITIAL_GROUP_BUFFER); // let a one-off huge append's buffer go
        }
    }

    /** One {@code eventstore.commit} per traced append the group writes (see {@link LogTracing}). */
    private List<Span> commitSpans(List<PendingAppend> group, long groupSeq, int events, int bytes) {
        List<Span> spans = List.of();
        for (PendingAppend p : group) {
            if (p.rejection == null && p.span.isRecording()) {
                if (spans.isEmpty()) {
                    spans = new ArrayList<>();
                }
                spans.add(tracing.startCommit(p.span, groupSeq, group.size(), events, bytes));
            }
        }
        return spans;
    }

    private ByteBuffer bufferFor(long bytes) {
        if (groupBuffer.capacity() < bytes) {
            groupBuffer = ByteBuffer.allocateDirect((int) Math.max(bytes, 2L * groupBuffer.capacity()));
        }
        groupBuffer.clear();
        return groupBuffer;
    }

    private void roll(long now) throws IOException {
        if (activeSegment == 0) {
            // The first segment of a new log: the log directory's own entry must survive a crash too.
            Path parent = directory.toAbsolutePath().getParent();
            if (parent != null) {
                SegmentFiles.fsyncDirectory(parent);
            }
        }
        FileChannel next = SegmentFiles.create(directory, activeSegment + 1, now);
        FileChannel previous = active;
        active = next;
        activeFileKey = null;
        sealedBytes += activeSize;
        activeSegment++;
        activeSegmentForReaders = activeSegment;
        activeSize = LogFormat.SEGMENT_HEADER_BYTES;
        activeBytes = activeSize;
        segmentCount++;
        closeQuietly(previous); // fsynced after its last group
    }

    /**
     * Why the active segment is no longer the file at its path, or null while it is. Checked after
     * each group's fsync and before the group counts as durable: a data directory deleted or moved
     * while the node runs (a careless {@code rm -rf data}) left the log writing, and fsyncing, to a
     * file no start would ever read, and every append was acknowledged and then lost. One
     * {@code stat} of the path per group, a few microseconds beside the fsync.
     */
    private String activeSegmentGone() throws IOException {
        Path path = directory.resolve(LogFormat.segmentFileName(activeSegment));
        Object key;
        try {
            key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return "segment " + path + " is gone (the data directory deleted or moved while the node runs?)";
        }
        if (activeFileKey == null) {
            activeFileKey = key; // the first group of this segment
        } else if (key != null && !key.equals(activeFileKey)) {
            return "segment " + path + " was replaced by another file while the log wrote to it";
        }
        return null;
    }

    /**
     * The active segment file went from under the log: what the group wrote is in a file no start
     * will read. Nothing of the group is acknowledged, and every further append is refused (the
     * event store's health says so, DOWN) until the event store is started again on a directory
     * that is there.
     */
    private void segmentGone(List<PendingAppend> group, String why) {
        for (StreamIndex index : touched) {
            index.rollback();
        }
        failure = why + "; appends are refused, as they could not be read back after a restart";
        ioFailed(failure, null);
        failAll(group, new EventStoreException(Codes.IO_ERROR, "the events could not be made durable, nothing was"
                + " appended: " + why, null));
    }

    /**
     * The group's write or fsync failed. Cut the file back to where the group started, so its
     * records can never surface later; if that fails too, refuse all further appends.
     */
    private void writeFailed(List<PendingAppend> group, long groupStart, IOException e) {
        for (StreamIndex index : touched) {
            index.rollback();
        }
        String cause = "writing a group of " + group.size() + " appends to "
                + LogFormat.segmentFileName(activeSegment) + " failed: " + e;
        try {
            active.truncate(groupStart);
            active.force(true);
            active.position(groupStart);
            ioFailed(cause, e);
            failAll(group, new EventStoreException(Codes.IO_ERROR, "the events could not be made durable, nothing was"
                    + " appended: " + e, e));
        } catch (IOException | RuntimeException cut) {
            failure = cause + "; cutting the file back failed too: " + cut;
            ioFailed(failure, e);
            failAll(group, new EventStoreException(Codes.IO_ERROR, "the events could not be made durable and the"
                    + " log could not be cut back; this append may reappear after a restart: " + e, e));
        }
    }

    private void ioFailed(String what, Throwable e) {
        ioFailures++;
        metrics.ioFailure();
        lastError = what;
        lastErrorMillis = clock.millis();
        LOG.error("event log " + directory + ": " + what, e);
    }

    private static void failAll(List<PendingAppend> group, RuntimeException error) {
        for (PendingAppend p : group) {
            p.future.completeExceptionally(error);
        }
    }

    private void failQueued() {
        PendingAppend p;
        while ((p = queue.poll()) != null) {
            if (p != stop && p != wake) {
                p.future.completeExceptionally(closed ? closedError()
                        : new EventStoreException(Codes.IO_ERROR, "the event log refuses appends: " + failure, null));
            }
        }
    }

    private EventStoreException closedError() {
        return new EventStoreException(Codes.STORE_CLOSED, "the event store in " + directory
                + " is closed; nothing was appended", null);
    }

    // ---------------------------------------------------------------- trimming

    /**
     * Deletes the sealed segments below {@code segment} (never the one being appended to), for logs
     * whose old records are no longer needed (a message bus whose consumers read past them). Their
     * events can no longer be read: a stream then starts at {@link #first}. The new start is made
     * durable (a {@code start} file) before any file is deleted, so a crash in between only leaves
     * files the next start-up deletes. Runs on the writer between groups.
     *
     * @return a stage completing with the number of segments deleted
     */
    public CompletionStage<Integer> trimBefore(long segment) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (closed) {
            return CompletableFuture.failedFuture(closedError());
        }
        controls.add(new Control(() -> {
            try {
                done.complete(trimNow(segment));
            } catch (IOException | RuntimeException e) {
                ioFailed("trimming segments below " + segment + " failed: " + e, e);
                done.completeExceptionally(new EventStoreException(Codes.IO_ERROR, "trimming failed: " + e, e));
            }
        }, done));
        queue.add(wake);
        if (closed) {
            failControls(); // the writer may have stopped before it saw the task
        }
        return done;
    }

    private void runControls() {
        Control c;
        while ((c = controls.poll()) != null) {
            if (closed) {
                c.done().completeExceptionally(closedError());
            } else {
                c.work().run();
            }
        }
    }

    /** Fails every task the writer has not taken (it has stopped, or is stopping). */
    private void failControls() {
        Control c;
        while ((c = controls.poll()) != null) {
            c.done().completeExceptionally(closedError());
        }
    }

    /** Writer thread only. */
    private int trimNow(long segment) throws IOException {
        long limit = Math.min(segment, activeSegment);
        if (limit <= firstSegment) {
            return 0;
        }
        SegmentFiles.writeStart(directory, limit);
        long minPosition = LogFormat.position(limit, 0);
        for (StreamIndex index : streams.values()) {
            index.trimBelow(minPosition);
        }
        int deleted = 0;
        long bytes = 0;
        for (long seq = firstSegment; seq < limit; seq++) {
            closeQuietly(readChannels.remove(seq));
            mappedSegments.remove(seq); // unmapped once no reader holds it
            Path file = directory.resolve(LogFormat.segmentFileName(seq));
            try {
                bytes += java.nio.file.Files.size(file);
            } catch (IOException e) {
                // already gone: counted as deleted all the same
            }
            java.nio.file.Files.deleteIfExists(file);
            deleted++;
        }
        SegmentFiles.fsyncDirectory(directory);
        firstSegment = limit;
        firstSegmentForReaders = limit;
        segmentCount -= deleted;
        sealedBytes = Math.max(0, sealedBytes - bytes);
        LOG.info("event log " + directory + ": trimmed " + deleted + " segment(s) below "
                + LogFormat.segmentFileName(limit));
        return deleted;
    }

    /** The segment the log appends to now (0 before the first append of a new log). */
    public long activeSegment() {
        return activeSegmentForReaders;
    }

    /** The oldest segment still in the log (see {@link #trimBefore}). */
    public long firstSegment() {
        return firstSegmentForReaders;
    }

    /** The first version of {@code stream} still in the log: 1, or more once older ones were trimmed. */
    public long first(String stream) {
        checkStream(stream);
        checkOpen();
        StreamIndex index = streams.get(stream);
        return index == null ? 1 : index.first();
    }

    /**
     * The segment holding durable version {@code version} of {@code stream}, or -1 if the stream has
     * no such version (not yet written, or trimmed).
     */
    public long segmentOf(String stream, long version) {
        StreamIndex index = streams.get(stream);
        if (index == null || version < index.first() || version > index.durable()) {
            return -1;
        }
        long position = index.position(version);
        return position < 0 ? -1 : LogFormat.segmentOf(position);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<RecordedEvent> read(String stream, long fromVersion, int maxCount) {
        checkStream(stream);
        if (maxCount < 0) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "maxCount must not be negative, got " + maxCount, null);
        }
        checkOpen();
        StreamIndex index = streams.get(stream);
        if (index == null || maxCount == 0) {
            return List.of();
        }
        long durable = index.durable();
        long first = Math.max(index.first(), fromVersion);
        if (first > durable) {
            return List.of();
        }
        long last = Math.min(durable, first + maxCount - 1);
        List<RecordedEvent> out = new ArrayList<>((int) (last - first + 1));
        Window w = new Window();
        for (long v = first; v <= last; v++) {
            out.add(readOne(index, v, last, w));
        }
        return out;
    }

    /** A run of bytes read from one segment, reused while the stream's next records fall in it. */
    private static final class Window {
        ByteBuffer buf = ByteBuffer.allocate(MIN_READ_WINDOW);
        ByteBuffer view = buf.duplicate();
        /** The heap buffer, kept aside while {@code buf} is a mapped segment. */
        ByteBuffer ownBuffer;
        long segment = -1;
        long start;
        int length;
        final CRC32C crc = new CRC32C();
    }

    private RecordedEvent readOne(StreamIndex index, long version, long lastVersion, Window w) {
        long position = index.position(version);
        if (position < 0) {
            throw new EventStoreException(Codes.TRIMMED, "stream '" + index.name + "' version " + version
                    + " was trimmed from the log while it was read", null);
        }
        long segment = LogFormat.segmentOf(position);
        long offset = LogFormat.offsetOf(position);
        int at = (int) (offset - w.start);
        int length = 0;
        if (segment == w.segment && offset >= w.start && offset + 4 <= w.start + w.length) {
            length = w.buf.getInt(at);
        }
        if (length <= 0 || offset + length > w.start + w.length) {
            if (segment < activeSegmentForReaders) {
                map(w, segment);
                at = (int) offset;
            } else {
                fill(w, index, version, lastVersion, segment, offset);
                at = 0;
            }
        }
        int checked = LogFormat.check(w.buf, w.view, w.crc, at, w.length);
        if (checked < 0) {
            throw corruptRead(index.name, version, position, checked == LogFormat.PARTIAL ? "record cut short"
                    : "bad checksum");
        }
        int nameLen = LogFormat.nameLength(w.buf, at);
        int typeLen = LogFormat.typeLength(w.buf, at);
        int nameAt = at + LogFormat.RECORD_HEADER_BYTES;
        if (LogFormat.version(w.buf, at) != version || nameLen != index.nameBytes.length
                || w.buf.slice(nameAt, nameLen).mismatch(ByteBuffer.wrap(index.nameBytes)) >= 0) {
            throw corruptRead(index.name, version, position, "record belongs to another stream or version");
        }
        String type = new String(LogFormat.bytes(w.buf, nameAt + nameLen, typeLen), StandardCharsets.UTF_8);
        int dataAt = nameAt + nameLen + typeLen;
        byte[] data = LogFormat.bytes(w.buf, dataAt, checked - (dataAt - at));
        return new RecordedEvent(index.name, version, type, LogFormat.timestamp(w.buf, at), data);
    }

    /** Reads a window starting at the record, long enough for the stream's next nearby records. */
    private void fill(Window w, StreamIndex index, long version, long lastVersion, long segment, long offset) {
        long span = 0;
        for (long u = version + 1; u <= lastVersion && u <= version + 64; u++) {
            long p = index.position(u);
            long d = LogFormat.offsetOf(p) - offset;
            if (LogFormat.segmentOf(p) != segment || d < 0 || d > MAX_READ_WINDOW - 4096) {
                break;
            }
            span = d;
        }
        // Sparse records (a stream interleaved with many others) get a small read each.
        int size = (int) Math.min(MAX_READ_WINDOW, span == 0 ? MIN_READ_WINDOW : span + 4096);
        readInto(w, segment, offset, size);
        if (w.length >= 4) {
            int length = w.buf.getInt(0);
            if (length > w.length && length <= LogFormat.MAX_RECORD_BYTES) {
                readInto(w, segment, offset, length);
            }
        }
    }

    /** Makes the whole (sealed) segment the window, through a shared read-only mapping. */
    private void map(Window w, long segment) {
        ByteBuffer mapped = mappedSegments.get(segment);
        if (mapped == null) {
            try {
                FileChannel ch = channel(segment);
                mapped = mappedSegments.computeIfAbsent(segment, s -> {
                    try {
                        return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw new EventStoreException(Codes.IO_ERROR, "cannot map " + LogFormat.segmentFileName(segment) + ": "
                        + e.getCause(), e.getCause());
            } catch (ClosedChannelException e) {
                throw closed ? closedError() : new EventStoreException(Codes.IO_ERROR, "read failed: " + e, e);
            } catch (IOException e) {
                throw new EventStoreException(Codes.IO_ERROR, "cannot read " + LogFormat.segmentFileName(segment) + ": " + e, e);
            }
        }
        w.ownBuffer = w.ownBuffer == null ? w.buf : w.ownBuffer;
        w.buf = mapped;
        w.view = mapped.duplicate();
        w.segment = segment;
        w.start = 0;
        w.length = mapped.limit();
    }

    private void readInto(Window w, long segment, long offset, int size) {
        if (w.ownBuffer != null) {
            w.buf = w.ownBuffer;
            w.view = w.buf.duplicate();
            w.ownBuffer = null;
        }
        if (w.buf.capacity() < size) {
            w.buf = ByteBuffer.allocate(size);
            w.view = w.buf.duplicate();
        }
        ByteBuffer b = w.buf.clear().limit(size);
        try {
            FileChannel ch = channel(segment);
            long pos = offset;
            while (b.hasRemaining()) {
                int n = ch.read(b, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
        } catch (ClosedChannelException e) {
            throw closed ? closedError() : new EventStoreException(Codes.IO_ERROR, "read failed: " + e, e);
        } catch (IOException e) {
            throw new EventStoreException(Codes.IO_ERROR, "cannot read " + LogFormat.segmentFileName(segment) + ": " + e, e);
        }
        w.segment = segment;
        w.start = offset;
        w.length = b.position();
        w.buf.clear();
    }

    private FileChannel channel(long segment) throws IOException {
        FileChannel ch = readChannels.get(segment);
        if (ch != null) {
            return ch;
        }
        try {
            ch = readChannels.computeIfAbsent(segment, s -> {
                try {
                    return FileChannel.open(directory.resolve(LogFormat.segmentFileName(s)), StandardOpenOption.READ);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (closed) {
            closeQuietly(readChannels.remove(segment));
            throw new ClosedChannelException();
        }
        return ch;
    }

    private EventStoreException corruptRead(String stream, long version, long position, String what) {
        return new EventStoreException(Codes.LOG_CORRUPT, "stream '" + stream + "' version " + version + " at "
                + LogFormat.segmentFileName(LogFormat.segmentOf(position)) + " offset " + LogFormat.offsetOf(position)
                + ": " + what, null);
    }

    @Override
    public long version(String stream) {
        checkStream(stream);
        checkOpen();
        StreamIndex index = streams.get(stream);
        return index == null ? EventStore.NO_STREAM : index.durable();
    }

    @Override
    public Set<String> streams() {
        checkOpen();
        Set<String> out = new HashSet<>();
        for (StreamIndex index : streams.values()) {
            if (index.durable() > 0) {
                out.add(index.name);
            }
        }
        return Collections.unmodifiableSet(out);
    }

    private void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    // ---------------------------------------------------------------- lifecycle and figures

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops accepting appends, lets the writer finish the group it is committing (waiting up to
     * 5 s), fails every queued append with {@code store_closed}, and closes the files. Idempotent.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        queue.add(stop);
        boolean interrupted = false;
        if (Thread.currentThread() != writer) { // closed from a stage on the writer: it stops after this group
            try {
                writer.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (writer.isAlive() && Thread.currentThread() != writer) {
            LOG.warn("event log " + directory + ": the writer is still committing a group after "
                    + CLOSE_WAIT_MILLIS + " ms (slow fsync?); its appends complete when the disk answers");
        }
        failQueued();
        failControls();
        for (FileChannel ch : readChannels.values()) {
            closeQuietly(ch);
        }
        readChannels.clear();
        mappedSegments.clear(); // unmapped once no reader holds them
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Current figures; cheap, never blocks. */
    /** Where the log reports group commits, appends and I/O failures from now on (null: nowhere). */
    /** Traces appends made under a span through {@code t} from now on; null stops tracing. */
    public void tracing(LogTracing t) {
        tracing = t == null ? LogTracing.NONE : t;
    }

    public void metrics(LogMetrics m) {
        metrics = m == null ? LogMetrics.NONE : m;
    }

    public LogStats stats() {
        long groupsNow = groups;
        long errorAt = lastErrorMillis;
        return new LogStats(directory, streamCount, durableEvents, sealedBytes + activeBytes, segmentCount,
                queue.size(), groupsNow, lastGroupEvents, maxGroupEvents,
                groupsNow == 0 ? 0.0 : (double) groupedEvents / groupsNow, lastFsyncNanos / 1000, maxFsyncNanos / 1000,
                ioFailures, lastError, errorAt < 0 ? -1 : Math.max(0, clock.millis() - errorAt),
                failure == null ? "" : failure, closed, TimeUnit.NANOSECONDS.toMillis(scanNanos), droppedBytes, settings);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing a segment channel failed", e);
            }
        }
    }
}
