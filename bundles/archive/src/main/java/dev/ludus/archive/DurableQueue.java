package dev.ludus.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.CompletedGame;

/**
 * A durable first-in first-out queue of completed games in a directory on local disk.
 *
 * <p>Games are appended to segment files ({@code 00000000000000000001.seg}, ...). A single writer
 * thread takes every game waiting to be appended, writes them together and calls
 * {@code fdatasync} once for all of them (group commit), so {@link #append} returns only when its
 * game is on disk, while many concurrent callers share one sync. Each entry is framed as
 * {@code magic, length, CRC32C, payload}; on start the queue re-reads its segments and cuts a
 * torn tail (a write the crash interrupted, which was never acknowledged).
 *
 * <p>One consumer reads entries in order with {@link #peek} and removes them with {@link #ack}
 * once they are stored elsewhere. The read position is saved in {@code cursor}; fully consumed
 * segments are deleted. Losing the cursor (a crash between ack and save) only means entries are
 * read again, which is harmless because archiving is idempotent by game id.
 *
 * <p>Thread safe: {@link #append} and {@link #find} from any thread; {@link #peek} and {@link #ack}
 * from one consumer thread.
 */
public final class DurableQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DurableQueue.class);

    static final int ENTRY_MAGIC = 0x4C514531; // "LQE1"
    static final int HEADER_BYTES = 12;
    static final int MAX_PAYLOAD_BYTES = 256 << 20;
    private static final int MAX_GROUP_ENTRIES = 4096;
    private static final long MAX_GROUP_BYTES = 16L << 20;
    private static final long APPEND_TIMEOUT_MILLIS = 60_000;
    private static final String SEGMENT_SUFFIX = ".seg";

    /** An entry read from the queue, with where it lies so {@link #ack} can remove it. */
    public record Entry(CompletedGame game, Instant queuedAt, long segment, long offset, int length) {
    }

    private record Position(long segment, long offset) {
    }

    private record Location(long segment, long offset, int length, Instant queuedAt) {
    }

    private static final class Segment {
        final long id;
        final Path path;
        final FileChannel channel;
        /** Size once the writer moved on to a newer segment; -1 while it may still grow. */
        volatile long sealedSize = -1;

        Segment(long id, Path path, FileChannel channel) {
            this.id = id;
            this.path = path;
            this.channel = channel;
        }
    }

    private static final class Pending {
        final String gameId;
        final byte[] frame;
        final Instant queuedAt;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Pending(String gameId, byte[] frame, Instant queuedAt) {
            this.gameId = gameId;
            this.frame = frame;
            this.queuedAt = queuedAt;
        }
    }

    private final Path dir;
    private final long segmentBytes;
    private final Clock clock;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    /** Games waiting, in queue order: id to where its entry is. Guarded by itself. */
    private final Map<String, Location> index = new LinkedHashMap<>();
    private final LinkedBlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition published = signalLock.newCondition();
    private final Thread writer;

    private volatile Position durableEnd;
    private volatile boolean closed;
    private volatile String broken;
    private final int recoveredEntries;
    private final int corruptEntries;

    // Consumer state (the consumer thread only).
    private Position cursor;

    // Writer state (the writer thread only, after construction).
    private Segment writeSegment;
    private long writePosition;

    /**
     * Opens (or creates) the queue in {@code dir} and recovers what it holds; starts the writer
     * thread. Blocks for the time it takes to re-read the unconsumed segments.
     *
     * @param segmentBytes size after which the writer starts a new segment file
     * @throws IOException if the directory cannot be read or written
     */
    public DurableQueue(Path dir, long segmentBytes, Clock clock) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.clock = clock;
        Files.createDirectories(dir, ownerOnly(dir, true));
        int[] counts = recover();
        this.recoveredEntries = counts[0];
        this.corruptEntries = counts[1];
        this.writer = new Thread(this::writeLoop, "ludus-archive-queue-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    // ---------------------------------------------------------------- producers

    /**
     * Appends a game and returns once it is on disk (fdatasync). A game whose id is already
     * waiting in the queue is not appended again.
     *
     * @throws ArchiveException {@code queue_unavailable} if the queue is closed or cannot be
     *                          written; the game was then not accepted
     */
    public void append(CompletedGame game) {
        String problem = broken;
        if (problem != null) {
            throw new ArchiveException("queue_unavailable", "archive queue cannot be written: " + problem, null);
        }
        if (closed) {
            throw new ArchiveException("queue_unavailable", "archive queue is closed", null);
        }
        Instant now = clock.instant();
        byte[] payload = GameCodec.encode(game, now);
        Pending p = new Pending(game.gameId(), frame(payload), now);
        pending.add(p);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPEND_TIMEOUT_MILLIS);
        while (true) {
            try {
                p.done.get(200, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ArchiveException ae) {
                    throw new ArchiveException(ae.code(), ae.getMessage(), ae);
                }
                throw new ArchiveException("queue_unavailable", "archive queue write failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                if (!writer.isAlive() || System.nanoTime() > deadline) {
                    pending.remove(p);
                    if (!p.done.isDone()) {
                        throw new ArchiveException("queue_unavailable",
                                writer.isAlive() ? "archive queue write timed out" : "archive queue is closed", null);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ArchiveException("queue_unavailable", "interrupted while waiting for the archive queue", e);
            }
        }
    }

    /** The waiting game with this id, read back from disk, or empty. Blocks on one read. */
    public Optional<CompletedGame> find(String gameId) {
        Location loc;
        synchronized (index) {
            loc = index.get(gameId);
        }
        if (loc == null) {
            return Optional.empty();
        }
        Segment seg = segments.get(loc.segment());
        if (seg == null) {
            return Optional.empty(); // consumed meanwhile
        }
        try {
            return Optional.of(readEntry(seg, loc.offset(), loc.length()).game());
        } catch (ClosedChannelException e) {
            return Optional.empty(); // consumed and deleted meanwhile
        } catch (IOException e) {
            throw new ArchiveException("queue_unavailable", "cannot read queued game " + gameId + ": " + e, e);
        }
    }

    /** Games waiting. Non-blocking. */
    public int depth() {
        synchronized (index) {
            return index.size();
        }
    }

    /** When the oldest waiting game was queued, or empty. Non-blocking. */
    public Optional<Instant> oldestQueuedAt() {
        synchronized (index) {
            Iterator<Location> it = index.values().iterator();
            return it.hasNext() ? Optional.of(it.next().queuedAt()) : Optional.empty();
        }
    }

    /** Bytes the segment files take on disk now. */
    public long diskBytes() {
        long total = 0;
        for (Segment s : segments.values()) {
            try {
                total += s.channel.size();
            } catch (IOException e) {
                // closed or deleted meanwhile
            }
        }
        return total;
    }

    /** Entries found waiting when the queue was opened. */
    public int recoveredEntries() {
        return recoveredEntries;
    }

    /** Entries found damaged (checksum mismatch) when the queue was opened, other than a torn tail. */
    public int corruptEntries() {
        return corruptEntries;
    }

    /** Why the queue cannot be written, or null when it can. */
    public String brokenReason() {
        return broken;
    }

    // ---------------------------------------------------------------- consumer

    /**
     * The oldest waiting entries, in order, at most {@code maxEntries} and about
     * {@code maxBytes}; empty when nothing waits. Consumer thread only; does not remove anything.
     */
    public List<Entry> peek(int maxEntries, long maxBytes) throws IOException {
        List<Entry> out = new ArrayList<>();
        Position p = cursor;
        Position end = durableEnd;
        long bytes = 0;
        while (out.size() < maxEntries && bytes < maxBytes) {
            Segment seg = segments.get(p.segment());
            if (seg == null) {
                Long next = segments.higherKey(p.segment());
                if (next == null || next > end.segment()) {
                    break;
                }
                p = new Position(next, 0);
                continue;
            }
            long segEnd = seg.id < end.segment() ? seg.sealedSize : seg.id == end.segment() ? end.offset() : 0;
            if (p.offset() >= segEnd) {
                if (seg.id >= end.segment()) {
                    break;
                }
                Long next = segments.higherKey(seg.id);
                if (next == null) {
                    break;
                }
                p = new Position(next, 0);
                if (out.isEmpty()) {
                    cursor = p; // nothing consumed from the old segment's remainder
                }
                continue;
            }
            Entry e;
            try {
                e = readEntryAt(seg, p.offset(), segEnd);
            } catch (IOException ex) {
                if (ex instanceof ClosedChannelException) {
                    throw ex;
                }
                if (!out.isEmpty()) {
                    break; // hand over what is good; the damage is handled on the next call
                }
                // Durable data that no longer checks out: the disk lost it. Skip what is readable
                // of this segment so the queue keeps moving, and say so loudly.
                LOG.error("archive queue segment {} is damaged at offset {}; skipping {} bytes: {}",
                        seg.path, p.offset(), segEnd - p.offset(), ex.getMessage());
                long from = p.offset();
                synchronized (index) {
                    index.values().removeIf(l -> l.segment() == seg.id && l.offset() >= from && l.offset() < segEnd);
                }
                p = new Position(seg.id, segEnd);
                cursor = p;
                continue;
            }
            out.add(e);
            bytes += e.length();
            p = new Position(seg.id, p.offset() + e.length());
        }
        return out;
    }

    /**
     * Removes entries returned by {@link #peek}; they must be its first entries, in order. Saves
     * the new read position and deletes segments nothing waits in any more. Consumer thread only.
     */
    public void ack(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        synchronized (index) {
            for (Entry e : entries) {
                Location loc = index.get(e.game().gameId());
                if (loc != null && loc.segment() == e.segment() && loc.offset() == e.offset()) {
                    index.remove(e.game().gameId());
                }
            }
        }
        Entry last = entries.get(entries.size() - 1);
        Position p = new Position(last.segment(), last.offset() + last.length());
        Segment seg = segments.get(p.segment());
        if (seg != null && seg.sealedSize >= 0 && p.offset() >= seg.sealedSize) {
            Long next = segments.higherKey(seg.id);
            if (next != null) {
                p = new Position(next, 0);
            }
        }
        cursor = p;
        saveCursor(p);
        for (Segment old : segments.headMap(p.segment(), false).values()) {
            segments.remove(old.id);
            old.channel.close();
            Files.deleteIfExists(old.path);
        }
    }

    /**
     * Waits until an entry may be available to {@link #peek} or the timeout passes.
     * Consumer thread only.
     */
    public void awaitEntries(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        signalLock.lock();
        try {
            while (!closed && !unread() && nanos > 0) {
                nanos = published.awaitNanos(nanos);
            }
        } finally {
            signalLock.unlock();
        }
    }

    private boolean unread() {
        Position end = durableEnd;
        Position c = cursor;
        return c.segment() < end.segment() || c.offset() < end.offset();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Stops accepting games, writes those already handed over, and closes the files. Waits up to
     * a few seconds for the writer.
     */
    @Override
    public void close() {
        closed = true;
        signalLock.lock();
        try {
            published.signalAll();
        } finally {
            signalLock.unlock();
        }
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending("archive queue is closed");
        for (Segment s : segments.values()) {
            try {
                s.channel.close();
            } catch (IOException e) {
                LOG.warn("closing {} failed: {}", s.path, e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- writer

    private void writeLoop() {
        List<Pending> group = new ArrayList<>();
        try {
            while (true) {
                Pending first = pending.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                group.add(first);
                long bytes = first.frame.length;
                while (group.size() < MAX_GROUP_ENTRIES && bytes < MAX_GROUP_BYTES) {
                    Pending next = pending.poll();
                    if (next == null) {
                        break;
                    }
                    group.add(next);
                    bytes += next.frame.length;
                }
                writeGroup(group);
                group.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            broken = "writer failed: " + e;
            LOG.error("archive queue writer failed", e);
            for (Pending p : group) {
                p.done.completeExceptionally(new ArchiveException("queue_unavailable", broken, e));
            }
        } finally {
            failPending(closed ? "archive queue is closed" : "archive queue writer stopped");
        }
    }

    private void failPending(String why) {
        Pending p;
        while ((p = pending.poll()) != null) {
            p.done.completeExceptionally(new ArchiveException("queue_unavailable", why, null));
        }
    }

    private void writeGroup(List<Pending> group) {
        if (broken != null) {
            for (Pending p : group) {
                p.done.completeExceptionally(new ArchiveException("queue_unavailable", "archive queue cannot be written: " + broken, null));
            }
            return;
        }
        List<Pending> toWrite = new ArrayList<>(group.size());
        Set<String> inGroup = new HashSet<>();
        synchronized (index) {
            for (Pending p : group) {
                if (!index.containsKey(p.gameId) && inGroup.add(p.gameId)) {
                    toWrite.add(p);
                }
            }
        }
        long groupStart = writePosition;
        try {
            if (!toWrite.isEmpty()) {
                if (writePosition >= segmentBytes) {
                    roll();
                    groupStart = 0;
                }
                ByteBuffer[] buffers = new ByteBuffer[toWrite.size()];
                long total = 0;
                for (int i = 0; i < buffers.length; i++) {
                    buffers[i] = ByteBuffer.wrap(toWrite.get(i).frame);
                    total += toWrite.get(i).frame.length;
                }
                FileChannel ch = writeSegment.channel;
                ch.position(writePosition);
                long written = 0;
                while (written < total) {
                    written += ch.write(buffers);
                }
                ch.force(false);
                long pos = writePosition;
                synchronized (index) {
                    for (Pending p : toWrite) {
                        index.put(p.gameId, new Location(writeSegment.id, pos, p.frame.length, p.queuedAt));
                        pos += p.frame.length;
                    }
                }
                writePosition = pos;
                durableEnd = new Position(writeSegment.id, writePosition);
                signalLock.lock();
                try {
                    published.signalAll();
                } finally {
                    signalLock.unlock();
                }
            }
            // Duplicates complete only now: their first copy is durable (earlier or in this group).
            for (Pending p : group) {
                p.done.complete(null);
            }
        } catch (IOException e) {
            LOG.error("archive queue write failed; {} game(s) not accepted: {}", toWrite.size(), e.toString());
            try {
                writeSegment.channel.truncate(groupStart);
                writePosition = groupStart;
            } catch (IOException again) {
                broken = e.toString();
                LOG.error("archive queue cannot cut back its partial write; refusing further games until restart", again);
            }
            for (Pending p : group) {
                p.done.completeExceptionally(new ArchiveException("queue_unavailable", "archive queue write failed: " + e, e));
            }
        }
    }

    private void roll() throws IOException {
        writeSegment.channel.force(false);
        writeSegment.sealedSize = writePosition;
        writeSegment = openSegment(writeSegment.id + 1);
        writePosition = 0;
    }

    private Segment openSegment(long id) throws IOException {
        Path path = dir.resolve(String.format("%020d%s", id, SEGMENT_SUFFIX));
        FileChannel ch = FileChannel.open(path, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE), ownerOnly(path, false));
        Segment s = new Segment(id, path, ch);
        segments.put(id, s);
        syncDirectory();
        return s;
    }

    /**
     * Owner-only mode (600 for files, 700 for directories) whatever the umask: queued games are whole game records. Nothing
     * where the file system has no POSIX modes.
     */
    private static FileAttribute<?>[] ownerOnly(Path p, boolean directory) {
        if (!p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))};
    }

    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    // ---------------------------------------------------------------- frames

    static byte[] frame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        b.putInt(ENTRY_MAGIC).putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        return b.array();
    }

    private Entry readEntry(Segment seg, long offset, int length) throws IOException {
        return readEntryAt(seg, offset, offset + length);
    }

    /** Reads and verifies the entry at {@code offset}; it must end at or before {@code limit}. */
    private static Entry readEntryAt(Segment seg, long offset, long limit) throws IOException {
        if (limit - offset < HEADER_BYTES) {
            throw new IOException("entry header cut short");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        readFully(seg.channel, header, offset);
        header.flip();
        int magic = header.getInt();
        int length = header.getInt();
        int crc = header.getInt();
        if (magic != ENTRY_MAGIC) {
            throw new IOException("bad entry magic");
        }
        if (length < 0 || length > MAX_PAYLOAD_BYTES || offset + HEADER_BYTES + length > limit) {
            throw new IOException("bad entry length " + length);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(seg.channel, payload, offset + HEADER_BYTES);
        CRC32C check = new CRC32C();
        check.update(payload.array());
        if ((int) check.getValue() != crc) {
            throw new IOException("entry checksum mismatch");
        }
        GameCodec.Decoded d = GameCodec.decode(payload.array());
        return new Entry(d.game(), d.queuedAt(), seg.id, offset, HEADER_BYTES + length);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of segment");
            }
            pos += n;
        }
    }

    // ---------------------------------------------------------------- recovery

    /** Re-reads the queue's files; returns {entries waiting, damaged entries skipped}. */
    private int[] recover() throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                } else if (name.endsWith(SEGMENT_SUFFIX)) {
                    try {
                        ids.add(Long.parseLong(name.substring(0, name.length() - SEGMENT_SUFFIX.length())));
                    } catch (NumberFormatException e) {
                        LOG.warn("ignoring unexpected file {} in the archive queue", f);
                    }
                }
            }
        }
        ids.sort(null);
        Position saved = readCursor();
        if (saved != null && !ids.contains(saved.segment())) {
            saved = null;
        }
        int waiting = 0;
        int corrupt = 0;
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            Path path = dir.resolve(String.format("%020d%s", id, SEGMENT_SUFFIX));
            if (saved != null && id < saved.segment()) {
                Files.deleteIfExists(path); // consumed before the last stop
                continue;
            }
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Segment seg = new Segment(id, path, ch);
            segments.put(id, seg);
            boolean last = i == ids.size() - 1;
            long size = ch.size();
            long start = saved != null && id == saved.segment() ? saved.offset() : 0;
            if (start > size) {
                start = 0;
            }
            long pos = start;
            List<Entry> found = new ArrayList<>();
            while (pos < size) {
                try {
                    Entry e = readEntryAt(seg, pos, size);
                    found.add(e);
                    pos += e.length();
                } catch (IOException e) {
                    if (pos == start && start > 0) {
                        // The saved position is not an entry boundary: read the segment again
                        // from its start (re-sending is harmless).
                        start = 0;
                        pos = 0;
                        found.clear();
                        saved = null;
                        continue;
                    }
                    break;
                }
            }
            if (pos < size) {
                if (last) {
                    LOG.warn("archive queue: cutting a torn write of {} bytes at the end of {}", size - pos, path);
                    ch.truncate(pos);
                    ch.force(false);
                } else {
                    corrupt++;
                    LOG.error("archive queue segment {} is damaged at offset {}; {} bytes after it are skipped",
                            path, pos, size - pos);
                }
            }
            if (!last) {
                seg.sealedSize = pos;
            }
            synchronized (index) {
                for (Entry e : found) {
                    index.putIfAbsent(e.game().gameId(), new Location(e.segment(), e.offset(), e.length(), e.queuedAt()));
                }
            }
            waiting += found.size();
            if (cursor == null) {
                cursor = new Position(id, start);
            }
        }
        if (segments.isEmpty()) {
            long id = ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1;
            writeSegment = openSegment(id);
        } else {
            writeSegment = segments.lastEntry().getValue();
        }
        writePosition = writeSegment.channel.size();
        if (cursor == null) {
            cursor = new Position(writeSegment.id, 0);
        }
        durableEnd = new Position(writeSegment.id, writePosition);
        if (waiting > 0) {
            LOG.info("archive queue: {} game(s) waiting from before the last stop", waiting);
        }
        return new int[] {waiting, corrupt};
    }

    private Position readCursor() {
        Path file = dir.resolve("cursor");
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length != 20) {
                return null;
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            long seg = buf.getLong();
            long off = buf.getLong();
            int crc = buf.getInt();
            CRC32C check = new CRC32C();
            check.update(b, 0, 16);
            return (int) check.getValue() == crc && seg > 0 && off >= 0 ? new Position(seg, off) : null;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("archive queue: cannot read its cursor ({}); reading every segment from its start", e.toString());
            return null;
        }
    }

    private void saveCursor(Position p) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putLong(p.segment()).putLong(p.offset());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 16);
        b.putInt((int) crc.getValue());
        b.flip();
        Path tmp = dir.resolve("cursor.tmp");
        try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), ownerOnly(tmp, false))) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
        Files.move(tmp, dir.resolve("cursor"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
