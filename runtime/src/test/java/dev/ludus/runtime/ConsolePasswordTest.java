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

    @Test
    public void aShortPasswordIsRefusedForAConsoleOtherMachinesReachAndOnlyWarnedAboutOnLoopback() throws Exception {
        ConsolePassword.Resolved shortOne = ConsolePassword.resolve(Map.of(ConsolePassword.ENV, "hunter2"),
                tmp.getRoot().toPath());
        assertEquals("the Web Console listens on 0.0.0.0, which other machines may reach, and its password from "
                + "LUDUS_CONSOLE_PASSWORD has 7 characters: use at least 12 (unset LUDUS_CONSOLE_PASSWORD and delete "
                + "console.password to have one generated)", ConsolePassword.unfitFor("0.0.0.0", shortOne));
        assertTrue(ConsolePassword.unfitFor("192.0.2.7", shortOne) != null);
        assertTrue(ConsolePassword.unfitFor("::", shortOne) != null);
        for (String loopback : new String[] {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
            assertEquals(loopback, null, ConsolePassword.unfitFor(loopback, shortOne));
            assertEquals(loopback, "the Web Console password from LUDUS_CONSOLE_PASSWORD has 7 characters; it is refused"
                    + " below 12 once LUDUS_HTTP_HOST is not a loopback address", ConsolePassword.weakOnLoopback(loopback, shortOne));
        }
        assertEquals(null, ConsolePassword.weakOnLoopback("0.0.0.0", shortOne));

        ConsolePassword.Resolved twelve = ConsolePassword.resolve(Map.of(ConsolePassword.ENV, "abcdefghijkl"),
                tmp.getRoot().toPath());
        assertEquals(null, ConsolePassword.unfitFor("0.0.0.0", twelve));
        assertEquals(null, ConsolePassword.weakOnLoopback("127.0.0.1", twelve));
        ConsolePassword.Resolved generated = ConsolePassword.resolve(Map.of(), tmp.newFolder("data").toPath());
        assertTrue(generated.generated());
        assertEquals("a generated password is long enough anywhere", null, ConsolePassword.unfitFor("0.0.0.0", generated));
        assertFalse("a name that does not resolve is not loopback", ConsolePassword.isLoopback("no-such-host.invalid"));
    }
}
