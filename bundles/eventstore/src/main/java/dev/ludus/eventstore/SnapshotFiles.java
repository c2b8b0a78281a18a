package dev.ludus.eventstore;

import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.Codes;
import dev.ludus.eventlog.SegmentFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;

/**
 * A {@link SnapshotStore} with one file per stream in a directory.
 *
 * <p>File name: the SHA-256 of the stream name in hex, {@code .snapshot}. Content (big-endian):
 * <pre>
 * int magic "LSNP" | short format 1 | short stream name length | long version | long saved (epoch ms)
 * | int payload length | int CRC32C over bytes 0..27 and everything after byte 31
 * | stream name (UTF-8) | payload
 * </pre>
 * A save writes a temporary file, fsyncs it, renames it over the stream's file and fsyncs the
 * directory, so a crash leaves either the old or the new snapshot. A save older (lower version)
 * than the snapshot already stored is discarded. A file that fails its checks is logged, renamed
 * to {@code .corrupt} and reported as absent: a snapshot only saves replay time.
 */
public final class SnapshotFiles implements SnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotFiles.class);
    private static final int MAGIC = 0x4C534E50; // "LSNP"
    private static final short FORMAT = 1;
    private static final int HEADER = 32;
    private static final String SUFFIX = ".snapshot";
    private static final int MAX_DATA_BYTES = Integer.MAX_VALUE - 1024;
    private static final int LOCK_STRIPES = 64;

    private final Path directory;
    private final Clock clock;
    private final Object[] locks = new Object[LOCK_STRIPES];
    private final AtomicLong tempCounter = new AtomicLong();

    /**
     * Creates the directory if needed and removes temporary files a crash left behind.
     *
     * @throws EventStoreException code {@code io_error} if the directory cannot be used
     */
    public SnapshotFiles(Path directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        try {
            SegmentFiles.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (p.getFileName().toString().contains(SUFFIX + ".tmp")) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new EventStoreException(Codes.IO_ERROR, "cannot use snapshot directory " + directory + ": " + e, e);
        }
    }

    /** The directory holding the snapshot files. */
    public Path directory() {
        return directory;
    }

    @Override
    public void save(Snapshot snapshot) {
        if (snapshot == null) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "snapshot must not be null", null);
        }
        byte[] name = nameBytes(snapshot.stream());
        if (snapshot.version() < 0) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "snapshot version must not be negative, got "
                    + snapshot.version(), null);
        }
        if (snapshot.data().length > MAX_DATA_BYTES) {
            throw new EventStoreException(Codes.INVALID_ARGUMENT, "snapshot too large", null);
        }
        ByteBuffer content = encode(name, snapshot.version(), clock.millis(), snapshot.data());
        Path target = fileOf(snapshot.stream());
        synchronized (lockOf(snapshot.stream())) {
            Optional<Snapshot> existing = read(snapshot.stream(), target, false);
            if (existing.isPresent() && existing.get().version() > snapshot.version()) {
                LOG.debug("snapshot of '{}' at version {} not saved: version {} is already stored", snapshot.stream(),
                        snapshot.version(), existing.get().version());
                return;
            }
            Path temp = directory.resolve(target.getFileName() + ".tmp" + tempCounter.incrementAndGet());
            try {
                try (FileChannel ch = SegmentFiles.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    SegmentFiles.writeFully(ch, content);
                    ch.force(true);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the file system cannot rename atomically", e);
                }
                SegmentFiles.fsyncDirectory(directory);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw new EventStoreException(Codes.IO_ERROR, "cannot save the snapshot of '" + snapshot.stream()
                        + "': " + e, e);
            }
        }
    }

    @Override
    public Optional<Snapshot> latest(String stream) {
        nameBytes(stream);
        Path file = fileOf(stream);
        synchronized (lockOf(stream)) {
            return read(stream, file, true);
        }
    }

    @Override
    public void delete(String stream) {
        nameBytes(stream);
        synchronized (lockOf(stream)) {
            try {
                if (Files.deleteIfExists(fileOf(stream))) {
                    SegmentFiles.fsyncDirectory(directory);
                }
            } catch (IOException e) {
                throw new EventStoreException(Codes.IO_ERROR, "cannot delete the snapshot of '" + stream + "': " + e, e);
            }
        }
    }

    private Optional<Snapshot> read(String stream, Path file, boolean moveAsideIfCorrupt) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("cannot read the snapshot of '" + stream + "' (" + file + "); ignoring it", e);
            return Optional.empty();
        }
        String problem = check(bytes, stream);
        if (problem == null) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int nameLen = b.getShort(6);
            int dataLen = b.getInt(24);
            byte[] data = new byte[dataLen];
            System.arraycopy(bytes, HEADER + nameLen, data, 0, dataLen);
            return Optional.of(new Snapshot(stream, b.getLong(8), data));
        }
        LOG.warn("the snapshot of '" + stream + "' (" + file + ") is corrupt (" + problem
                + "); ignoring it, the stream will be replayed from its events");
        if (moveAsideIfCorrupt) {
            try {
                Files.move(file, file.resolveSibling(file.getFileName() + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                LOG.warn("cannot move the corrupt snapshot " + file + " aside", e);
            }
        }
        return Optional.empty();
    }

    /** Why the bytes are not a valid snapshot of {@code stream}, or null if they are. */
    private static String check(byte[] bytes, String stream) {
        if (bytes.length < HEADER) {
            return "only " + bytes.length + " bytes";
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt(0) != MAGIC || b.getShort(4) != FORMAT) {
            return "not a snapshot file";
        }
        int nameLen = b.getShort(6);
        int dataLen = b.getInt(24);
        if (nameLen <= 0 || dataLen < 0 || (long) HEADER + nameLen + dataLen != bytes.length) {
            return "lengths do not match the file size";
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 28);
        crc.update(bytes, HEADER, bytes.length - HEADER);
        if ((int) crc.getValue() != b.getInt(28)) {
            return "bad checksum";
        }
        if (!stream.equals(new String(bytes, HEADER, nameLen, StandardCharsets.UTF_8))) {
            return "it belongs to another stream";
        }
        return null;
    }

    private static ByteBuffer encode(byte[] name, long version, long savedMillis, byte[] data) {
        byte[] bytes = new byte[HEADER + name.length + data.length];
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.putInt(MAGIC).putShort(FORMAT).putShort((short) name.length).putLong(version).putLong(savedMillis)
                .putInt(data.length);
        System.arraycopy(name, 0, bytes, HEADER, name.length);
        System.arraycopy(data, 0, bytes, HEADER + name.length, data.length);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 28);
        crc.update(bytes, HEADER, bytes.length - HEADER);
        b.putInt(28, (int) crc.getValue());
        return b.position(0);
    }

    private static byte[] nameBytes(String stream) {
        EventLog.checkStream(stream);
        return stream.getBytes(StandardCharsets.UTF_8);
    }

    private Path fileOf(String stream) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(stream.getBytes(StandardCharsets.UTF_8));
            return directory.resolve(HexFormat.of().formatHex(digest) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private Object lockOf(String stream) {
        return locks[Math.floorMod(stream.hashCode(), LOCK_STRIPES)];
    }
}
