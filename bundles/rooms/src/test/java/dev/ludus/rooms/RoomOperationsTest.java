package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * An operator pauses, resumes and ends rooms ({@code RoomOperations}): each is a record of the
 * room's stream, so it holds across snapshots, restarts and crashes, and each reaches the players
 * as events.
 */
public class RoomOperationsTest {

    private final MemoryEventStore events = new MemoryEventStore();
    private final TurnGame game = new TurnGame("count", 2);
    private final List<RoomRuntime> runtimes = new ArrayList<>();

    @After
    public void tearDown() {
        runtimes.stream().filter(r -> r.context().active).forEach(RoomRuntime::deactivate);
    }

    private RoomRuntime runtime(long botThink, boolean snapshots) {
        return runtime(new RoomRuntime(), botThink, snapshots);
    }

    private RoomRuntime runtime(RoomRuntime r, long botThink, boolean snapshots) {
        r.bindGame(game);
        r.bindEventStore(events);
        if (snapshots) {
            r.bindSnapshotStore(events);
        }
        r.activate(RoomRuntimeTest.config(Map.of("snapshotEvery", 50, "botThinkMillis", botThink)));
        runtimes.add(r);
        return r;
    }

    /** A started count game of Ann and Bob, both connected. */
    private static RoomInfo annAndBob(RoomRuntime r) throws InterruptedException {
        return RoomRuntimeTest.twoConnectedPlayers(r, Map.of("target", "1000"));
    }

    private static String mover(RoomRuntime r, String roomId) {
        return RoomRuntimeTest.mover(r, roomId);
    }

