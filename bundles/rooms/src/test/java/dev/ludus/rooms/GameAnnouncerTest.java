package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.Published;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/** Finished games announced on the bus as {@code game.finished}: once, durably recorded, retried, after a restart. */
public class GameAnnouncerTest {

    private final MemoryEventStore events = new MemoryEventStore();
    private final TurnGame game = new TurnGame("count", 2);
    private final List<RoomRuntime> runtimes = new ArrayList<>();

    /** A bus that records what it acknowledges, and refuses while {@link #down} is set. */
    static final class RecordingBus implements MessageBus {
        final List<OutgoingMessage> all = Collections.synchronizedList(new ArrayList<>());
        /** The game.finished messages among them. */
        final List<OutgoingMessage> published = new java.util.AbstractList<>() {
            @Override
            public OutgoingMessage get(int i) {
                return finished().get(i);
            }

            @Override
            public int size() {
                return finished().size();
            }
        };

        private List<OutgoingMessage> finished() {
            synchronized (all) {
                return all.stream().filter(m -> m.topic().equals("game.finished")).toList();
            }
        }
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public CompletionStage<Published> publish(OutgoingMessage m) {
            if (down.get()) {
                refused.incrementAndGet();
                return CompletableFuture.failedFuture(new BusException("bus_unavailable", "down for the test", null));
            }
            all.add(m);
            return CompletableFuture.completedFuture(new Published(m.id(), m.topic(), all.size()));
        }

        @Override public List<DeadLetter> deadLetters(String group, int max) { return List.of(); }
        @Override public CompletionStage<Integer> replay(String g, Collection<String> ids, String op) {
            return CompletableFuture.completedFuture(0);
        }
        @Override public CompletionStage<Integer> discard(String g, Collection<String> ids, String op) {
            return CompletableFuture.completedFuture(0);
        }
        @Override public BusStatus status() { return new BusStatus("test", true, "", List.of()); }
    }

    private RoomRuntime runtime(MessageBus bus) {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        if (bus != null) {
            r.bindBus(bus);
        }
        r.activate(RoomRuntimeTest.config(1000, 0));
        runtimes.add(r);
        return r;
    }

    /** A runtime with the bus given and an archive that records what it is handed. */
    private RoomRuntime archivingRuntime(MessageBus bus, List<dev.ludus.api.archive.CompletedGame> submitted) {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.bindBus(bus);
        r.bindArchive(new RoomRuntimeTest.RecordingArchive(submitted));
        r.activate(RoomRuntimeTest.config(1000, 0));
        runtimes.add(r);
        return r;
    }

