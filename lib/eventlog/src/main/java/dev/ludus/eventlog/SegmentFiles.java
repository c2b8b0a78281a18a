package dev.ludus.eventlog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

/** File-system steps on segment files, each durable when it returns. */
public final class SegmentFiles {

    private SegmentFiles() {
    }

    /**
     * Owner-only mode (600 for files, 700 for directories) whatever the umask: segments hold game
     * seeds, snapshots hold game state. Nothing where the file system has no POSIX modes.
     */
    public static FileAttribute<?>[] ownerOnly(Path p, boolean directory) {
        if (!p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))};
    }

    /** Creates {@code dir} and any missing parents owner-only. */
    public static void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir, ownerOnly(dir, true));
    }

    /** Opens {@code file} with {@code options}; if they create it, it is created owner-only. */
    public static FileChannel open(Path file, StandardOpenOption... options) throws IOException {
        EnumSet<StandardOpenOption> set = EnumSet.noneOf(StandardOpenOption.class);
        set.addAll(Arrays.asList(options));
        return FileChannel.open(file, set, ownerOnly(file, false));
    }

    /** Sequence numbers of the segment files in {@code dir}, ascending. */
    public static List<Long> list(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                long seq = LogFormat.segmentSequence(p.getFileName().toString());
                if (seq > 0 && Files.isRegularFile(p)) {
                    out.add(seq);
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    /**
     * Creates segment {@code sequence} with its header, fsyncs the file and the directory, and
     * returns a channel open for appending after the header.
     */
    public static FileChannel create(Path dir, long sequence, long createdMillis) throws IOException {
        Path file = dir.resolve(LogFormat.segmentFileName(sequence));
        FileChannel ch = open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            writeFully(ch, LogFormat.segmentHeader(sequence, createdMillis));
            ch.force(true);
            fsyncDirectory(dir);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            try {
                Files.deleteIfExists(file);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Rewrites a segment's header in place of whatever the file held (a torn header). */
    public static void rewriteHeader(Path dir, long sequence, long createdMillis) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(LogFormat.segmentFileName(sequence)), StandardOpenOption.WRITE)) {
            ch.truncate(0);
            writeFully(ch, LogFormat.segmentHeader(sequence, createdMillis));
            ch.force(true);
        }
    }

    /** Cuts a segment file to {@code length} bytes and makes that durable. */
    public static void truncate(Path dir, long sequence, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(LogFormat.segmentFileName(sequence)), StandardOpenOption.WRITE)) {
            ch.truncate(length);
            ch.force(true);
        }
    }

    /** Makes a directory's entries (created, renamed, deleted files) durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    static final String START_FILE = "start";

    /**
     * The first segment of a trimmed log, from its {@code start} file: 1 when there is none, -1 when
     * the file is damaged.
     */
    static long readStart(Path dir) throws IOException {
        Path file = dir.resolve(START_FILE);
        if (!Files.exists(file)) {
            return 1;
        }
        byte[] b = Files.readAllBytes(file);
        if (b.length != 12) {
            return -1;
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, 0, 8);
        ByteBuffer buf = ByteBuffer.wrap(b);
        long first = buf.getLong();
        return (int) crc.getValue() == buf.getInt() && first >= 1 ? first : -1;
    }

    /** Durably records {@code first} as the log's first segment (written aside, then renamed). */
    static void writeStart(Path dir, long first) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12);
        b.putLong(first);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.array(), 0, 8);
        b.putInt((int) crc.getValue()).flip();
        Path tmp = dir.resolve(START_FILE + ".tmp");
        try (FileChannel ch = open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, b);
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(START_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }
}
