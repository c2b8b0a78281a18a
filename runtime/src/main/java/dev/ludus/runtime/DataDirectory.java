package dev.ludus.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Keeps {@code $LUDUS_DATA} owner-only (mode 700): it holds game seeds in the event log, finished
 * games in the archive, saved configuration (which may carry backend passwords) and the console
 * password. With the directory closed, a file inside that some library created under a loose
 * umask is still out of other users' reach. And keeps it to one node at a time ({@link #claim}).
 */
final class DataDirectory {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private DataDirectory() {
    }

    /**
     * Creates {@code dir} with mode 700, or narrows an existing one to 700.
     *
     * @return a sentence for the log if an existing directory had to be narrowed, else null
     * @throws IOException if the directory cannot be created, or narrowed (not its owner)
     */
    static String secure(Path dir) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir)) {
                throw new IOException("the data directory " + dir + " is a file, not a directory; point LUDUS_DATA at"
                        + " a directory (it is made if missing)");
            }
            try {
                Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
                if (posix) {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                } else {
                    Files.createDirectory(dir);
                }
            } catch (IOException e) {
                throw new IOException("cannot make the data directory " + dir + ": " + reason(e)
                        + "; point LUDUS_DATA at a directory this user may write", e);
            }
            return null;
        }
        if (!posix) {
            return null;
        }
        Set<PosixFilePermission> before = Files.getPosixFilePermissions(dir);
        if (before.equals(OWNER_ONLY)) {
            return null;
        }
        try {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        } catch (IOException e) {
            throw new IOException("data directory " + dir + " is " + PosixFilePermissions.toString(before)
                    + " and cannot be made owner-only (rwx------): " + e.getMessage()
                    + "; run Ludus as the directory's owner or point LUDUS_DATA elsewhere", e);
        }
        return "data directory " + dir + " was " + PosixFilePermissions.toString(before)
                + "; narrowed to rwx------ (owner only)";
    }

    /** What went wrong, in words: the JDK's file exceptions carry only the path as their message. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied (" + e.getMessage() + ")";
        }
        if (e instanceof NoSuchFileException) {
            return "no such directory (" + e.getMessage() + ")";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way (" + e.getMessage() + ")";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT) + " (" + f.getFile() + ")";
        }
        return String.valueOf(e.getMessage());
    }

    /** The file in the data folder whose lock marks the node that runs on it. */
    static final String LOCK_FILE = "node.lock";

    /** Held while the process runs: the lock goes with the channel, and the channel with this reference. */
    private static FileChannel held;

    /**
     * Takes the data folder for this process: a lock on {@value #LOCK_FILE} in it, held until the
     * process ends (the system releases it however the process ends, a SIGKILL included), with the
     * process id written in it for the next one to name. A second node on the same folder would
     * take the bundle cache from under the first (the framework deletes it at its start) and then
     * find the event log, the bus and the statistics locked, and run half-started.
     *
     * @return null when taken, else the sentence why not
     * @throws IOException if the lock file cannot be opened
     */
    static synchronized String claim(Path dir) throws IOException {
        Path file = dir.resolve(LOCK_FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this process holds it already
        } catch (IOException e) {
            // A file system without locks (some network mounts): run, but say what is not guarded.
            ch.close();
            Log.warn("cannot lock " + file + " (" + reason(e) + "): nothing keeps a second node off this data"
                    + " directory; run one node on it at a time");
            return null;
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder;
            try {
                ByteBuffer buf = ByteBuffer.allocate(64);
                int n = ch.read(buf, 0);
                holder = n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim();
            } finally {
                ch.close();
            }
            return "another Ludus node runs on the data directory " + dir
                    + (holder.matches("[0-9]{1,19}") ? " (process " + holder + ")" : "")
                    + "; stop it, or give this one a data directory of its own (LUDUS_DATA)";
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        held = ch;
        return null;
    }

    /** Lets the data folder go (tests; a running node keeps it until its process ends). */
    static synchronized void release() throws IOException {
        if (held != null) {
            held.close();
            held = null;
        }
    }
}
