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
}
