package dev.ludus.chaos;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The full-disk fault on real files: the ballast written, held, deleted; on a small file system, a real full disk. */
public class ActiveDiskTest {

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();
    private final ScheduledExecutorService runner = Executors.newScheduledThreadPool(1);

    @After
    public void tearDown() {
        runner.shutdownNow();
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    public void theBallastIsWrittenUpToItsBoundHeldThenDeletedAndAgainOnItsSchedule() throws Exception {
        Path folder = tmp.newFolder("data").toPath();
        Settings.Disk d = Settings.disk("t", Map.of("path", folder.toString(), "maxMegabytes", "3", "holdMillis", "400",
                "everyMillis", "1000"));
        ActiveDisk disk = new ActiveDisk(runner, folder, d);
        Path ballast = ActiveDisk.ballast(folder, "t");
        disk.start();
        await("the ballast", () -> disk.fills.get() == 1);
        assertEquals("bounded by maxMegabytes", 3L << 20, Files.size(ballast));
        // the count goes up as the fill ends, the state a moment later
        await("holding", () -> "holding".equals(disk.details().get("state")));
        await("the release", () -> !Files.exists(ballast));
        await("the second fill", () -> disk.fills.get() == 2);
        assertTrue(Files.exists(ballast));
        disk.stop();
        assertFalse("stopping deletes the ballast at once", Files.exists(ballast));
        assertEquals(0L, disk.ballastBytes.get());
    }

    @Test
    public void aLeftoverOfAnEarlierRunIsDeletedWhenTheConfigurationArrives() throws Exception {
        Path folder = tmp.newFolder("data").toPath();
        Path leftover = ActiveDisk.ballast(folder, "old");
        Files.write(leftover, new byte[4096]);
        ActiveDisk.deleteLeftover(folder, Settings.disk("old", Map.of("path", folder.toString())));
        assertFalse(Files.exists(leftover));
        ActiveDisk.deleteLeftover(tmp.getRoot().toPath(), Settings.disk("old", Map.of())); // none: nothing to do
    }

    /**
     * On a 16 MiB tmpfs (mounted here when this process may: as root), the fault fills the file
     * system for real: a write by anyone else fails with "No space left", and works again once the
     * ballast is deleted. Where nothing can be mounted it says so and proves the rest above.
     */
    @Test
    public void onASmallFileSystemWritesFailWhileFullAndWorkAfter() throws Exception {
        Path mount = tmp.newFolder("small").toPath();
        if (!run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.toString())) {
            System.out.println("ActiveDiskTest: cannot mount a tmpfs here (not root): the real full disk is not tried");
            return;
        }
        try {
            Settings.Disk d = Settings.disk("full", Map.of("path", mount.toString(), "holdMillis", "60000"));
            ActiveDisk disk = new ActiveDisk(runner, mount, d);
            disk.start();
            await("the fill", () -> disk.fills.get() == 1);
            assertTrue(disk.details().toString(), (Long) disk.details().get("freeMegabytes") < 1);
            try (FileChannel ch = FileChannel.open(mount.resolve("events.log"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(1 << 20));
                ch.force(true);
                fail("a full disk takes no MiB more");
            } catch (IOException expected) {
                assertTrue(expected.getMessage(), String.valueOf(expected.getMessage()).contains("No space left"));
            }
            disk.stop();
            try (FileChannel ch = FileChannel.open(mount.resolve("events.log"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                assertEquals(1 << 20, ch.write(ByteBuffer.allocate(1 << 20)));
                ch.force(true);
            }
        } finally {
            run("umount", mount.toString());
        }
    }

    private static boolean run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