    @After
    public void tearDown() {
        runtimes.stream().filter(r -> r.context().active).forEach(RoomRuntime::deactivate);
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("condition not reached in 20 s");
            }
            Thread.sleep(20);
        }
    }

    private RoomInfo botGame(RoomRuntime r, String name) {
        RoomInfo room = r.create("count", name, Map.of("target", "30"));
        r.start(room.roomId());
        return room;
    }

    @Test
    public void aFinishedGameIsAnnouncedOnceWithWhatConsumersNeed() throws Exception {
        RecordingBus bus = new RecordingBus();
        RoomRuntime r = runtime(bus);
        RoomInfo room = botGame(r, "bots");
        waitFor(() -> events.types("room-" + room.roomId()).contains("announced"));
        assertEquals(1, bus.published.size());
        OutgoingMessage m = bus.published.get(0);
        assertEquals("game.finished", m.topic());
        assertEquals("game.finished:" + room.roomId(), m.id());
        assertEquals("count", m.key());
        JsonNode doc = new ObjectMapper().readTree(m.payload());
        assertEquals(room.roomId(), doc.get("roomId").asText());
        assertEquals("count", doc.get("gameType").asText());
        assertEquals(2, doc.get("players").size());
        assertTrue(doc.get("players").get(0).get("bot").asBoolean());
        assertTrue(doc.get("result").isObject());
        assertTrue(doc.hasNonNull("startedAt") && doc.hasNonNull("finishedAt"));
        Thread.sleep(1500); // a retry round must not announce it again
        assertEquals(1, bus.published.size());
    }

    @Test
    public void theAnnouncementLandingDuringTheArchiveHandOverChangesNothingTheArchiveGets() throws Exception {
        // A slow archive: the announcement is recorded while the hand-over is under way, so the
        // room's version moves past the one handed over and the hand-over is made again. Every copy
        // the archive gets must be the same game: the same records, the same completion time, the
        // same summary (its finishedAt is when the game finished, not when it was announced).
        List<dev.ludus.api.archive.CompletedGame> submitted = Collections.synchronizedList(new ArrayList<>());
        RecordingBus bus = new RecordingBus();
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.bindBus(bus);
        r.bindArchive(new RoomRuntimeTest.RecordingArchive(submitted) {
            @Override
            public void submit(dev.ludus.api.archive.CompletedGame g) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.submit(g);
            }
        });
        r.activate(RoomRuntimeTest.config(1000, 0));
        runtimes.add(r);
        RoomInfo room = botGame(r, "slow archive");
        waitFor(() -> events.types("room-" + room.roomId()).contains("archived"));
        assertTrue(events.types("room-" + room.roomId()).contains("announced"));
        assertTrue("handed over at least once", !submitted.isEmpty());
        dev.ludus.api.archive.CompletedGame first = submitted.get(0);
        String record = new String(first.record(), java.nio.charset.StandardCharsets.UTF_8);
        assertFalse("no bookkeeping in the game's record: " + record, record.contains("\"announced\"")
                || record.contains("\"archived\""));
        for (dev.ludus.api.archive.CompletedGame g : submitted) {
            assertEquals(first.completedAt(), g.completedAt());
            assertEquals("every copy the same record", record, new String(g.record(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    public void aBusThatRefusesIsAskedAgainUntilItTakesTheGame() throws Exception {
        RecordingBus bus = new RecordingBus();
        bus.down.set(true);
        RoomRuntime r = runtime(bus);
        RoomInfo room = botGame(r, "bots");
        waitFor(() -> bus.refused.get() >= 2);
        assertTrue(bus.published.isEmpty());
        bus.down.set(false);
        waitFor(() -> events.types("room-" + room.roomId()).contains("announced"));
        assertEquals(1, bus.published.size());
    }

    @Test
    public void aBusThatComesAfterTheGameEndedStillGetsIt() throws Exception {
        RoomRuntime r = runtime(null);
        RoomInfo room = botGame(r, "bots");
        waitFor(() -> r.get(room.roomId()).orElseThrow().state() == dev.ludus.api.rooms.RoomState.FINISHED);
        RecordingBus bus = new RecordingBus();
        r.bindBus(bus);
        waitFor(() -> events.types("room-" + room.roomId()).contains("announced"));
        assertEquals("game.finished:" + room.roomId(), bus.published.get(0).id());
    }

    @Test
    public void withoutABusHealthSaysFinishedGamesAreNotAnnouncedAndNamesTheFilter() throws Exception {
        RoomRuntime r = runtime(null);
        List<dev.ludus.api.archive.CompletedGame> submitted = Collections.synchronizedList(new ArrayList<>());
        r.bindArchive(new RoomRuntimeTest.RecordingArchive(submitted));
        RoomInfo room = botGame(r, "bots");
        waitFor(() -> r.get(room.roomId()).orElseThrow().state() == dev.ludus.api.rooms.RoomState.FINISHED);
        waitFor(() -> events.types("room-" + room.roomId()).contains("archived"));
        dev.ludus.api.health.HealthResult h = r.check();
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("bus.target (ludus.bus=local)") && h.reason().contains("not announced"));
        assertEquals(false, h.details().get("busBound"));

        RecordingBus bus = new RecordingBus();
        r.bindBus(bus);
        waitFor(() -> events.types("room-" + room.roomId()).contains("announced"));
        assertEquals(dev.ludus.api.health.HealthStatus.UP, r.check().status());
        assertEquals(true, r.check().details().get("busBound"));

        r.unbindBus(bus);
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, r.check().status());
    }

    @Test
    public void anAnnouncementPendingAtARestartIsMadeAfterIt() throws Exception {
        RecordingBus down = new RecordingBus();
        down.down.set(true);
        RoomRuntime first = runtime(down);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(botGame(first, "bots " + i).roomId());
        }
        waitFor(() -> ids.stream().allMatch(id -> first.get(id).orElseThrow().state()
                == dev.ludus.api.rooms.RoomState.FINISHED));
        first.deactivate();
        runtimes.remove(first);

        RecordingBus up = new RecordingBus();
        RoomRuntime second = runtime(up);
        waitFor(() -> ids.stream().allMatch(id -> events.types("room-" + id).contains("announced")));
        List<String> announced = up.published.stream().map(OutgoingMessage::id).sorted().toList();
        assertEquals(ids.stream().map(id -> "game.finished:" + id).sorted().toList(), announced);
        assertTrue(second.context().active);
    }

    @Test
    public void anArchivedGameWhoseAnnouncementIsPendingAtARestartIsAnnouncedAfterItWithItsOwnEnd() throws Exception {
        // A node stopped (drained) right after games ended: archived, not yet announced. The next
        // start must announce them, with when they finished, and never take them for an hour old.
        RecordingBus down = new RecordingBus();
        down.down.set(true);
        List<dev.ludus.api.archive.CompletedGame> submitted = Collections.synchronizedList(new ArrayList<>());
        RoomRuntime first = archivingRuntime(down, submitted);
        long before = System.currentTimeMillis();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(botGame(first, "archived " + i).roomId());
        }
        waitFor(() -> ids.stream().allMatch(id -> events.types("room-" + id).contains("archived")));
        // At a node's stop the game bundle leaves first: every room it had is snapshotted, the
        // finished ones too, after their archived record.
        first.unbindGame(game);
        first.deactivate();
        runtimes.remove(first);

        RecordingBus up = new RecordingBus();
        archivingRuntime(up, submitted);
        waitFor(() -> ids.stream().allMatch(id -> events.types("room-" + id).contains("announced")));
        for (OutgoingMessage m : up.published) {
            JsonNode doc = new ObjectMapper().readTree(m.payload());
            long finishedAt = java.time.Instant.parse(doc.get("finishedAt").asText()).toEpochMilli();
            assertTrue("finishedAt is the game's end, not " + doc.get("finishedAt"), finishedAt >= before);
        }
        assertEquals(3, up.published.size());
    }

    @Test
    public void aRoomsLifecycleIsAnnouncedOnceEachBestEffort() throws Exception {
        RecordingBus bus = new RecordingBus();
        RoomRuntime r = runtime(bus);
        RoomInfo room = botGame(r, "bots");
        waitFor(() -> events.types("room-" + room.roomId()).contains("announced"));
        List<String> topics;
        synchronized (bus.all) {
            topics = bus.all.stream().map(OutgoingMessage::topic).toList();
        }
        assertEquals(List.of("room.created", "room.started", "game.finished"), topics);
        OutgoingMessage created = bus.all.get(0);
        assertEquals("room.created:" + room.roomId(), created.id());
        assertEquals(room.roomId(), created.key());
        assertTrue(created.payload(), created.payload().contains("\"gameType\":\"count\""));

        bus.down.set(true); // refused: not retried, and the room goes on
        RoomInfo other = botGame(r, "bots 2");
        waitFor(() -> r.get(other.roomId()).orElseThrow().state() == dev.ludus.api.rooms.RoomState.FINISHED);
        assertTrue(bus.refused.get() >= 2);
    }
}
