package dev.ludus.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Work a start needs done but need not wait for, moved off the launcher's thread onto a daemon
 * thread of its own: the old bundle cache. Felix deletes its cache at every start
 * ({@code org.osgi.framework.storage.clean = onFirstInit}) before it installs anything, 70-odd bundle
 * copies, while nothing else can go on. The launcher renames the cache aside instead and deletes
 * it beside the start (the framework phase of the start fell by 15-20 ms); a copy set aside by a
 * start that stopped before it was gone is deleted by the next.
 */
final class BackgroundWork {

    /** The suffix of a bundle cache set aside: {@code cache.old-<pid>-<ms>}. */
    static final String ASIDE = ".old-";

    private BackgroundWork() {
    }

    /**
     * Sets the bundle cache aside when the framework would delete it anyway, and starts a daemon
     * thread that deletes it and any earlier leftovers. Returns that thread, or {@code null} when
     * there was nothing to delete (or the framework keeps its cache).
     */
    static Thread sweepCache(Map<String, String> frameworkProperties) {
        String storage = frameworkProperties.get("org.osgi.framework.storage");
        String clean = frameworkProperties.get("org.osgi.framework.storage.clean");
        if (storage == null || !"onFirstInit".equalsIgnoreCase(clean == null ? "" : clean.trim())) {
            return null;
        }
        Path cache = Path.of(storage).toAbsolutePath().normalize();
        Path parent = cache.getParent();
        if (parent == null) {
            return null;
        }
        if (Files.isDirectory(cache, LinkOption.NOFOLLOW_LINKS)) {
            Path aside = parent.resolve(cache.getFileName() + ASIDE + ProcessHandle.current().pid() + "-"
                    + System.currentTimeMillis());
            try {
                Files.move(cache, aside); // a rename in the same folder; if it fails, Felix deletes the cache itself
            } catch (IOException | RuntimeException e) {
                Log.warn("cannot set the old bundle cache " + cache + " aside (" + e.getMessage()
                        + "); the framework deletes it at its start");
            }
        }
        List<Path> doomed = new ArrayList<>();
        String prefix = cache.getFileName() + ASIDE;
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent, prefix + "*")) {
            siblings.forEach(doomed::add);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (doomed.isEmpty()) {
            return null;
        }
        Thread t = new Thread(() -> {
            for (Path p : doomed) {
                try {
                    deleteTree(p);
                } catch (IOException | RuntimeException e) {
                    Log.warn("cannot delete the old bundle cache " + p + ": " + e.getMessage()
                            + " (the next start tries again)");
                }
            }
        }, "ludus-cache-sweep");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Deletes a folder and what it holds, without following links out of it. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
