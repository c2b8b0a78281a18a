package dev.ludus.eventstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** File-system steps on segment files, each durable when it returns. */
final class SegmentFiles {

    private SegmentFiles() {
    }

    /** Sequence numbers of the segment files in {@code dir}, ascending. */
    static List<Long> list(Path dir) throws IOException {
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
    static FileChannel create(Path dir, long sequence, long createdMillis) throws IOException {
        Path file = dir.resolve(LogFormat.segmentFileName(sequence));
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
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
    static void rewriteHeader(Path dir, long sequence, long createdMillis) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(LogFormat.segmentFileName(sequence)), StandardOpenOption.WRITE)) {
            ch.truncate(0);
            writeFully(ch, LogFormat.segmentHeader(sequence, createdMillis));
            ch.force(true);
        }
    }

    /** Cuts a segment file to {@code length} bytes and makes that durable. */
    static void truncate(Path dir, long sequence, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(LogFormat.segmentFileName(sequence)), StandardOpenOption.WRITE)) {
            ch.truncate(length);
            ch.force(true);
        }
    }

    /** Makes a directory's entries (created, renamed, deleted files) durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
