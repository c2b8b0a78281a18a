package dev.ludus.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;

/**
 * A durable first-in first-out queue of completed games in a directory on local disk, on the event
 * store's log code ({@code lib/eventlog}, built into this bundle): stream {@code games} holds one
 * event per queued game (its {@link GameCodec} encoding), stream {@code acked} records how far the
 * consumer has taken them. {@link #append} returns once its game is on disk; the log's group commit
 * lets many concurrent callers share one fsync; a torn tail after a crash is cut by the log's own
 * start-up scan, and damaged acknowledged data stops the queue from opening (code
 * {@code queue_unavailable}, naming the file and offset) instead of being skipped silently.
 *
 * <p>One consumer reads entries in order with {@link #peek} and removes them with {@link #ack} once
 * they are stored elsewhere; segments that hold only removed games are deleted. An {@code ack} that
 * a crash interrupted only means games are read again, which is harmless because archiving is
 * idempotent by game id.
 *
 * <p>A queue directory written by the earlier layout ({@code *.seg} frames and a {@code cursor}
 * file) is taken over when opened: its waiting games are appended to the log, then its files
 * deleted.
 *
 * <p>Thread safe: {@link #append} and {@link #find} from any thread; {@link #peek} and {@link #ack}
 * from one consumer thread.
 */
