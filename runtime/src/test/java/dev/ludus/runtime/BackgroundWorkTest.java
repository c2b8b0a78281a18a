package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** The old bundle cache set aside and deleted beside the start, with a real Felix framework after it. */
public class BackgroundWorkTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Map<String, String> props(Path cache, String clean) {
        Map<String, String> p = new HashMap<>();
        p.put("org.osgi.framework.storage", cache.toString());
        if (clean != null) {
            p.put("org.osgi.framework.storage.clean", clean);
        }
        return p;
    }

    private static Path oldCache(Path cache) throws IOException {
        Files.createDirectories(cache.resolve("bundle1/version0.0"));
        Files.writeString(cache.resolve("bundle1/version0.0/bundle.jar"), "old");
        Files.writeString(cache.resolve("cache.lock"), "");
        return cache;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    public void theOldCacheIsSetAsideAtOnceAndDeletedOnAThreadOfItsOwn() throws Exception {
        Path data = tmp.newFolder("data").toPath();
        Path cache = oldCache(data.resolve("cache"));
        Files.writeString(data.resolve("other"), "kept");

        Thread sweep = BackgroundWork.sweepCache(props(cache, "onFirstInit"));

        assertFalse("the cache is no longer where the framework looks", Files.exists(cache));
        assertNotNull(sweep);
        assertTrue(sweep.isDaemon());
        sweep.join(10_000);
        assertEquals("only the set-aside copy goes", List.of("other"), names(data));
    }

    @Test
    public void leftoversOfAnEarlierStartAreDeletedToo() throws Exception {
        Path data = tmp.newFolder("data").toPath();
        Path cache = data.resolve("cache");
        oldCache(data.resolve("cache" + BackgroundWork.ASIDE + "123-456"));

        Thread sweep = BackgroundWork.sweepCache(props(cache, "onFirstInit"));

        assertNotNull("no cache now, but a leftover", sweep);
        sweep.join(10_000);
        assertEquals(List.of(), names(data));
    }

    @Test
    public void aCacheTheFrameworkKeepsIsLeftAlone() throws Exception {
        Path data = tmp.newFolder("data").toPath();
        Path cache = oldCache(data.resolve("cache"));
        assertNull(BackgroundWork.sweepCache(props(cache, "none")));
        assertNull(BackgroundWork.sweepCache(props(cache, null)));
        assertTrue(Files.exists(cache.resolve("bundle1/version0.0/bundle.jar")));
        Path fresh = data.resolve("fresh");
        assertNull("nothing to delete", BackgroundWork.sweepCache(props(fresh, "onFirstInit")));
    }

    @Test
    public void theFrameworkStartsOnTheEmptiedPlaceWhileTheOldCacheGoes() throws Exception {
        Path data = tmp.newFolder("data").toPath();
        Path cache = data.resolve("cache");
        Map<String, String> props = props(cache, "onFirstInit");
        Framework first = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        first.init();
        first.stop();
        first.waitForStop(10_000);
        assertTrue(Files.isDirectory(cache));

        Thread sweep = BackgroundWork.sweepCache(props);
        Framework second = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        second.init();
        try {
            assertTrue("the framework made its cache anew", Files.isDirectory(cache));
            assertNotNull(sweep);
            sweep.join(10_000);
            assertEquals(List.of("cache"), names(data));
        } finally {
            second.stop();
            second.waitForStop(10_000);
        }
    }
}
