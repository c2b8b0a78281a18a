package dev.ludus.archive;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.junit.Test;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.CompletedGame;

public class MigrationTest {

    private static ArchiverTest.MemoryBackend filled(String name, int games) {
        ArchiverTest.MemoryBackend b = new ArchiverTest.MemoryBackend(name);
        for (int i = 0; i < games; i++) {
            CompletedGame g = Games.game(i);
            b.games.put(g.gameId(), g);
        }
        return b;
    }

    private static Migration migration(ArchiveBackend from, ArchiveBackend to, int batch, Duration pause) {
        Map<String, ArchiveBackend> byName = Map.of(from.name(), from, to.name(), to);
        return new Migration(from.name(), to.name(), byName::get, batch, pause, Duration.ofMillis(50), Clock.systemUTC());
    }

    @Test
    public void copiesEverythingExactlyAndLeavesTheSource() {
        ArchiverTest.MemoryBackend fs = filled("fs", 120);
        ArchiverTest.MemoryBackend db = new ArchiverTest.MemoryBackend("jdbc");
        Migration m = migration(fs, db, 50, Duration.ZERO);
        m.run();
        assertEquals(Migration.State.DONE, m.state());
        assertEquals(120, m.copied());
        assertEquals(120, db.games.size());
        assertEquals(120, fs.games.size());
        for (CompletedGame g : fs.games.values()) {
            assertTrue(Games.same(g, db.games.get(g.gameId())));
        }
        assertEquals("three batches", 3, db.calls.get());
    }

    @Test
    public void runningAgainCopiesNothing() {
        ArchiverTest.MemoryBackend fs = filled("fs", 40);
        ArchiverTest.MemoryBackend db = new ArchiverTest.MemoryBackend("jdbc");
        migration(fs, db, 10, Duration.ZERO).run();
        int calls = db.calls.get();
        Migration again = migration(fs, db, 10, Duration.ZERO);
        again.run();
        assertEquals(Migration.State.DONE, again.state());
        assertEquals(0, again.copied());
        assertEquals(40, again.alreadyInTarget());
        assertEquals("no writes", calls, db.calls.get());
        assertEquals(0, db.duplicates.get());
    }

    @Test
    public void aStoppedRunResumesWithWhatIsMissing() throws Exception {
        ArchiverTest.MemoryBackend fs = filled("fs", 100);
        ArchiverTest.MemoryBackend db = new ArchiverTest.MemoryBackend("jdbc");
        Migration first = migration(fs, db, 10, Duration.ofMillis(30));
        Thread t = new Thread(first);
        t.start();
        while (first.copied() < 30) {
            Thread.sleep(5);
        }
        first.stop();
        t.join(5_000);
        assertEquals(Migration.State.STOPPED, first.state());
        long copiedBefore = db.games.size();
        assertTrue(copiedBefore >= 30 && copiedBefore < 100);

        Migration second = migration(fs, db, 10, Duration.ZERO);
        second.run();
        assertEquals(Migration.State.DONE, second.state());
        assertEquals(copiedBefore, second.alreadyInTarget());
        assertEquals(100 - copiedBefore, second.copied());
        assertEquals(100, db.games.size());
        assertEquals("nothing written twice", 0, db.duplicates.get());
    }

    @Test
    public void aTargetOutageIsRetriedUntilItEnds() throws Exception {
        ArchiverTest.MemoryBackend fs = filled("fs", 30);
        ArchiverTest.MemoryBackend db = new ArchiverTest.MemoryBackend("jdbc");
        db.down = true;
        Migration m = migration(fs, db, 10, Duration.ZERO);
        Thread t = new Thread(m);
        t.start();
        // Between attempts the migration waits; during one it runs: sample it until a sample shows it
        // waiting, after a few attempts, for the reason (state and reason are read one after the
        // other, and the next attempt may begin between the two reads: such a sample is not taken).
        long deadline = System.nanoTime() + 10_000_000_000L;
        String waitingFor = null;
        while (waitingFor == null && System.nanoTime() < deadline) {
            if (m.attempts() >= 3 && m.state() == Migration.State.WAITING) {
                String reason = m.reason();
                if (m.state() == Migration.State.WAITING && reason.contains("jdbc is down")) {
                    waitingFor = reason;
                }
            }
            Thread.sleep(1);
        }
        assertTrue("seen waiting for the target, after 3 attempts; last: " + m.state() + ", " + m.reason(), waitingFor != null);
        db.down = false;
        t.join(5_000);
        assertEquals(Migration.State.DONE, m.state());
        assertEquals(30, db.games.size());
    }

    @Test
    public void sameSourceAndTargetIsRefused() {
        ArchiverTest.MemoryBackend fs = filled("fs", 3);
        Migration m = new Migration("fs", "fs", Map.<String, ArchiveBackend>of("fs", fs)::get, 10, Duration.ZERO,
                Duration.ofMillis(50), Clock.systemUTC());
        m.run();
        assertEquals(Migration.State.FAILED, m.state());
        assertTrue(m.reason(), m.reason().contains("same backend"));
        assertEquals(3, fs.games.size());
        assertEquals(0, fs.calls.get());
    }
}
