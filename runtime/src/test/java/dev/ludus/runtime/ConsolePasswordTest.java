package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ConsolePasswordTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void generatesAnOwnerOnlyFileOnceAndReusesIt() throws Exception {
        Path data = tmp.getRoot().toPath().resolve("data");
        ConsolePassword.Resolved first = ConsolePassword.resolve(Map.of(), data);
        assertTrue(first.generated());
        Path file = data.resolve("console.password");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(first.password().length() >= 20);
        ConsolePassword.Resolved second = ConsolePassword.resolve(Map.of(), data);
        assertFalse(second.generated());
        assertEquals(first.password(), second.password());
        assertNotEquals(first.password(), ConsolePassword.resolve(Map.of(), tmp.newFolder().toPath()).password());
    }

    @Test
    public void environmentWinsAndWritesNothing() throws Exception {
        Path data = tmp.getRoot().toPath().resolve("d");
        ConsolePassword.Resolved r = ConsolePassword.resolve(Map.of("LUDUS_CONSOLE_PASSWORD", "s3cret"), data);
        assertEquals("s3cret", r.password());
        assertFalse(Files.exists(data.resolve("console.password")));
    }

    @Test
    public void looseFilePermissionsAreTightenedAndAnEmptyFileIsAnError() throws Exception {
        Path data = tmp.newFolder().toPath();
        Path file = data.resolve("console.password");
        Files.writeString(file, "pw\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("pw", ConsolePassword.resolve(Map.of(), data).password());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Files.writeString(file, "\n");
        assertTrue(assertThrows(java.io.IOException.class, () -> ConsolePassword.resolve(Map.of(), data))
                .getMessage().contains("is empty"));
    }

    @Test
    public void hashIsTheWebConsoleSha256Form() {
        // The Felix Web Console's own default, the hash of "admin", in the same notation.
        assertEquals("{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=", ConsolePassword.hash("admin"));
    }
}
