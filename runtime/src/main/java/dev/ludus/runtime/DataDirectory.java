package dev.ludus.runtime;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Keeps {@code $LUDUS_DATA} owner-only (mode 700): it holds game seeds in the event log, finished
 * games in the archive, saved configuration (which may carry backend passwords) and the console
 * password. With the directory closed, a file inside that some library created under a loose
 * umask is still out of other users' reach.
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
            Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
            if (posix) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createDirectory(dir);
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
}
