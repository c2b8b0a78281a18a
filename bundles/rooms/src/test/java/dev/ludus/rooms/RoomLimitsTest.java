package dev.ludus.rooms;

import static dev.ludus.rooms.RoomRuntimeTest.waitFor;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.ArgumentType;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.store.memory.MemoryGameStore;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/** The limits that keep hostile or careless players from filling the lobby, the log or the archive queue. */
public class RoomLimitsTest {

    private final MemoryEventStore events = new MemoryEventStore();
    private final TurnGame game = new TurnGame("count", 2);
    private final List<RoomRuntime> runtimes = new ArrayList<>();

    private RoomRuntime runtime(Map<String, Object> settings) {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(RoomRuntimeTest.config(settings));
        runtimes.add(r);
        return r;
    }

    @After
    public void tearDown() {
        runtimes.forEach(RoomRuntime::deactivate);
    }

    private static ActionResult act(RoomRuntime r, String room, String player, String type, Map<String, Object> args)
            throws Exception {
        return r.act(room, player, type, args).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static String mover(RoomRuntime r, String roomId) {
        Map<?, ?> g = (Map<?, ?>) r.view(roomId, "ann").get("game");
        return ((Number) g.get("turn")).intValue() == 0 ? "ann" : "bob";
    }

    private static RoomInfo started(RoomRuntime r, Map<String, String> options) {
        RoomInfo room = r.create("count", "t", options, "ann");
        r.join(room.roomId(), "ann", "Ann");
        r.join(room.roomId(), "bob", "Bob");
        r.start(room.roomId());
        return room;
    }

    @Test
    public void aPlayerMayHaveOnlySoManyOpenRoomsAndGetsAStableCode() throws Exception {
        // Bots move at once, also for Eve, who never connects: her finished room comes quickly.
        RoomRuntime r = runtime(Map.of("maxOpenRoomsPerPlayer", 2, "botThinkMillis", 0L, "disconnectGraceSeconds", 0));
        RoomInfo first = r.create("count", "a", Map.of(), "eve");
        r.create("count", "b", Map.of(), "eve");
        RoomException e = assertThrows(RoomException.class, () -> r.create("count", "c", Map.of(), "eve"));
        assertEquals("too_many_rooms", e.code());
        assertEquals("a refusal creates nothing", 2, r.list().size());
        r.create("count", "for ann", Map.of(), "ann"); // others are not affected
        // Concurrent creations of one player cannot slip past the cap together.
        List<Thread> threads = new ArrayList<>();
        AtomicInteger made = new AtomicInteger();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    r.create("count", "x", Map.of(), "mallory");
                    made.incrementAndGet();
                } catch (RoomException refused) {
                    // expected for all but two
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(2, made.get());
        // A finished room no longer counts.
        r.join(first.roomId(), "eve", "Eve");
        r.addBot(first.roomId());
        r.start(first.roomId());
        waitFor(() -> r.get(first.roomId()).orElseThrow().state() == RoomState.FINISHED);
        r.create("count", "c", Map.of(), "eve");
    }

    @Test
    public void aRoomNobodySitsInOrWhoseSeatedPlayersLeftBeforeTheGameIsClosedDurablyAndDoesNotComeBackAfterARestart() throws Exception {
        RoomRuntime r = runtime(Map.of("emptyRoomSeconds", 1, "botThinkMillis", 600_000L));
        MemoryGameStore store = new MemoryGameStore();
        r.bindGameStore(store);
        RoomInfo empty = r.create("count", "empty", Map.of());
        RoomInfo bots = r.create("count", "bots only", Map.of());
        r.addBot(bots.roomId());
        r.start(bots.roomId());
        RoomInfo seated = r.create("count", "seated", Map.of());
        r.join(seated.roomId(), "ann", "Ann");
        r.setConnected(seated.roomId(), "ann", true);
        // A player who sat down and went away before the game (closed the page): the room is nobody's.
        RoomInfo left = r.create("count", "left", Map.of());
        r.join(left.roomId(), "bob", "Bob");
        r.setConnected(left.roomId(), "bob", true);
        r.setConnected(left.roomId(), "bob", false);
        long lobbyBefore = r.lobbyVersion();
        waitFor(() -> r.get(empty.roomId()).isEmpty() && r.get(bots.roomId()).isEmpty() && r.get(left.roomId()).isEmpty());
        assertEquals("closed", events.types("room-" + empty.roomId()).get(events.types("room-" + empty.roomId()).size() - 1));
        assertEquals("closed", events.types("room-" + bots.roomId()).get(events.types("room-" + bots.roomId()).size() - 1));
        assertTrue("the lobby moved", r.lobbyVersion() > lobbyBefore);
        assertEquals(List.of(seated.roomId()), r.list(RoomQuery.first(10)).rooms().stream().map(RoomInfo::roomId).toList());
        assertTrue("its store entry is gone", store.get("room:" + empty.roomId()).isEmpty());
        assertEquals("closed", events.types("room-" + left.roomId()).get(events.types("room-" + left.roomId()).size() - 1));
        assertEquals(3L, ((Number) r.check().details().get("closedEmptyRooms")).longValue());
        Thread.sleep(1500);
        assertTrue("a room someone sits in stays", r.get(seated.roomId()).isPresent());
        // Ann away too, and back before the time is up: the room stays hers.
        r.setConnected(seated.roomId(), "ann", false);
        Thread.sleep(500);
        r.setConnected(seated.roomId(), "ann", true);
        Thread.sleep(1500);
        assertTrue("a player back in time keeps the room", r.get(seated.roomId()).isPresent());

        r.deactivate();
        runtimes.remove(r);
        RoomRuntime again = runtime(Map.of("emptyRoomSeconds", 600));
        waitFor(() -> again.get(seated.roomId()).isPresent());
        again.settle();
        assertTrue(again.get(empty.roomId()).isEmpty());
        assertTrue(again.get(bots.roomId()).isEmpty());
    }

    @Test
    public void argumentsBeyondTheLimitsOrNotDeclaredAreRefusedAndNeverStored() throws Exception {
        RoomRuntime r = runtime(Map.of("maxArgumentDepth", 4, "maxArgumentBytes", 256));
        RoomInfo room = started(r, Map.of("target", "100"));
        String stream = "room-" + room.roomId();
        String mover = mover(r, room.roomId());
        long before = events.version(stream);

        Object deep = 1;
        for (int i = 0; i < 1000; i++) {
            deep = List.of(deep);
        }
        ActionResult tooDeep = act(r, room.roomId(), mover, "add", Map.of("n", 1, "x", deep));
        assertEquals("bad_arguments", ((ActionResult.Rejected) tooDeep).code());
        ActionResult tooBig = act(r, room.roomId(), mover, "add", Map.of("n", 1, "x", "y".repeat(300)));
        assertEquals("bad_arguments", ((ActionResult.Rejected) tooBig).code());
        assertEquals("nothing was appended", before, events.version(stream));

        // Without a declaration, extra keys within the limits reach the engine.
        assertTrue(act(r, room.roomId(), mover, "add", Map.of("n", 1, "junk", "a")) instanceof ActionResult.Accepted);
        before = events.version(stream);
        game.declare(List.of(ActionSpec.of("add", "n", ArgumentType.INTEGER)));
        String next = mover(r, room.roomId());
        ActionResult junk = act(r, room.roomId(), next, "add", Map.of("n", 1, "junk", "a"));
        assertEquals("bad_arguments", ((ActionResult.Rejected) junk).code());
        ActionResult wrongKind = act(r, room.roomId(), next, "add", Map.of("n", "one"));
        assertEquals("bad_arguments", ((ActionResult.Rejected) wrongKind).code());
        ActionResult unknown = act(r, room.roomId(), next, "cheat", Map.of());
        assertEquals("unknown_action", ((ActionResult.Rejected) unknown).code());
        assertEquals("nothing was appended", before, events.version(stream));
        assertTrue(act(r, room.roomId(), next, "add", Map.of("n", 2)) instanceof ActionResult.Accepted);
        game.declare(List.of());
    }

    /** An archive that refuses every game, the way a record it can never read would be refused. */
    static final class RefusingArchive implements ArchiveService {
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicBoolean accept = new AtomicBoolean();
        final List<CompletedGame> accepted = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void submit(CompletedGame game) {
            attempts.incrementAndGet();
            if (!accept.get()) {
                throw new ArchiveException("invalid_game", "record nested too deep", null);
            }
            accepted.add(game);
        }

        @Override public Optional<CompletedGame> find(String gameId) { return Optional.empty(); }
        @Override public List<CompletedGame> query(ArchiveQuery query) { return List.of(); }
        @Override public ArchiveStatus status() {
            return new ArchiveStatus(Optional.empty(), 0, Optional.empty(), 0, 0, Optional.empty());
        }
    }

    @Test
    public void aHandOverThatKeepsFailingIsQuarantinedDurablyShownInHealthAndRetriedOnDemand() throws Exception {
        Map<String, Object> settings = new HashMap<>(Map.of("botThinkMillis", 0L, "archiveQuarantineAfter", 3));
        RoomRuntime r = runtime(settings);
        RefusingArchive archive = new RefusingArchive();
        r.bindArchive(archive);
        RoomInfo room = r.create("count", "bots", Map.of("target", "20"));
        r.start(room.roomId());
        String stream = "room-" + room.roomId();
        waitFor(() -> events.types(stream).contains("quarantined"));
        int attempts = archive.attempts.get();
        assertTrue(attempts >= 3);
        Thread.sleep(2500); // two retry rounds
        assertEquals("no retries once quarantined", attempts, archive.attempts.get());
        assertEquals("DEGRADED", r.check().status().name());
        assertTrue(r.check().reason().contains(room.roomId()));

        // Kept across a restart, still not retried by itself.
        r.deactivate();
        runtimes.remove(r);
        RoomRuntime again = runtime(settings);
        again.bindArchive(archive);
        waitFor(() -> again.get(room.roomId()).isPresent());
        again.settle();
        Thread.sleep(1500);
        assertEquals(attempts, archive.attempts.get());
        assertEquals("DEGRADED", again.check().status().name());

        // An operator fixes the cause and asks for a retry.
        archive.accept.set(true);
        settings.put("archiveRetryQuarantined", 1);
        again.modified(RoomRuntimeTest.config(settings));
        waitFor(() -> events.types(stream).contains("archived"));
        assertEquals(1, archive.accepted.size());
        again.bindBus(new GameAnnouncerTest.RecordingBus()); // without a bus the runtime is DEGRADED for that
        waitFor(() -> "UP".equals(again.check().status().name()));
    }

    @Test
    public void aFinishedRoomStaysVisibleToItsPlayersUntilTheyLeaveIt() throws Exception {
        RoomRuntime r = runtime(Map.of("botThinkMillis", 0L, "finishedRoomSeconds", 600, "disconnectGraceSeconds", 0));
        r.bindArchive(new RoomRuntimeTest.RecordingArchive(Collections.synchronizedList(new ArrayList<>())));
        RoomInfo room = r.create("count", "t", Map.of("target", "10"));
        r.join(room.roomId(), "ann", "Ann");
        r.addBot(room.roomId());
        r.start(room.roomId());
        waitFor(() -> events.types("room-" + room.roomId()).contains("archived"));
        r.settle();
        List<RoomInfo> anns = r.roomsOf("ann");
        assertEquals(1, anns.size());
        assertEquals(RoomState.FINISHED, anns.get(0).state());
        assertTrue("the result is in the view", r.view(room.roomId(), "ann").containsKey("result"));
        assertFalse("finished rooms are not in the lobby", r.list(RoomQuery.first(10)).rooms().stream()
                .anyMatch(i -> i.roomId().equals(room.roomId())));
        Object result = r.view(room.roomId(), "ann").get("result");

        // After a restart within finishedRoomSeconds, the room and its result are still there.
        r.deactivate();
        runtimes.remove(r);
        RoomRuntime again = runtime(Map.of("finishedRoomSeconds", 600));
        waitFor(() -> again.get(room.roomId()).isPresent());
        again.settle();
        assertEquals(RoomState.FINISHED, again.roomsOf("ann").get(0).state());
        assertEquals(result, again.view(room.roomId(), "ann").get("result"));
        assertEquals("game_over", assertThrows(RoomException.class, () -> again.leave(room.roomId(), "ann")).code());
        assertEquals(List.of(), again.roomsOf("ann"));

        // Past that time it is not rebuilt: the game is in the archive.
        again.deactivate();
        runtimes.remove(again);
        RoomRuntime later = runtime(Map.of("finishedRoomSeconds", 0));
        waitFor(() -> ((Number) later.check().details().get("recoveryMillis")).longValue() >= 0);
        later.settle();
        assertTrue(later.get(room.roomId()).isEmpty());
    }

    @Test
    public void actionsDoNotMoveTheLobbyVersionButSeatChangesDo() throws Exception {
        RoomRuntime r = runtime(Map.of());
        RoomInfo room = started(r, Map.of("target", "100"));
        long v = r.lobbyVersion();
        for (int i = 0; i < 5; i++) {
            assertTrue(act(r, room.roomId(), mover(r, room.roomId()), "add", Map.of("n", 1)) instanceof ActionResult.Accepted);
        }
        assertEquals(v, r.lobbyVersion());
        r.setConnected(room.roomId(), "ann", true);
        r.settle();
        assertTrue(r.lobbyVersion() > v);
    }
}