public final class DurableQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DurableQueue.class);

    static final String GAMES = "games";
    static final String ACKED = "acked";
    private static final String GAME = "game";
    private static final long APPEND_TIMEOUT_MILLIS = 60_000;

    /** An entry read from the queue: the game, when it was queued, and its place in the log. */
    public record Entry(CompletedGame game, Instant queuedAt, long version, int length) {
    }

    private record Waiting(long version, Instant queuedAt) {
    }

    private final EventLog log;
    private final Clock clock;
    /** Games waiting, in queue order: id to where its entry is. Guarded by {@link #lock}. */
    private final Map<String, Waiting> index = new LinkedHashMap<>();
    /** Appends on their way, by game id: a second append of the same id waits for the first. */
    private final Map<String, CompletableFuture<Long>> appending = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition published = lock.newCondition();
    private final int recoveredEntries;
    private volatile boolean closed;

    // Consumer state (the consumer thread only).
    private long acked;

    /**
     * Opens (or creates) the queue in {@code dir}, takes over a directory of the earlier layout, and
     * reads back what waits. Blocks for the time it takes to read the waiting games.
     *
     * @param segmentBytes size after which the log starts a new segment file
     * @throws IOException if the directory cannot be read or written, or its log is damaged
     */
    public DurableQueue(Path dir, long segmentBytes, Clock clock) throws IOException {
        this.clock = clock;
        try {
            this.log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(Math.max(4096, segmentBytes)), clock);
        } catch (EventStoreException e) {
            throw new IOException("the archive queue in " + dir + " cannot be opened: " + e.getMessage(), e);
        }
        try {
            List<RecordedEvent> last = log.read(ACKED, log.version(ACKED), 1);
            acked = last.isEmpty() ? 0 : ByteBuffer.wrap(last.get(0).data()).getLong();
            acked = Math.max(acked, log.first(GAMES) - 1);
            load();
            takeOverEarlierLayout(dir);
            this.recoveredEntries = depth();
            if (recoveredEntries > 0) {
                LOG.info("archive queue: {} game(s) waiting from before the last stop", recoveredEntries);
            }
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e instanceof IOException io ? io : new IOException("the archive queue in " + dir + " cannot be read: " + e, e);
        }
    }

    private void load() throws IOException {
        long from = acked + 1;
        while (true) {
            List<RecordedEvent> batch = log.read(GAMES, from, 256);
            if (batch.isEmpty()) {
                return;
            }
            for (RecordedEvent e : batch) {
                GameCodec.Decoded d = GameCodec.decode(e.data());
                index.putIfAbsent(d.game().gameId(), new Waiting(e.version(), d.queuedAt()));
            }
            from = batch.get(batch.size() - 1).version() + 1;
        }
    }

    // ---------------------------------------------------------------- producers

    /**
     * Appends a game and returns once it is on disk (fsync). A game whose id is already waiting in
     * the queue is not appended again; the call returns once that copy is durable.
     *
     * @throws ArchiveException {@code queue_unavailable} if the queue is closed or cannot be
     *                          written; the game was then not accepted
     */
    public void append(CompletedGame game) {
        if (closed) {
            throw new ArchiveException("queue_unavailable", "archive queue is closed", null);
        }
        CompletableFuture<Long> mine = null;
        CompletableFuture<Long> theirs;
        lock.lock();
        try {
            if (index.containsKey(game.gameId())) {
                return;
            }
            theirs = appending.get(game.gameId());
            if (theirs == null) {
                mine = new CompletableFuture<>();
                appending.put(game.gameId(), mine);
            }
        } finally {
            lock.unlock();
        }
        if (mine == null) {
            await(theirs);
            return;
        }
        Instant now = clock.instant();
        try {
            long version = await(log.appendAsync(GAMES, EventStore.ANY, List.of(new NewEvent(GAME,
                    GameCodec.encode(game, now)))).toCompletableFuture());
            lock.lock();
            try {
                index.put(game.gameId(), new Waiting(version, now));
                published.signalAll();
            } finally {
                lock.unlock();
            }
            mine.complete(version);
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            lock.lock();
            try {
                appending.remove(game.gameId(), mine);
            } finally {
                lock.unlock();
            }
        }
    }

    private static long await(CompletableFuture<Long> f) {
        try {
            return f.get(APPEND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof ArchiveException ae) {
                throw new ArchiveException(ae.code(), ae.getMessage(), ae);
            }
            throw new ArchiveException("queue_unavailable", "archive queue write failed: " + cause.getMessage(), cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ArchiveException("queue_unavailable", "archive queue write timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArchiveException("queue_unavailable", "interrupted while waiting for the archive queue", e);
        }
    }

    /** The waiting game with this id, read back from disk, or empty. Blocks on one read. */
    public Optional<CompletedGame> find(String gameId) {
        Waiting w;
        lock.lock();
        try {
            w = index.get(gameId);
        } finally {
            lock.unlock();
        }
        if (w == null) {
            return Optional.empty();
        }
        try {
            List<RecordedEvent> e = log.read(GAMES, w.version(), 1);
            return e.isEmpty() || e.get(0).version() != w.version() ? Optional.empty()
                    : Optional.of(GameCodec.decode(e.get(0).data()).game());
        } catch (EventStoreException e) {
            if ("trimmed".equals(e.code()) || "store_closed".equals(e.code())) {
                return Optional.empty(); // consumed meanwhile
            }
            throw new ArchiveException("queue_unavailable", "cannot read queued game " + gameId + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ArchiveException("queue_unavailable", "cannot read queued game " + gameId + ": " + e, e);
        }
    }

    /** Games waiting. Non-blocking. */
    public int depth() {
        lock.lock();
        try {
            return index.size();
        } finally {
            lock.unlock();
        }
    }

    /** When the oldest waiting game was queued, or empty. Non-blocking. */
    public Optional<Instant> oldestQueuedAt() {
        lock.lock();
        try {
            Iterator<Waiting> it = index.values().iterator();
            return it.hasNext() ? Optional.of(it.next().queuedAt()) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes the log's segment files take on disk now. */
    public long diskBytes() {
        return log.stats().bytes();
    }

    /** Entries found waiting when the queue was opened. */
    public int recoveredEntries() {
        return recoveredEntries;
    }

    /** Why the queue cannot be written, or null when it can. */
    public String brokenReason() {
        String failure = log.stats().failure();
        return failure == null || failure.isEmpty() ? null : failure;
    }

    // ---------------------------------------------------------------- consumer

    /**
     * The oldest waiting entries, in order, at most {@code maxEntries} and about
     * {@code maxBytes}; empty when nothing waits. Consumer thread only; does not remove anything.
     */
    public List<Entry> peek(int maxEntries, long maxBytes) throws IOException {
        List<Entry> out = new ArrayList<>();
        long from = acked + 1;
        long bytes = 0;
        while (out.size() < maxEntries && bytes < maxBytes) {
            List<RecordedEvent> batch;
            try {
                batch = log.read(GAMES, from, Math.min(256, maxEntries - out.size()));
            } catch (EventStoreException e) {
                throw new IOException("cannot read the archive queue: " + e.getMessage(), e);
            }
            if (batch.isEmpty()) {
                break;
            }
            for (RecordedEvent e : batch) {
                if (out.size() >= maxEntries || bytes >= maxBytes) {
                    break;
                }
                GameCodec.Decoded d = GameCodec.decode(e.data());
                lock.lock();
                boolean waiting;
                boolean arriving;
                try {
                    Waiting w = index.get(d.game().gameId());
                    waiting = w != null && w.version() == e.version();
                    // Durable in the log, but its append has not returned to its caller yet: not
                    // in the index, and not to be skipped either. It is handed out next time.
                    arriving = !waiting && appending.containsKey(d.game().gameId());
                } finally {
                    lock.unlock();
                }
                if (arriving) {
                    return out;
                }
                if (waiting) { // a copy appended again after the first left is its own entry
                    out.add(new Entry(d.game(), d.queuedAt(), e.version(), e.data().length));
                    bytes += e.data().length;
                } else if (out.isEmpty()) {
                    acked = Math.max(acked, e.version()); // nothing to hand out before it
                }
            }
            from = batch.get(batch.size() - 1).version() + 1;
        }
        return out;
    }

    /**
     * Removes entries returned by {@link #peek}; they must be its first entries, in order. Records
     * the new read position durably and deletes segments nothing waits in any more. Consumer
     * thread only.
     */
    public void ack(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        long upTo = entries.get(entries.size() - 1).version();
        try {
            log.append(ACKED, EventStore.ANY, List.of(new NewEvent("acked", ByteBuffer.allocate(8).putLong(upTo).array())));
        } catch (EventStoreException e) {
            throw new IOException("cannot record the archive queue's position: " + e.getMessage(), e);
        }
        lock.lock();
        try {
            for (Entry e : entries) {
                Waiting w = index.get(e.game().gameId());
                if (w != null && w.version() == e.version()) {
                    index.remove(e.game().gameId());
                }
            }
        } finally {
            lock.unlock();
        }
        acked = upTo;
        long keepFrom = log.activeSegment();
        long nextGame = log.segmentOf(GAMES, upTo + 1);
        if (nextGame > 0) {
            keepFrom = Math.min(keepFrom, nextGame);
        }
        long lastAck = log.segmentOf(ACKED, log.version(ACKED));
        if (lastAck > 0) {
            keepFrom = Math.min(keepFrom, lastAck);
        }
        if (keepFrom > log.firstSegment()) {
            try {
                log.trimBefore(keepFrom).toCompletableFuture().get(APPEND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warn("archive queue: deleting consumed segments failed (tried again with the next batch): {}",
                        e.toString());
            }
        }
    }

    /**
     * Waits until an entry may be available to {@link #peek} or the timeout passes.
     * Consumer thread only.
     */
    public void awaitEntries(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!closed && index.isEmpty() && nanos > 0) {
                nanos = published.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Stops accepting games, lets the log finish what it was writing, and closes it. */
    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            published.signalAll();
        } finally {
            lock.unlock();
        }
        log.close();
    }

    // ---------------------------------------------------------------- the earlier layout

    private static final int EARLIER_MAGIC = 0x4C514531; // "LQE1"
    private static final int EARLIER_HEADER_BYTES = 12;

    /**
     * Moves the waiting games of a directory in the earlier layout ({@code NNN.seg} files of frames
     * {@code magic, length, CRC32C, payload}, and a {@code cursor} of segment and offset) into the
     * log, then deletes those files. A damaged frame ends its file's reading (it was a torn tail
     * or damage the earlier layout skipped too).
     */
    private void takeOverEarlierLayout(Path dir) throws IOException {
        List<Path> segments = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.seg")) {
            files.forEach(segments::add);
        }
        if (segments.isEmpty()) {
            return;
        }
        segments.sort(null);
        long cursorSegment = -1;
        long cursorOffset = 0;
        Path cursor = dir.resolve("cursor");
        if (Files.exists(cursor)) {
            byte[] b = Files.readAllBytes(cursor);
            if (b.length == 20) {
                ByteBuffer buf = ByteBuffer.wrap(b);
                CRC32C crc = new CRC32C();
                crc.update(b, 0, 16);
                long seg = buf.getLong();
                long off = buf.getLong();
                if ((int) crc.getValue() == buf.getInt()) {
                    cursorSegment = seg;
                    cursorOffset = off;
                }
            }
        }
        int moved = 0;
        for (Path p : segments) {
            String name = p.getFileName().toString();
            long id;
            try {
                id = Long.parseLong(name.substring(0, name.length() - 4));
            } catch (NumberFormatException e) {
                continue;
            }
            if (id < cursorSegment) {
                continue;
            }
            long start = id == cursorSegment ? cursorOffset : 0;
            List<byte[]> frames = earlierFrames(p, start);
            if (frames.isEmpty() && start > 0) {
                frames = earlierFrames(p, 0); // the cursor is not at a frame: the whole file again
            }
            for (byte[] payload : frames) {
                GameCodec.Decoded d = GameCodec.decode(payload);
                append(d.game());
                moved++;
            }
        }
        for (Path p : segments) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(cursor);
        LOG.info("archive queue: took over {} waiting game(s) from the earlier queue layout in {}", moved, dir);
    }

    private static List<byte[]> earlierFrames(Path file, long start) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = start;
            while (pos + EARLIER_HEADER_BYTES <= size) {
                ByteBuffer header = ByteBuffer.allocate(EARLIER_HEADER_BYTES);
                ch.read(header, pos);
                header.flip();
                int magic = header.getInt();
                int length = header.getInt();
                int crc = header.getInt();
                if (magic != EARLIER_MAGIC || length < 0 || pos + EARLIER_HEADER_BYTES + length > size) {
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(length);
                ch.read(payload, pos + EARLIER_HEADER_BYTES);
                CRC32C check = new CRC32C();
                check.update(payload.array());
                if ((int) check.getValue() != crc) {
                    LOG.error("archive queue: a damaged entry in {} at offset {} of the earlier layout is skipped", file, pos);
                } else {
                    out.add(payload.array());
                }
                pos += EARLIER_HEADER_BYTES + length;
            }
        }
        return out;
    }

    /** A frame of the earlier layout, for the tests of the take-over. */
    static byte[] earlierFrame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(EARLIER_HEADER_BYTES + payload.length);
        b.putInt(EARLIER_MAGIC).putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        return b.array();
    }
}
