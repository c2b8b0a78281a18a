package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class DataDirectoryTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    public void aMissingDirectoryIsCreatedOwnerOnly() throws Exception {
        Path data = tmp.getRoot().toPath().resolve("a/b/data");
        assertNull(DataDirectory.secure(data));
        assertEquals("rwx------", mode(data));
    }

    @Test
    public void anOpenDirectoryIsNarrowedAndSaysSo() throws Exception {
        Path data = tmp.newFolder("open").toPath();
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxr-x"));
        String message = DataDirectory.secure(data);
        assertEquals("rwx------", mode(data));
        assertTrue(message, message.contains(data + " was rwxrwxr-x; narrowed to rwx------"));
        assertNull("nothing to say the second time", DataDirectory.secure(data));
    }

    @Test
    public void aFileWhereTheDirectoryShouldBeIsNamedAsSuch() throws Exception {
        Path file = tmp.newFile("data").toPath();
        try {
            DataDirectory.secure(file);
            org.junit.Assert.fail("a file is no data directory");
        } catch (java.io.IOException e) {
            assertEquals("the data directory " + file + " is a file, not a directory; point LUDUS_DATA at a directory"
                    + " (it is made if missing)", e.getMessage());
        }
        Path below = file.resolve("data");
        try {
            DataDirectory.secure(below);
            org.junit.Assert.fail("nothing can be made under a file");
        } catch (java.io.IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("cannot make the data directory " + below + ": "));
            assertTrue(e.getMessage(), e.getMessage().endsWith("; point LUDUS_DATA at a directory this user may write"));
            assertTrue("says more than the path: " + e.getMessage(), e.getMessage().contains("a file is in the way ("
                    + file + ")") || e.getMessage().contains("not a directory"));
        }
    }

    /** Holds a data directory in a process of its own until its standard input closes. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            String refused = DataDirectory.claim(Path.of(args[0]));
            System.out.println(refused == null ? "held" : refused);
            System.out.flush();
            System.in.read();
        }
    }

    /** A process of its own that holds {@code data}, once it says so. */
    private static Process holder(Path data) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        assertEquals("held", out.readLine());
        return p;
    }

    @Test
    public void aSecondNodeOnTheSameDirectoryIsRefusedAndNamesTheFirst() throws Exception {
        Path data = tmp.newFolder("data").toPath();
        Process first = holder(data);
        try {
            String refused = DataDirectory.claim(data);
            assertEquals("another Ludus node runs on the data directory " + data + " (process " + first.pid()
                    + "); stop it, or give this one a data directory of its own (LUDUS_DATA)", refused);
        } finally {
            first.getOutputStream().close();
            first.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            first.destroyForcibly();
        }
        try {
            assertNull("free once the first has ended", DataDirectory.claim(data));
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(data.resolve(DataDirectory.LOCK_FILE)));
            String again = DataDirectory.claim(data);
            assertTrue(again, again.startsWith("another Ludus node runs on the data directory " + data));
        } finally {
            DataDirectory.release();
        }
    }

    @Test
    public void aProcessKilledOutrightLeavesTheDirectoryFree() throws Exception {
        Path data = tmp.newFolder("killed").toPath();
        Process first = holder(data);
        first.destroyForcibly(); // SIGKILL
        first.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            assertNull(DataDirectory.claim(data));
        } finally {
            DataDirectory.release();
        }
    }
}
