package dev.ludus.eventlog;

import static dev.ludus.eventlog.Events.text;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.WrongExpectedVersionException;

/** Many appenders at once: versions stay contiguous, nothing is lost or duplicated. */
public class ConcurrencyTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private static NewEvent tagged(String tag) {
        return new NewEvent("t", tag.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void manyThreadsOnManyStreamsAndOnOneContendedStream() throws Exception {
        Path dir = tmp.newFolder().toPath();
        int threads = 16;
        int appendsPerThread = 150;
        // The contended stream: every acknowledged version and the tag it got.
        Map<Long, String> contended = new ConcurrentHashMap<>();
        AtomicInteger conflicts = new AtomicInteger();
        Set<String> anyTags = ConcurrentHashMap.newKeySet();
        try (EventLog log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(256 << 10), Clock.systemUTC())) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < appendsPerThread; i++) {
                        // Own streams, with expected versions (multi-event appends).
                        String own = "own-" + thread + "-" + (i % 3);
                        long v = log.version(own);
                        int n = 1 + i % 4;
                        List<NewEvent> events = new ArrayList<>();
                        for (int k = 1; k <= n; k++) {
                            events.add(tagged(own + "@" + (v + k)));
                        }
                        assertEquals(v + n, log.append(own, v, events));

                        // The contended stream: read the version, append expecting it, retry on conflict.
                        String tag = "c-" + thread + "-" + i;
                        while (true) {
                            long cv = log.version("contended");
                            try {
                                long got = log.append("contended", cv, List.of(tagged(tag)));
                                assertEquals(cv + 1, got);
                                assertTrue("version acknowledged twice", contended.putIfAbsent(got, tag) == null);
                                break;
                            } catch (WrongExpectedVersionException e) {
                                conflicts.incrementAndGet();
                            }
                        }

                        // ANY, asynchronously.
                        String anyTag = "a-" + thread + "-" + i;
                        log.appendAsync("any", EventStore.ANY, List.of(tagged(anyTag)))
                                .thenRun(() -> anyTags.add(anyTag));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            // Wait for the last async appends: a sync append queued after them completes after them.
            log.append("barrier", EventStore.NO_STREAM, List.of(tagged("b")));
            assertTrue("appends shared fsyncs: " + log.stats(), log.stats().maxGroupEvents() > 1);
            verify(log, threads, appendsPerThread, contended, anyTags);
        }
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC())) {
            verify(log, threads, appendsPerThread, contended, anyTags);
        }
        assertTrue("the contended stream really was contended", conflicts.get() > 0);
    }

    private static void verify(EventLog log, int threads, int appendsPerThread, Map<Long, String> contended,
                               Set<String> anyTags) {
        for (int t = 0; t < threads; t++) {
            for (int s = 0; s < 3; s++) {
                String own = "own-" + t + "-" + s;
                List<RecordedEvent> events = log.read(own, 1, Integer.MAX_VALUE);
                assertEquals(log.version(own), events.size());
                for (int i = 0; i < events.size(); i++) {
                    assertEquals(i + 1, events.get(i).version());
                    assertEquals(own + "@" + (i + 1), text(events.get(i).data()));
                }
            }
        }
        List<RecordedEvent> c = log.read("contended", 1, Integer.MAX_VALUE);
        assertEquals(threads * appendsPerThread, c.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < c.size(); i++) {
            RecordedEvent e = c.get(i);
            assertEquals("contiguous, no gaps", i + 1, e.version());
            assertEquals("the tag acknowledged for this version", contended.get(e.version()), text(e.data()));
            assertTrue("no duplicates", seen.add(text(e.data())));
        }
        List<RecordedEvent> any = log.read("any", 1, Integer.MAX_VALUE);
        assertEquals(threads * appendsPerThread, any.size());
        Set<String> anySeen = new HashSet<>();
        for (RecordedEvent e : any) {
            assertTrue("no duplicates", anySeen.add(text(e.data())));
        }
        assertEquals(anyTags, anySeen);
    }

    @Test
    public void boundedAsyncAppendersFromManyThreadsKeepEachStreamInOrder() throws Exception {
        Path dir = tmp.newFolder().toPath();
        int streams = 50;
        int perStream = 200;
        try (EventLog log = EventLog.open(dir, LogSettings.defaults(), Clock.systemUTC())) {
            Semaphore inFlight = new Semaphore(256);
            // Per stream, appendAsync calls are made in version order with expected versions, without
            // waiting for each other: completion in order makes every one of them succeed.
            Thread[] producers = new Thread[4];
            AtomicInteger failures = new AtomicInteger();
            CountDownLatch all = new CountDownLatch(streams * perStream);
            for (int p = 0; p < producers.length; p++) {
                int producer = p;
                producers[p] = new Thread(() -> {
                    for (int v = 1; v <= perStream; v++) {
                        for (int s = producer; s < streams; s += producers.length) {
                            inFlight.acquireUninterruptibly();
                            String stream = "st-" + s;
                            log.appendAsync(stream, v - 1, List.of(tagged(stream + "@" + v))).whenComplete((r, e) -> {
                                if (e != null) {
                                    failures.incrementAndGet();
                                }
                                inFlight.release();
                                all.countDown();
                            });
                        }
                    }
                });
                producers[p].start();
            }
            assertTrue(all.await(120, TimeUnit.SECONDS));
            assertEquals(0, failures.get());
            for (int s = 0; s < streams; s++) {
                List<RecordedEvent> events = log.read("st-" + s, 1, Integer.MAX_VALUE);
                assertEquals(perStream, events.size());
                for (RecordedEvent e : events) {
                    assertEquals("st-" + s + "@" + e.version(), text(e.data()));
                }
            }
            assertTrue("grouped: " + log.stats(), log.stats().meanGroupEvents() > 2);
        }
    }
}