    private static ActionResult add(RoomRuntime r, String room, String player) throws Exception {
        return r.act(room, player, "add", Map.of("n", 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The code an action was refused with at room level. */
    private static String actRefusal(RoomRuntime r, String room, String player) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> add(r, room, player));
        return e.getCause() instanceof RoomException re ? re.code() : e.getCause().toString();
    }

    private static String refusal(Runnable call) {
        return assertThrows(RoomException.class, call::run).code();
    }

    private String lastType(String roomId) {
        List<String> types = events.types("room-" + roomId);
        return types.get(types.size() - 1);
    }

    /** The data of the room's latest record of {@code type} (a bot may have moved since). */
    private String lastOfType(String roomId, String type) {
        List<String> types = events.types("room-" + roomId);
        for (int i = types.size() - 1; i >= 0; i--) {
            if (types.get(i).equals(type)) {
                return new String(events.read("room-" + roomId, i + 1, 1).get(0).data(), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no " + type + " record in room " + roomId + ": " + types);
    }

    @Test
    public void whileAnOperatorPausesTheGameActionsAreRefusedAndResumeLetsThemIn() throws Exception {
        RoomRuntime r = runtime(600_000, true);
        RoomInfo room = annAndBob(r);
        String id = room.roomId();
        List<RoomEvent> annSees = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(id, "ann", annSees::add);

        RoomInfo paused = r.pause(id, "  checking a report ", "admin");
        assertEquals(RoomState.PAUSED, paused.state());
        assertEquals("checking a report", paused.pauseReason());
        assertEquals("admin", paused.pausedBy());
        assertTrue(paused.operatorPaused());
        assertEquals(paused, r.get(id).orElseThrow());
        assertEquals("operator_paused", lastType(id));
        long v = events.version("room-" + id);

        String mover = mover(r, id);
        assertEquals(RoomException.ROOM_PAUSED, actRefusal(r, id, mover));
        assertEquals("pausing twice is refused", RoomException.ROOM_PAUSED, refusal(() -> r.pause(id, "again", "eve")));
        assertEquals("nothing was stored while paused", v, events.version("room-" + id));
        r.settle();
        RoomEvent pausedEvent = annSees.stream().filter(e -> e.type().equals("game_paused")).findFirst().orElseThrow();
        assertEquals(Map.of("reason", "checking a report", "by", "admin"), pausedEvent.data());
        assertTrue("the room's new state went out", annSees.stream().anyMatch(e -> e.type().equals("room_changed")
                && ((RoomInfo) e.data().get("room")).pausedBy().equals("admin")));

        RoomInfo resumed = r.resume(id, "admin");
        assertEquals(RoomState.PLAYING, resumed.state());
        assertEquals("", resumed.pausedBy());
        assertEquals("", resumed.pauseReason());
        assertEquals("operator_resumed", lastType(id));
        assertEquals(RoomException.NOT_PAUSED, refusal(() -> r.resume(id, "admin")));
        assertTrue(add(r, id, mover) instanceof ActionResult.Accepted);
        r.settle();
        assertEquals(Map.of("by", "admin"), annSees.stream().filter(e -> e.type().equals("game_resumed"))
                .findFirst().orElseThrow().data());
    }

    @Test
    public void anOperatorRemovesAPlayerABotTakesTheSeatAndTheStreamSaysWhoAndWhy() throws Exception {
        RoomRuntime r = runtime(10, true);
        RoomInfo room = annAndBob(r);
        String id = room.roomId();
        RoomInfo after = r.removePlayer(id, "bob", " cheating ", "admin");
        assertEquals(-1, after.seatOf("bob"));
        assertTrue("a bot plays Bob's seat", after.seats().get(1).bot());
        // The bot that took the seat may have moved already: the seat's record, not the stream's last.
        String data = lastOfType(id, "seat");
        assertTrue(data, data.contains("\"reason\":\"cheating\"") && data.contains("\"by\":\"admin\""));
        // A player who leaves by themselves leaves no reason or operator on the record.
        r.leave(id, "ann");
        String own = lastOfType(id, "seat");
        assertFalse(own, own.contains("\"by\"") || own.contains("\"reason\""));
        assertEquals(RoomException.NOT_IN_ROOM, refusal(() -> r.removePlayer(id, "bob", "again", "admin")));
        // The bots play on in both seats.
        long v = events.version("room-" + id);
        long end = System.currentTimeMillis() + 10_000;
        while (events.version("room-" + id) < v + 4 && System.currentTimeMillis() < end) {
            Thread.sleep(20);
        }
        assertTrue("the bots play on", events.version("room-" + id) >= v + 4);
        assertEquals(RoomState.PLAYING, r.get(id).orElseThrow().state());
    }

    @Test
    public void botsAndTheGamesTimersStandStillWhilePausedAndGoOnAfter() throws Exception {
        RoomRuntime r = runtime(20, true);
        RoomInfo room = r.create("count", "bots", Map.of("target", "100000", "turnMillis", "30"));
        String id = room.roomId();
        r.start(id); // both seats go to bots
        String stream = "room-" + id;
        long started = events.version(stream);
        waitFor(() -> events.version(stream) > started + 3);
        r.pause(id, "look", "admin");
        long v = events.version(stream);
        Thread.sleep(500); // without the pause, a dozen moves
        assertEquals("no bot moved and no timer fired", v, events.version(stream));
        r.resume(id, "admin");
        waitFor(() -> events.version(stream) > v + 3);
    }

    @Test
    public void afterAResumeDeadlinesCountFromTheResumeNotFromBeforeThePause() throws Exception {
        RoomRuntimeTest.HandClock clock = new RoomRuntimeTest.HandClock(1_800_000_000_000L);
        RoomRuntime r = new RoomRuntime();
        r.context().clock = clock;
        runtime(r, 60_000, true);
        RoomInfo room = annAndBob(r);
        String id = room.roomId();
        r.setConnected(id, "ann", false);
        r.setConnected(id, "bob", false);
        r.pause(id, "look", "admin");
        assertNull("nothing armed while paused", armed(r, id));
        clock.advance(3_600_000);
        long resumedAt = clock.millis();
        r.resume(id, "admin");
        Wake w = armed(r, id);
        assertEquals("the bot's move counts from the resume", resumedAt + 60_000, w.at());
    }

    private static Wake armed(RoomRuntime r, String roomId) throws Exception {
        LiveRoom live = r.context().rooms.get(roomId);
        CompletableFuture<Wake> f = new CompletableFuture<>();
        live.steps.run(() -> f.complete(live.wake));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    public void thePauseSurvivesASnapshotARestartAGameBundleSwapAndACrash() throws Exception {
        RoomRuntime first = runtime(600_000, true);
        RoomInfo room = annAndBob(first);
        String id = room.roomId();
        String stream = "room-" + id;
        assertTrue(add(first, id, mover(first, id)) instanceof ActionResult.Accepted);
        first.pause(id, "under review", "admin");
        first.deactivate(); // takes a snapshot at the pause's version
        runtimes.remove(first);
        assertEquals(events.version(stream), events.latest(stream).orElseThrow().version());
        assertTrue("the snapshot's header carries the pause", new String(events.latest(stream).orElseThrow().data(),
                StandardCharsets.ISO_8859_1).contains("\"operatorPause\":{\"reason\":\"under review\",\"by\":\"admin\"}"));

        RoomRuntime second = runtime(600_000, true);
        waitFor(() -> second.get(id).isPresent());
        RoomInfo restored = second.get(id).orElseThrow();
        assertEquals(RoomState.PAUSED, restored.state());
        assertEquals("under review", restored.pauseReason());
        assertEquals("admin", restored.pausedBy());
        assertEquals(RoomException.ROOM_PAUSED, actRefusal(second, id, "ann"));

        // The game's bundle goes and comes back: the room is rebuilt, and still an operator's to resume.
        List<RoomEvent> seen = Collections.synchronizedList(new ArrayList<>());
        second.subscribe(id, "ann", seen::add);
        second.unbindGame(game);
        second.bindGame(game);
        second.settle();
        assertEquals("admin", second.get(id).orElseThrow().pausedBy());
        assertFalse("nobody was told the game resumed", seen.stream().anyMatch(e -> e.type().equals("game_resumed")));
        assertEquals(RoomException.ROOM_PAUSED, actRefusal(second, id, "ann"));

        second.halt(); // a crash; and the next runtime replays the records alone, without snapshots
        RoomRuntime third = runtime(600_000, false);
        waitFor(() -> third.get(id).isPresent());
        assertEquals(RoomState.PAUSED, third.get(id).orElseThrow().state());
        assertEquals("admin", third.get(id).orElseThrow().pausedBy());
        assertEquals(RoomException.ROOM_PAUSED, actRefusal(third, id, "ann"));
        third.resume(id, "ops");
        assertTrue(add(third, id, mover(third, id)) instanceof ActionResult.Accepted);
    }

    @Test
    public void anOperatorEndsAPausedGameItsPlayersAreToldWhyAndItIsArchived() throws Exception {
        RoomRuntime r = runtime(600_000, true);
        List<CompletedGame> archived = Collections.synchronizedList(new ArrayList<>());
        r.bindArchive(new RoomRuntimeTest.RecordingArchive(archived));
        RoomInfo room = annAndBob(r);
        String id = room.roomId();
        assertTrue(add(r, id, mover(r, id)) instanceof ActionResult.Accepted);
        List<RoomEvent> bobSees = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(id, "bob", bobSees::add);
        r.pause(id, "looking", "admin");

        RoomInfo ended = r.end(id, "table flipped", "admin");
        assertEquals(RoomState.FINISHED, ended.state());
        assertEquals("", ended.pausedBy());
        r.settle();
        RoomEvent over = bobSees.stream().filter(e -> e.type().equals("game_over")).findFirst().orElseThrow();
        assertEquals("table flipped", over.data().get("reason"));
        assertEquals("admin", over.data().get("endedBy"));
        assertEquals("the game's result so far", 1, ((Number) ((Map<?, ?>) over.data().get("result")).get("total"))
                .intValue());
        assertEquals(Map.of("total", 1, "winner", -1).keySet(), ((Map<?, ?>) over.data().get("result")).keySet());

        waitFor(() -> archived.size() == 1 && events.types("room-" + id).contains("archived"));
        String record = new String(archived.get(0).record(), StandardCharsets.UTF_8);
        assertTrue(record, record.contains("\"type\":\"ended\"") && record.contains("table flipped"));
        assertEquals(RoomException.GAME_OVER, actRefusal(r, id, "ann"));
        assertEquals(RoomException.GAME_OVER, refusal(() -> r.end(id, "again", "admin")));
        assertEquals(RoomException.GAME_OVER, refusal(() -> r.pause(id, "again", "admin")));
        assertEquals(RoomException.GAME_OVER, refusal(() -> r.resume(id, "admin")));
        assertEquals("the view shows the result", 1, ((Number) ((Map<?, ?>) r.view(id, "ann").get("result"))
                .get("total")).intValue());
    }

    @Test
    public void badOperatorInputIsRefusedWithACodeAndChangesNothing() throws Exception {
        RoomRuntime r = runtime(600_000, true);
        RoomInfo playing = annAndBob(r);
        RoomInfo waiting = r.create("count", "w", Map.of());
        String p = playing.roomId();
        String w = waiting.roomId();
        long pv = events.version("room-" + p);
        long wv = events.version("room-" + w);

        assertEquals(RoomException.NO_SUCH_ROOM, refusal(() -> r.pause("nope", "x", "admin")));
        assertEquals(RoomException.NO_SUCH_ROOM, refusal(() -> r.resume("nope", "admin")));
        assertEquals(RoomException.NO_SUCH_ROOM, refusal(() -> r.end("nope", "x", "admin")));
        for (String reason : new String[] {null, "", "   ", "a\nb", "tab\there", "\u202ereversed", "x".repeat(201)}) {
            assertEquals(String.valueOf(reason), RoomException.BAD_OPTIONS, refusal(() -> r.pause(p, reason, "admin")));
            assertEquals(String.valueOf(reason), RoomException.BAD_OPTIONS, refusal(() -> r.end(p, reason, "admin")));
            assertEquals(String.valueOf(reason), RoomException.BAD_OPTIONS,
                    refusal(() -> r.removePlayer(p, "ann", reason, "admin")));
        }
        assertEquals(RoomException.NOT_IN_ROOM, refusal(() -> r.removePlayer(p, "eve", "x", "admin")));
        assertEquals(RoomException.NO_SUCH_ROOM, refusal(() -> r.removePlayer("nope", "ann", "x", "admin")));
        for (String by : new String[] {null, " ", "ad\u0007min", "ad\u2066min", "x".repeat(101)}) {
            assertEquals(String.valueOf(by), RoomException.BAD_OPTIONS, refusal(() -> r.pause(p, "ok", by)));
            assertEquals(String.valueOf(by), RoomException.BAD_OPTIONS, refusal(() -> r.resume(p, by)));
            assertEquals(String.valueOf(by), RoomException.BAD_OPTIONS, refusal(() -> r.end(p, "ok", by)));
        }
        assertEquals(RoomException.NOT_PAUSED, refusal(() -> r.resume(p, "admin")));
        assertEquals(RoomException.NOT_STARTED, refusal(() -> r.pause(w, "x", "admin")));
        assertEquals(RoomException.NOT_STARTED, refusal(() -> r.end(w, "x", "admin")));
        assertEquals(RoomException.NOT_PAUSED, refusal(() -> r.resume(w, "admin")));

        assertEquals(pv, events.version("room-" + p));
        assertEquals(wv, events.version("room-" + w));
        assertEquals(RoomState.PLAYING, r.get(p).orElseThrow().state());
        assertEquals(RoomState.WAITING, r.get(w).orElseThrow().state());
        assertEquals("a reason of 200 characters is taken", RoomState.PAUSED, r.pause(p, "x".repeat(200), "admin").state());
    }

    private static void waitFor(Callable<Boolean> c) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (c.call()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in 20 s");
    }
}
