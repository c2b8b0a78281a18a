package dev.ludus.chaos;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One full-disk fault while chaos is armed: a ballast file written into a folder until its file
 * system is (nearly) full, held, then deleted. The ballast is {@code .ludus-chaos-ballast-<name>}
 * in the folder; it is deleted when the fault stops (disarm, configuration removed, bundle
 * stopped), and a leftover of an earlier process is deleted when the configuration arrives.
 */
final class ActiveDisk {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveDisk.class);
    private static final int CHUNK = 1 << 20;
    private static final long MIB = 1 << 20;

    private final ScheduledExecutorService runner;
    private final Path folder;
    private volatile Settings.Disk settings;
    private volatile boolean running = true;
    private ScheduledFuture<?> next; // guarded by this
    private volatile String state = "waiting";
    private volatile String last = "";
    final AtomicLong fills = new AtomicLong();
    final AtomicLong ballastBytes = new AtomicLong();

    ActiveDisk(ScheduledExecutorService runner, Path dataFolder, Settings.Disk settings) {
        this.runner = runner;
        this.settings = settings;
        this.folder = folderOf(settings, dataFolder);
    }

    static Path folderOf(Settings.Disk d, Path dataFolder) {
        return d.path().isEmpty() ? dataFolder : Path.of(d.path());
    }

    static Path ballast(Path folder, String name) {
        return folder.resolve(".ludus-chaos-ballast-" + name.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    String name() {
        return settings.name();
    }

    Settings.Disk settings() {
        return settings;
    }

    synchronized void start() {
        next = runner.schedule(this::fill, 0, TimeUnit.MILLISECONDS);
    }

    /** New settings for the next fill (the folder stays: a new path is a new fault). */
    void update(Settings.Disk d) {
        settings = d;
    }

    /** Stops and deletes the ballast at once. */
    void stop() {
        running = false;
        synchronized (this) {
            if (next != null) {
                next.cancel(false);
            }
        }
        release("the fault stops");
    }

    private void fill() {
        if (!running) {
            return;
        }
        Settings.Disk d = settings;
        Path file = ballast(folder, d.name());
        state = "filling";
        long written = 0;
        String stoppedBy;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            FileStore store = Files.getFileStore(folder);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            while (true) {
                if (!running) {
                    stoppedBy = "stopped";
                    break;
                }
                long free = store.getUsableSpace();
                if (free <= d.leaveMegabytes() * MIB) {
                    stoppedBy = "the disk has " + free / MIB + " MiB free";
                    break;
                }
                if (written >= d.maxMegabytes() * MIB) {
                    stoppedBy = "maxMegabytes (" + d.maxMegabytes() + ") written";
                    break;
                }
                long want = Math.min(CHUNK, Math.min(free - d.leaveMegabytes() * MIB, d.maxMegabytes() * MIB - written));
                chunk.clear().limit((int) Math.max(1, want));
                try {
                    while (chunk.hasRemaining()) {
                        written += ch.write(chunk);
                    }
                } catch (IOException full) {
                    stoppedBy = "the disk refused more (" + full.getMessage() + ")";
                    break;
                }
                ballastBytes.set(written);
            }
            try {
                ch.force(true);
            } catch (IOException full) {
                // a full disk may refuse the metadata too: what was written is on it anyway
            }
        } catch (IOException e) {
            stoppedBy = "the ballast could not be written: " + e;
        }
        ballastBytes.set(written);
        fills.incrementAndGet();
        long free = freeMegabytes();
        last = "wrote " + written / MIB + " MiB to " + file + " (" + stoppedBy + "), " + free + " MiB free";
        LOG.warn("chaos: disk '{}' FILLED: {}; held {} ms", d.name(), last, d.holdMillis());
        if (!running) {
            release("the fault stopped while filling");
            return;
        }
        state = "holding";
        synchronized (this) {
            if (running) {
                next = runner.schedule(this::afterHold, d.holdMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void afterHold() {
        release("held " + settings.holdMillis() + " ms");
        Settings.Disk d = settings;
        synchronized (this) {
            if (running && d.everyMillis() > 0) {
                state = "waiting";
                next = runner.schedule(this::fill, d.everyMillis() - d.holdMillis(), TimeUnit.MILLISECONDS);
            } else {
                state = "done";
            }
        }
    }

    private void release(String why) {
        Path file = ballast(folder, settings.name());
        try {
            if (Files.deleteIfExists(file)) {
                LOG.warn("chaos: disk '{}' released ({}): {} deleted, {} MiB free", settings.name(), why, file,
                        freeMegabytes());
            }
        } catch (IOException e) {
            LOG.error("chaos: disk '{}': the ballast {} could not be deleted: {}; delete it by hand", settings.name(),
                    file, e.toString());
        }
        ballastBytes.set(0);
        if (!running) {
            state = "stopped";
        }
    }

    /** Deletes what an earlier process may have left (configuration arriving, chaos not armed). */
    static void deleteLeftover(Path dataFolder, Settings.Disk d) {
        Path file = ballast(folderOf(d, dataFolder), d.name());
        try {
            if (Files.deleteIfExists(file)) {
                LOG.warn("chaos: disk '{}': deleted a ballast left by an earlier run: {}", d.name(), file);
            }
        } catch (IOException e) {
            LOG.error("chaos: disk '{}': a leftover ballast {} could not be deleted: {}", d.name(), file, e.toString());
        }
    }

    private long freeMegabytes() {
        try {
            return Files.getFileStore(folder).getUsableSpace() / MIB;
        } catch (IOException e) {
            return -1;
        }
    }

    Map<String, Object> details() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings.describe());
        m.put("folder", folder.toString());
        m.put("state", state);
        m.put("ballastMegabytes", ballastBytes.get() / MIB);
        m.put("freeMegabytes", freeMegabytes());
        m.put("fills", fills.get());
        if (!last.isEmpty()) {
            m.put("last", last);
        }
        return m;
    }
}
