package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.store.memory.MemoryGameStore;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

public class RoomRuntimeTest {

    private final MemoryEventStore events = new MemoryEventStore();
    private final TurnGame game = new TurnGame("count", 2);
    private final List<RoomRuntime> runtimes = new ArrayList<>();

    static RoomsConfig config(int snapshotEvery, long botThink) {
        return config(Map.of("snapshotEvery", snapshotEvery, "botThinkMillis", botThink));
    }

    /**
     * A configuration as ConfigAdmin would give it: the metatype defaults, except the test's own
     * idle time, retry period and threads, and {@code overrides} (by method name).
     */
    static RoomsConfig config(Map<String, Object> overrides) {
        Map<String, Object> values = new java.util.HashMap<>(Map.of("idleTimeoutMillis", 600_000L,
                "archiveRetrySeconds", 1, "threads", 2));
        values.putAll(overrides);
        return (RoomsConfig) java.lang.reflect.Proxy.newProxyInstance(RoomsConfig.class.getClassLoader(),
                new Class<?>[] {RoomsConfig.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "annotationType" -> RoomsConfig.class;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "RoomsConfig" + values;
                    default -> values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue();
                });
    }

    private RoomRuntime runtime(int snapshotEvery, long botThink) {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(config(snapshotEvery, botThink));
        runtimes.add(r);
        return r;
    }

    @After
    public void tearDown() {
        runtimes.stream().filter(r -> r.context().active).forEach(RoomRuntime::deactivate); // halted ones crashed
    }

    private static ActionResult add(RoomRuntime r, String room, String player, int n) throws Exception {
        return r.act(room, player, "add", Map.of("n", n)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A started two-player room with Ann and Bob. */
    private static RoomInfo twoPlayers(RoomRuntime r, Map<String, String> options) {
        RoomInfo room = r.create("count", "t", options);
        r.join(room.roomId(), "ann", "Ann");
        r.join(room.roomId(), "bob", "Bob");
        r.start(room.roomId());
        return room;
    }

    /** A started room of the given target with Ann and Bob both connected, settled. */
    private static RoomInfo twoConnectedPlayers(RoomRuntime r, String target) throws InterruptedException {
        return twoConnectedPlayers(r, Map.of("target", target));
    }

    /** The same, created with these game options. */
    static RoomInfo twoConnectedPlayers(RoomRuntime r, Map<String, String> options) throws InterruptedException {
        RoomInfo room = r.create("count", "t", options);
        r.join(room.roomId(), "ann", "Ann");
        r.join(room.roomId(), "bob", "Bob");
        r.setConnected(room.roomId(), "ann", true);
        r.setConnected(room.roomId(), "bob", true);
        r.start(room.roomId());
        r.settle();
        return room;
    }

    /** Who is to move in a count game. */
    static String mover(RoomRuntime r, String roomId) {
        Map<?, ?> g = (Map<?, ?>) r.view(roomId, "ann").get("game");
        return ((Number) g.get("turn")).intValue() == 0 ? "ann" : "bob";
    }

    private static RoomException refusal(Runnable r) {
        return assertThrows(RoomException.class, r::run);
    }

    @Test
    public void lobbyOperationsArePersistedAndBadRequestsAreRefusedWithCodes() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        assertEquals("unknown_game", refusal(() -> r.create("chess", "x", Map.of())).code());
        assertEquals("bad_options", refusal(() -> r.create("count", " ", Map.of())).code());
        assertEquals("bad_options", refusal(() -> r.create("count", "x", Map.of("target", "1"))).code());
        RoomInfo room = r.create("count", "Table 1", Map.of());
        assertEquals(RoomState.WAITING, room.state());
        assertEquals(2, room.seats().size());
        r.join(room.roomId(), "ann", "Ann");
        assertEquals("joining twice keeps the seat", 0, r.join(room.roomId(), "ann", "Ann").seatOf("ann"));
        r.addBot(room.roomId());
        assertEquals("room_full", refusal(() -> r.join(room.roomId(), "bob", "Bob")).code());
        assertEquals("bad_seat", refusal(() -> r.removeBot(room.roomId(), 0)).code());
        r.removeBot(room.roomId(), 1);
        r.join(room.roomId(), "bob", "Bob");
        assertEquals("no_such_room", refusal(() -> r.join("nope", "x", "x")).code());
        RoomInfo started = r.start(room.roomId());
        assertEquals(RoomState.PLAYING, started.state());
        assertEquals("already_started", refusal(() -> r.start(room.roomId())).code());
        assertEquals("already_started", refusal(() -> r.addBot(room.roomId())).code());
        assertEquals(List.of("room_created", "seat", "seat", "seat", "seat", "started"),
                events.types("room-" + room.roomId()));
        assertEquals(List.of(started), r.list().stream().filter(i -> i.roomId().equals(room.roomId())).toList());
    }

    /**
     * The logging context travels with the work: an action's steps (before and after its append,
     * which completes on another thread) log with the caller's {@code requestId} and
     * {@code playerId} and the room's {@code roomId}; a bot's move names its room and no request.
     */
    @Test
    public void anActionsStepsCarryTheCallersLoggingContextAndTheRoomsId() throws Exception {
        RoomRuntime r = runtime(50, 0);
        r.modified(config(Map.of("snapshotEvery", 50, "botThinkMillis", 0L, "disconnectGraceSeconds", 1)));
        RoomInfo room = twoConnectedPlayers(r, "10");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "ann", e -> seen.add(e.type() + " " + org.slf4j.MDC.get("requestId") + " "
                + org.slf4j.MDC.get("playerId") + " " + org.slf4j.MDC.get("roomId")));
        String mover = mover(r, room.roomId());
        org.slf4j.MDC.put("requestId", "c7:42");
        org.slf4j.MDC.put("playerId", mover);
        try {
            assertTrue(add(r, room.roomId(), mover, 1) instanceof ActionResult.Accepted);
        } finally {
            org.slf4j.MDC.clear();
        }
        r.settle();
        assertTrue(seen.toString(), seen.contains("added c7:42 " + mover + " " + room.roomId()));
        // Ann leaves her seat to a bot: its moves are nobody's request, but still the room's.
        seen.clear();
        r.setConnected(room.roomId(), "ann", false);
        r.setConnected(room.roomId(), "bob", false);
        // A copy to look through (toArray holds the list's lock): the bots go on adding meanwhile.
        waitFor(() -> List.copyOf(seen).stream().anyMatch(l -> l.startsWith("added ")));
        String botMove = List.copyOf(seen).stream().filter(l -> l.startsWith("added ")).findFirst().orElseThrow();
        assertEquals("added null null " + room.roomId(), botMove);
    }

    /**
     * With the node's metrics registry bound, players' actions are counted by game, declared
     * action type (anything else is "other") and result, and timed; bots' moves are counted by
     * cause; the room gauges count rooms by game and state and the people seated. When the
     * registry leaves, every series goes with it.
     */
    @Test
    public void theRuntimeRecordsItsSeriesWhileAMetricsRegistryIsBoundAndRemovesThemAfter() throws Exception {
        com.codahale.metrics.MetricRegistry registry = new com.codahale.metrics.MetricRegistry();
        game.declare(List.of(dev.ludus.api.game.ActionSpec.of("add", "n", dev.ludus.api.game.ArgumentType.INTEGER)));
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.bindMetricRegistry(registry);
        r.activate(config(Map.of("snapshotEvery", 50, "botThinkMillis", 0L, "disconnectGraceSeconds", 0)));
        runtimes.add(r);
        RoomInfo room = twoConnectedPlayers(r, "30");
        String mover = mover(r, room.roomId());
        String other = mover.equals("ann") ? "bob" : "ann";
        assertTrue(add(r, room.roomId(), mover, 1) instanceof ActionResult.Accepted);
        assertEquals("not_your_turn", ((ActionResult.Rejected) add(r, room.roomId(), mover, 1)).code());
        r.act(room.roomId(), other, "dance", Map.of()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        String labels = "bundle=\"dev.ludus.rooms\",bundle_version=\"0\"";
        // An answer is counted just after it completes (the caller may see it first).
        waitFor(() -> registry.getTimers().get("ludus_rooms_action_seconds{" + labels + ",game=\"count\"}") != null
                && registry.getTimers().get("ludus_rooms_action_seconds{" + labels + ",game=\"count\"}").getCount() == 3);
        assertEquals("a type the game does not declare is counted as other", 1, registry.counter(
                "ludus_rooms_actions{action=\"other\"," + labels + ",game=\"count\",result=\"unknown_action\"}").getCount());
        assertEquals(1, registry.counter("ludus_rooms_actions{action=\"add\"," + labels
                + ",game=\"count\",result=\"accepted\"}").getCount());
        assertEquals(1, registry.counter("ludus_rooms_actions{action=\"add\"," + labels
                + ",game=\"count\",result=\"not_your_turn\"}").getCount());
        assertEquals(2L, registry.getGauges().get("ludus_rooms_players_seated{" + labels + "}").getValue());
        assertEquals(1L, registry.getGauges().get("ludus_rooms_rooms{" + labels + ",game=\"count\",state=\"PLAYING\"}")
                .getValue());

        // Both players go: once their grace is over, bots play for them.
        r.setConnected(room.roomId(), "ann", false);
        r.setConnected(room.roomId(), "bob", false);
        waitFor(() -> registry.getCounters().keySet().stream().anyMatch(n -> n.startsWith("ludus_rooms_bot_moves{")));
        assertTrue(registry.getTimers().get("ludus_rooms_wake_lag_seconds{" + labels + "}").getCount() > 0);

        r.unbindMetricRegistry(registry);
        assertTrue(registry.getNames().toString(), registry.getNames().isEmpty());
    }

    @Test
    public void actionsAreDurableBeforeTheyAreAcknowledgedAndIllegalOnesChangeNothing() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of("target", "10"));
        List<RoomEvent> annSees = Collections.synchronizedList(new ArrayList<>());
        List<RoomEvent> bobSees = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "ann", annSees::add);
        r.subscribe(room.roomId(), "bob", bobSees::add);
        String stream = "room-" + room.roomId();
        String mover = mover(r, room.roomId());
        String other = mover.equals("ann") ? "bob" : "ann";

        ActionResult wrong = add(r, room.roomId(), other, 1);
        assertEquals("not_your_turn", ((ActionResult.Rejected) wrong).code());
        ActionResult tooMuch = add(r, room.roomId(), mover, 7);
        assertEquals("illegal_action", ((ActionResult.Rejected) tooMuch).code());
        long before = events.version(stream);

        ActionResult ok = add(r, room.roomId(), mover, 3);
        assertTrue(ok instanceof ActionResult.Accepted);
        assertEquals("acknowledged means appended", before + 1, events.version(stream));
        assertEquals("action", events.types(stream).get((int) before));
        r.settle();
        assertTrue(annSees.stream().anyMatch(e -> e.type().equals("added")));
        assertEquals("a seat's private event reaches only that seat", 1,
                (mover.equals("ann") ? annSees : bobSees).stream().filter(e -> e.type().equals("secret")).count());
        assertEquals(0, (mover.equals("ann") ? bobSees : annSees).stream().filter(e -> e.type().equals("secret")).count());
        assertEquals("not_in_room", assertThrows(ExecutionException.class,
                () -> add(r, room.roomId(), "eve", 1)).getCause() instanceof RoomException re ? re.code() : "");
    }

    @Test
    public void aMoveTheStoreIsSlowToMakeDurablePausesTheGameVisiblyAndTheRoomsNewActionsAreRefusedMeanwhile()
            throws Exception {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(config(Map.of("snapshotEvery", 50, "botThinkMillis", 600_000L, "slowAppendMillis", 200)));
        runtimes.add(r);
        RoomInfo room = twoPlayers(r, Map.of("target", "10"));
        List<RoomEvent> annSees = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "ann", annSees::add);
        String mover = mover(r, room.roomId());
        String other = mover.equals("ann") ? "bob" : "ann";

        events.appendDelayMillis(800); // a disk whose fsync stalls
        java.util.concurrent.CompletableFuture<ActionResult> slow =
                r.act(room.roomId(), mover, "add", Map.of("n", 1)).toCompletableFuture();
        long deadline = System.currentTimeMillis() + 2000;
        while (annSees.stream().noneMatch(e -> e.type().equals("game_paused")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        RoomEvent paused = annSees.stream().filter(e -> e.type().equals("game_paused")).findFirst()
                .orElseThrow(() -> new AssertionError("no game_paused while the move waits on the store: " + annSees));
        assertTrue(paused.data().toString(), String.valueOf(paused.data().get("reason")).contains("event store is slow"));
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, r.check().status());
        assertTrue(r.check().reason(), r.check().reason().contains("1 games paused"));

        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> r.act(room.roomId(), other, "add", Map.of("n", 1)).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertFalse("refused while the slow move still waits on the store, not queued behind it", slow.isDone());
        assertEquals(RoomException.GAME_PAUSED, ((RoomException) refused.getCause()).code());

        assertTrue("the slow move is made, and acknowledged once durable",
                slow.get(5, TimeUnit.SECONDS) instanceof ActionResult.Accepted);
        events.appendDelayMillis(0);
        deadline = System.currentTimeMillis() + 2000;
        while (annSees.stream().noneMatch(e -> e.type().equals("game_resumed")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        List<String> types = annSees.stream().map(RoomEvent::type).toList();
        assertTrue("resumed after the pause: " + types, types.indexOf("game_resumed") > types.indexOf("game_paused"));
        assertTrue(add(r, room.roomId(), other, 1) instanceof ActionResult.Accepted);
        r.bindBus(new GameAnnouncerTest.RecordingBus()); // without a bus the runtime is DEGRADED for that
        assertEquals(dev.ludus.api.health.HealthStatus.UP, r.check().status());
        assertEquals(1L, r.check().details().get("slowAppends"));
    }

    /** A game of bots only, to {@code target}, started on {@code r} with its archive recording into {@code archived}. */
    private static RoomInfo botGame(RoomRuntime r, List<CompletedGame> archived, String target) {
        r.bindArchive(new RecordingArchive(archived));
        RoomInfo room = r.create("count", "bots", Map.of("target", target));
        r.start(room.roomId());
        return room;
    }

    @Test
    public void anActionsReArmedWakeUpLeavesNoCancelledOneQueuedBehindIt() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoConnectedPlayers(r, "1000"); // connected: each move arms the idle wake-up (600 s)
        java.util.concurrent.ScheduledThreadPoolExecutor timers =
                (java.util.concurrent.ScheduledThreadPoolExecutor) r.context().timers;
        int before = timers.getQueue().size();
        for (int i = 0; i < 40; i++) {
            assertTrue(add(r, room.roomId(), mover(r, room.roomId()), 1) instanceof ActionResult.Accepted);
        }
        r.settle();
        // At most one more: a periodic task running while the first count was taken is not queued.
        int after = timers.getQueue().size();
        assertTrue("40 moves later the queue holds what it held (the periodic tasks and the room's one wake-up): "
                + before + " before, " + after + " after", after <= before + 1);
        assertTrue("the room is still armed", r.context().rooms.get(room.roomId()).wakeTimer != null);
    }

    @Test
    public void botsPlayAGameToTheEndAndItIsArchivedExactlyOnce() throws Exception {
        RoomRuntime r = runtime(5, 0);
        List<CompletedGame> archived = Collections.synchronizedList(new ArrayList<>());
        RoomInfo room = botGame(r, archived, "40");
        waitFor(() -> archived.size() == 1 && r.get(room.roomId()).orElseThrow().version()
                == events.version("room-" + room.roomId()) && events.types("room-" + room.roomId()).contains("archived"));
        CompletedGame g = archived.get(0);
        assertEquals(room.roomId(), g.gameId());
        assertEquals("count", g.gameType());
        assertTrue(new String(g.record()).contains("\"format\":\"ludus-room-record/1\""));
        Thread.sleep(1500); // a retry round of the archive loop must not hand it over again
        assertEquals(1, archived.size());
        assertEquals(RoomState.FINISHED, r.get(room.roomId()).orElseThrow().state());
    }

    /**
     * Another node took the room over (this one stalled past its lease) and wrote the finished
     * game's archived record first: this node's own archived record is refused as behind the
     * stream, and the room is read back from the store (archived) instead of trying the same append
     * again and again.
     */
    @Test
    public void aFinishedGameArchivedMeanwhileByAnotherWriterIsReadBackNotRetriedInALoop() throws Exception {
        RoomRuntime r = runtime(5, 0);
        List<CompletedGame> archived = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger appendsOfArchived = new AtomicInteger();
        CountingStore counting = new CountingStore(events, appendsOfArchived);
        r.bindEventStore(counting);
        r.bindArchive(new RecordingArchive(archived) {
            @Override
            public void submit(CompletedGame game) {
                if (games.isEmpty()) { // the other node, first
                    String stream = "room-" + game.gameId();
                    events.append(stream, events.version(stream), List.of(new dev.ludus.api.event.NewEvent(RoomRecord.Archived.TYPE,
                            r.context().codec.encode(new RoomRecord.Archived()))));
                }
                super.submit(game);
            }
        });
        RoomInfo room = r.create("count", "bots", Map.of("target", "30"));
        r.start(room.roomId());
        String stream = "room-" + room.roomId();
        waitFor(() -> !archived.isEmpty() && r.get(room.roomId()).orElseThrow().version() == events.version(stream));
        Thread.sleep(1500); // a retry round of the archive loop (1 s)
        assertEquals("one archived record, the other writer's", 1,
                events.types(stream).stream().filter("archived"::equals).count());
        assertEquals("this node tried its own once, then read the room back", 1, appendsOfArchived.get());
        assertEquals("handed over once", 1, archived.size());
        assertEquals(events.version(stream), r.get(room.roomId()).orElseThrow().version());
    }

    /**
     * The store refuses a finished game's bookkeeping (the archived record) for a while: it is tried
     * again on the retry period (archiveRetrySeconds, 1 s here), not as fast as the store answers.
     */
    @Test
    public void aFinishedGamesBookkeepingRefusedByTheStoreIsTriedAgainOnThePeriodNotInALoop() throws Exception {
        RoomRuntime r = runtime(5, 0);
        List<CompletedGame> archived = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger appendsOfArchived = new AtomicInteger();
        r.bindEventStore(new CountingStore(events, appendsOfArchived));
        r.bindArchive(new RecordingArchive(archived) {
            @Override
            public void submit(CompletedGame game) {
                if (games.isEmpty()) {
                    events.failAppends(true); // the store fails from the game's first hand-over on
                }
                super.submit(game);
            }
        });
        RoomInfo room = r.create("count", "bots", Map.of("target", "30"));
        r.start(room.roomId());
        waitFor(() -> appendsOfArchived.get() >= 1);
        Thread.sleep(2500);
        int tried = appendsOfArchived.get();
        assertTrue("tried on the retry period, not in a loop: " + tried + " appends in 2.5 s", tried <= 5);
        events.failAppends(false);
        String stream = "room-" + room.roomId();
        waitFor(() -> events.types(stream).contains("archived") && r.get(room.roomId()).orElseThrow().version() == events.version(stream));
    }

    /** An event store that counts the appends of archived records and passes everything on. */
    private static final class CountingStore implements dev.ludus.api.event.EventStore {
        private final MemoryEventStore inner;
        private final AtomicInteger archivedAppends;

        CountingStore(MemoryEventStore inner, AtomicInteger archivedAppends) {
            this.inner = inner;
            this.archivedAppends = archivedAppends;
        }

        private void count(List<dev.ludus.api.event.NewEvent> events) {
            if (events.stream().anyMatch(e -> RoomRecord.Archived.TYPE.equals(e.type()))) {
                archivedAppends.incrementAndGet();
            }
        }

        @Override
        public long append(String stream, long expectedVersion, List<dev.ludus.api.event.NewEvent> events) {
            count(events);
            return inner.append(stream, expectedVersion, events);
        }

        @Override
        public java.util.concurrent.CompletionStage<Long> appendAsync(String stream, long expectedVersion,
                                                                      List<dev.ludus.api.event.NewEvent> events) {
            count(events);
            return inner.appendAsync(stream, expectedVersion, events);
        }

        @Override
        public List<dev.ludus.api.event.RecordedEvent> read(String stream, long fromVersion, int maxCount) {
            return inner.read(stream, fromVersion, maxCount);
        }

        @Override
        public long version(String stream) {
            return inner.version(stream);
        }

        @Override
        public java.util.Set<String> streams() {
            return inner.streams();
        }
    }

    @Test
    public void anArchivedGameReplaysMoveByMoveByItsOwnRules() throws Exception {
        RoomRuntime r = runtime(5, 0);
        List<CompletedGame> archived = Collections.synchronizedList(new ArrayList<>());
        RoomInfo room = botGame(r, archived, "30");
        waitFor(() -> archived.size() == 1);
        byte[] record = archived.get(0).record();
        List<String> types = events.types("room-" + room.roomId());
        long actions = types.stream().filter("action"::equals).count();

        dev.ludus.api.rooms.GameReplay replay = r.replay(record, 1);
        assertEquals(room.roomId(), replay.gameId());
        assertEquals("count", replay.gameType());
        assertEquals(1, replay.seat());
        assertEquals(2, replay.players().size());
        assertTrue(replay.players().get(0).bot());
        assertEquals("the start, then every action", actions + 1, replay.steps().size());
        dev.ludus.api.rooms.GameReplay.Step start = replay.steps().get(0);
        assertEquals("start", start.action());
        assertEquals(-1, start.seat());
        assertEquals(0, ((Number) start.view().get("total")).intValue());
        int total = 0;
        long version = start.version();
        for (dev.ludus.api.rooms.GameReplay.Step step : replay.steps().subList(1, replay.steps().size())) {
            assertEquals("add", step.action());
            assertTrue(step.version() > version);
            version = step.version();
            total += ((Number) step.args().get("n")).intValue();
            assertEquals("each step's own view, not the last one's", total, ((Number) step.view().get("total")).intValue());
            assertEquals(1, ((Number) step.view().get("seat")).intValue());
        }
        assertEquals(total, ((Number) replay.result().get("total")).intValue());
        assertTrue(total >= 30);

        // Bad input: a clear code, nothing changed.
        assertEquals(RoomException.BAD_SEAT, assertThrows(RoomException.class, () -> r.replay(record, 2)).code());
        for (String bad : List.of("", "[]", "{\"format\":\"other\"}", "{\"format\":\"ludus-room-record/1\",\"roomId\":\"x\","
                + "\"records\":[]}", "{\"format\":\"ludus-room-record/1\",\"roomId\":\"x\",\"records\":[{\"version\":1,"
                + "\"type\":\"action\",\"data\":{\"seat\":0,\"type\":\"add\"}}]}")) {
            assertEquals(bad, RoomException.BAD_RECORD, assertThrows(RoomException.class,
                    () -> r.replay(bad.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0)).code());
        }
        String tampered = new String(record, java.nio.charset.StandardCharsets.UTF_8).replace("\"n\":1", "\"n\":9");
        assertEquals("an action the rules refuse", RoomException.BAD_RECORD, assertThrows(RoomException.class,
                () -> r.replay(tampered.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0)).code());
        r.unbindGame(game);
        assertEquals(RoomException.UNKNOWN_GAME, assertThrows(RoomException.class, () -> r.replay(record, 0)).code());
    }

    @Test
    public void aNewRuntimeRecoversEveryRoomAtTheSameStateFromSnapshotsAndEvents() throws Exception {
        RoomRuntime first = runtime(3, 600_000);
        RoomInfo a = twoPlayers(first, Map.of("target", "100"));
        RoomInfo waiting = first.create("count", "w", Map.of());
        first.join(waiting.roomId(), "cat", "Cat");
        for (int i = 0; i < 7; i++) {
            assertTrue(add(first, a.roomId(), mover(first, a.roomId()), 2) instanceof ActionResult.Accepted);
        }
        Map<String, Object> viewBefore = first.view(a.roomId(), "ann");
        first.deactivate();
        runtimes.remove(first);
        assertTrue("snapshots were taken", events.latest("room-" + a.roomId()).isPresent());

        RoomRuntime second = runtime(3, 600_000);
        waitFor(() -> second.get(a.roomId()).isPresent() && second.get(waiting.roomId()).isPresent());
        second.settle();
        assertEquals(viewBefore, second.view(a.roomId(), "ann"));
        assertEquals(RoomState.WAITING, second.get(waiting.roomId()).orElseThrow().state());
        assertEquals(0, second.get(waiting.roomId()).orElseThrow().seatOf("cat"));
        assertTrue("the game goes on", add(second, a.roomId(), mover(second, a.roomId()), 1) instanceof ActionResult.Accepted);
    }

    /**
     * After a restart the rooms still open (waiting or playing) come back first, and readiness
     * waits only for them: rooms whose game was archived a short while ago (kept so their players
     * see the result) follow in the background, newest first, and one asked for is rebuilt at once.
     * The replays here are slowed so that rebuilding the finished rooms first would hold readiness
     * back for seconds.
     */
    @Test
    public void afterARestartRunningGamesAreBackFirstAndFinishedRoomsFollowOrComeWhenAskedFor() throws Exception {
        RoomRuntime first = runtime(1000, 0);
        List<CompletedGame> archived = Collections.synchronizedList(new ArrayList<>());
        first.bindArchive(new RecordingArchive(archived));
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            RoomInfo room = first.create("count", "bots " + i, Map.of("target", "30"));
            first.start(room.roomId());
            finished.add(room.roomId());
        }
        waitFor(() -> archived.size() == 40 && finished.stream().allMatch(id -> events.types("room-" + id).contains("archived")));
        RoomInfo waiting = first.create("count", "w", Map.of());
        first.join(waiting.roomId(), "cat", "Cat");
        Map<String, Object> lastResult = first.view(finished.get(39), "nobody");
        first.deactivate();
        runtimes.remove(first);

        // Every replay (a read of more than the last record) takes 50 ms: 40 finished rooms ≈ 2 s.
        dev.ludus.api.event.EventStore slow = new dev.ludus.api.event.EventStore() {
            @Override public long append(String stream, long expected, List<dev.ludus.api.event.NewEvent> e) {
                return events.append(stream, expected, e);
            }
            @Override public java.util.concurrent.CompletionStage<Long> appendAsync(String stream, long expected,
                                                                                   List<dev.ludus.api.event.NewEvent> e) {
                return events.appendAsync(stream, expected, e);
            }
            @Override public List<dev.ludus.api.event.RecordedEvent> read(String stream, long from, int max) {
                if (max > 1) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return events.read(stream, from, max);
            }
            @Override public long version(String stream) {
                return events.version(stream);
            }
            @Override public java.util.Set<String> streams() {
                return events.streams();
            }
        };
        RoomRuntime second = new RoomRuntime();
        second.bindGame(game);
        second.bindEventStore(slow);
        second.bindSnapshotStore(events);
        second.bindArchive(new RecordingArchive(archived));
        second.activate(config(1000, 0));
        runtimes.add(second);
        long start = System.nanoTime();
        // A finished room asked for straight away is rebuilt ahead of its turn and shows its result.
        assertEquals(lastResult, second.view(finished.get(39), "nobody"));
        waitFor(second::ready);
        long readyMillis = (System.nanoTime() - start) / 1_000_000;
        long toRestore = ((Number) second.check().details().get("finishedRoomsToRestore")).longValue();
        assertTrue("ready after " + readyMillis + " ms with " + toRestore + " finished rooms still to restore",
                toRestore >= 20);
        assertEquals(0, second.get(waiting.roomId()).orElseThrow().seatOf("cat"));
        second.join(waiting.roomId(), "dan", "Dan");
        waitFor(() -> ((Number) second.check().details().get("finishedRoomsToRestore")).longValue() == 0);
        for (String id : finished) {
            assertEquals(RoomState.FINISHED, second.get(id).orElseThrow().state());
        }
        Thread.sleep(1500); // a retry round of the archive loop must not hand any of them over again
        assertEquals(40, archived.size());
    }

    /**
     * A record type this runtime does not know (written by a later release, or damage) stops the
     * room's rebuild with a clear reason: skipping it could rebuild a different game than was
     * played. The room stays paused and nothing is appended to its stream.
     */
    @Test
    public void aRecordOfUnknownTypePausesTheRoomInsteadOfBeingSkipped() throws Exception {
        RoomRuntime first = runtime(50, 600_000);
        RoomInfo room = twoPlayers(first, Map.of("target", "100"));
        String stream = "room-" + room.roomId();
        first.deactivate();
        runtimes.remove(first);
        events.append(stream, events.version(stream), List.of(new dev.ludus.api.event.NewEvent("teleported",
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        long version = events.version(stream);

        RoomRuntime second = runtime(50, 600_000);
        waitFor(() -> second.get(room.roomId()).isPresent());
        second.settle();
        RoomInfo info = second.get(room.roomId()).orElseThrow();
        assertEquals(RoomState.PAUSED, info.state());
        assertTrue(info.pauseReason(), info.pauseReason().contains("unknown room record type 'teleported'"));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> add(second, room.roomId(), "ann", 1));
        assertEquals("game_paused", ((RoomException) refused.getCause()).code());
        assertEquals(version, events.version(stream));
    }

    /**
     * A player who comes back to a finished room while its game's bundle is away (a swap of it)
     * still gets the game's result in the room's view, as the gateway's resume snapshot carries it.
     */
    @Test
    public void aFinishedRoomKeepsItsResultWhileItsGameIsAway() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of("target", "3"));
        assertTrue(add(r, room.roomId(), mover(r, room.roomId()), 3) instanceof ActionResult.Accepted);
        waitFor(() -> r.get(room.roomId()).orElseThrow().state() == RoomState.FINISHED);
        Object result = r.view(room.roomId(), "ann").get("result");
        assertEquals(3, ((Number) ((Map<?, ?>) result).get("total")).intValue());

        r.unbindGame(game);
        r.settle();
        Map<String, Object> away = r.view(room.roomId(), "ann");
        assertEquals("no game to show", null, away.get("game"));
        assertEquals("the result as it was", result, away.get("result"));
        // A player who follows the room meanwhile (as one resumed into it does) has no final view yet.
        List<RoomEvent> annSees = new java.util.concurrent.CopyOnWriteArrayList<>();
        r.subscribe(room.roomId(), "ann", annSees::add);

        r.bindGame(new TurnGame("count", 2));
        r.settle();
        assertEquals(result, r.view(room.roomId(), "bob").get("result"));
        RoomEvent finalView = annSees.stream().filter(e -> e.type().equals("view")).findFirst()
                .orElseThrow(() -> new AssertionError("the final view is pushed when the game returns: " + annSees));
        assertEquals(r.view(room.roomId(), "ann").get("game"), finalView.data().get("game"));
        assertEquals("nothing left to do in a finished game", List.of(), finalView.data().get("allowedActions"));

        // A node started while the game is absent takes the finished room up without its game;
        // once the game comes, the room shows its result again.
        r.deactivate();
        RoomRuntime later = new RoomRuntime();
        later.bindEventStore(events);
        later.bindSnapshotStore(events);
        later.activate(config(50, 600_000));
        runtimes.add(later);
        waitFor(() -> later.get(room.roomId()).isPresent());
        later.settle();
        assertEquals(RoomState.FINISHED, later.get(room.roomId()).orElseThrow().state());
        assertEquals("no game, no result yet", null, later.view(room.roomId(), "ann").get("result"));
        later.bindGame(new TurnGame("count", 2));
        later.settle();
        assertEquals(result, later.view(room.roomId(), "ann").get("result"));
        assertTrue(later.view(room.roomId(), "ann").get("game") != null);
    }

    @Test
    public void removingTheGamePausesItsRoomsAndBringingItBackResumesThemAtTheSameState() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of("target", "50"));
        String mover = mover(r, room.roomId());
        add(r, room.roomId(), mover, 3);
        Object gameBefore = r.view(room.roomId(), "ann").get("game");

        r.unbindGame(game);
        r.settle();
        assertEquals(RoomState.PAUSED, r.get(room.roomId()).orElseThrow().state());
        String other = mover.equals("ann") ? "bob" : "ann";
        ExecutionException e = assertThrows(ExecutionException.class, () -> add(r, room.roomId(), other, 1));
        assertEquals("game_paused", ((RoomException) e.getCause()).code());
        assertEquals("DEGRADED", r.check().status().name());

        TurnGame newVersion = new TurnGame("count", 2);
        r.bindGame(newVersion);
        r.settle();
        assertEquals(RoomState.PLAYING, r.get(room.roomId()).orElseThrow().state());
        assertEquals(gameBefore, r.view(room.roomId(), "ann").get("game"));
        assertTrue(add(r, room.roomId(), other, 1) instanceof ActionResult.Accepted);
        r.bindBus(new GameAnnouncerTest.RecordingBus()); // without a bus the runtime is DEGRADED for that
        assertEquals("UP", r.check().status().name());
    }

    @Test
    public void withoutAnyGameHealthSaysNoRoomCanBeCreated() throws Exception {
        RoomRuntime r = new RoomRuntime();
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.bindBus(new GameAnnouncerTest.RecordingBus());
        r.activate(config(50, 0));
        runtimes.add(r);
        assertEquals("DEGRADED", r.check().status().name());
        assertTrue(r.check().reason(), r.check().reason().startsWith("no game is installed"));
        r.bindGame(game);
        assertEquals("UP", r.check().status().name());
    }

    @Test
    public void aFailedAppendIsNeverAcknowledgedAndLeavesNoTrace() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of());
        Object before = r.view(room.roomId(), "ann").get("game");
        String mover = mover(r, room.roomId());
        events.failAppends(true);
        ExecutionException e = assertThrows(ExecutionException.class, () -> add(r, room.roomId(), mover, 2));
        assertEquals("unavailable", ((RoomException) e.getCause()).code());
        // What the player reads names the store's code, never the store's own text (an I/O error's
        // names the server's files and the exception).
        String told = e.getCause().getMessage();
        assertEquals("the action could not be made durable: the server could not write it to its disk (io_error)", told);
        events.failAppends(false);
        r.settle();
        assertEquals("the engine did not keep the unacknowledged move", before, r.view(room.roomId(), "ann").get("game"));
        assertTrue(add(r, room.roomId(), mover, 2) instanceof ActionResult.Accepted);
    }

    @Test
    public void roomsArePublishedToTheGameStoreAndRepublishedIntoANewStore() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        MemoryGameStore store = new MemoryGameStore();
        r.bindGameStore(store);
        RoomInfo room = r.create("count", "t", Map.of());
        r.join(room.roomId(), "ann", "Ann");
        assertEquals(0, store.<RoomInfo>get("room:" + room.roomId()).orElseThrow().value().seatOf("ann"));
        r.unbindGameStore(store);
        MemoryGameStore replacement = new MemoryGameStore();
        r.bindGameStore(replacement);
        r.settle();
        assertEquals(0, replacement.<RoomInfo>get("room:" + room.roomId()).orElseThrow().value().seatOf("ann"));
        r.join(room.roomId(), "bob", "Bob");
        assertEquals(1, r.get(room.roomId()).orElseThrow().seatOf("bob"));
    }

    /** With no grace (the earlier behaviour, still a setting), a bot covers a dropped player's seat at once. */
    @Test
    public void withNoGraceADisconnectedPlayersSeatIsPlayedByABotAtOnceAndGivenBack() throws Exception {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(config(Map.of("snapshotEvery", 50, "botThinkMillis", 10L, "disconnectGraceSeconds", 0)));
        runtimes.add(r);
        RoomInfo room = twoConnectedPlayers(r, "200");
        long v = r.get(room.roomId()).orElseThrow().version();
        Thread.sleep(200);
        assertEquals("connected humans are waited for", v, r.get(room.roomId()).orElseThrow().version());
        r.setConnected(room.roomId(), "ann", false);
        r.setConnected(room.roomId(), "bob", false);
        waitFor(() -> r.get(room.roomId()).orElseThrow().version() > v + 5);
        r.setConnected(room.roomId(), "ann", true);
        r.setConnected(room.roomId(), "bob", true);
        r.settle();
        Thread.sleep(100);
        r.settle();
        long after = r.get(room.roomId()).orElseThrow().version();
        Thread.sleep(200);
        assertEquals("bots stop when the players are back", after, r.get(room.roomId()).orElseThrow().version());
        assertFalse(r.get(room.roomId()).orElseThrow().seats().get(0).bot());
        assertEquals(RoomRecord.ActionTaken.BY_AWAY, ((RoomRecord.ActionTaken) lastRecord(room.roomId())).cause());
    }

    /**
     * A player whose connection drops keeps their move for the grace: no bot plays it, and on
     * reconnect it is still theirs to make. The wait is the scheduler's one wake-up, armed for the
     * grace's end (the hand clock stands still; the decision is taken again after moving it).
     */
    @Test
    public void aPlayerDisconnectedWithinTheGraceGetsNoBotMoveAndFindsTheirTurnWaitingOnReconnect() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime r = runtimeWithClock(clock, 10, 1_000_000_000L);
        RoomInfo room = twoConnectedPlayers(r, "30");
        String stream = "room-" + room.roomId();
        String mover = mover(r, room.roomId());
        long v = events.version(stream);
        long droppedAt = clock.millis();
        r.setConnected(room.roomId(), mover, false);
        r.settle();
        Wake armed = armed(r, room.roomId());
        assertEquals(Wake.Kind.AWAY, armed.kind());
        assertEquals("the bot is due when the grace ends", droppedAt + 15_000, armed.at());

        clock.advance(10_000);
        decideAgain(r);
        Thread.sleep(200);
        r.settle();
        assertEquals("nothing was played for the player within the grace", v, events.version(stream));
        assertEquals(droppedAt + 15_000, armed(r, room.roomId()).at());

        r.setConnected(room.roomId(), mover, true);
        r.settle();
        assertEquals("back within the grace: the idle rule again", Wake.Kind.IDLE, armed(r, room.roomId()).kind());
        assertEquals(mover, mover(r, room.roomId()));
        assertTrue(add(r, room.roomId(), mover, 1) instanceof ActionResult.Accepted);
        assertEquals(RoomRecord.ActionTaken.BY_PLAYER, ((RoomRecord.ActionTaken) lastRecord(room.roomId())).cause());
    }

    /**
     * Past the grace a bot moves for the disconnected player; the record says {@code away}, and
     * every subscriber (the player too, when their session replays what they missed) is told the
     * move was played for them before its events arrive.
     */
    @Test
    public void pastTheGraceABotMovesForTheAwayPlayerAndSaysSo() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime r = runtimeWithClock(clock, 10, 1_000_000_000L);
        RoomInfo room = twoConnectedPlayers(r, "30");
        String stream = "room-" + room.roomId();
        String mover = mover(r, room.roomId());
        int seat = mover.equals("ann") ? 0 : 1;
        List<RoomEvent> moverSees = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), mover, moverSees::add);
        long v = events.version(stream);
        r.setConnected(room.roomId(), mover, false);
        r.settle();

        clock.advance(15_000);
        decideAgain(r);
        waitFor(() -> events.version(stream) > v);
        RoomRecord.ActionTaken taken = (RoomRecord.ActionTaken) lastRecord(room.roomId());
        assertEquals(RoomRecord.ActionTaken.BY_AWAY, taken.cause());
        assertEquals(seat, taken.seat());
        r.settle();
        List<String> types = moverSees.stream().map(RoomEvent::type).toList();
        assertTrue(types.toString(), types.indexOf(RoomDriver.PLAYED_FOR_PLAYER) >= 0
                && types.indexOf(RoomDriver.PLAYED_FOR_PLAYER) < types.indexOf("added"));
        RoomEvent told = moverSees.get(types.indexOf(RoomDriver.PLAYED_FOR_PLAYER));
        assertEquals(Map.of("seat", seat, "cause", "away", "action", "add"), told.data());
        assertEquals(events.version(stream), told.version());
    }

    /**
     * A restart forgets who was connected. Every seated player's grace then counts from the
     * restart: the new runtime does not hand every seat to a bot at once, and does not wait for
     * ever either (a crash may leave players who never come back).
     */
    @Test
    public void afterARestartEachPlayersGraceCountsFromTheRestart() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime first = runtimeWithClock(clock, 10, 1_000_000_000L);
        RoomInfo room = twoConnectedPlayers(first, "30");
        String stream = "room-" + room.roomId();
        String mover = mover(first, room.roomId());
        first.halt();
        long v = events.version(stream);

        clock.advance(60_000); // longer than the grace since anyone was last seen
        long restartedAt = clock.millis();
        RoomRuntime second = runtimeWithClock(clock, 10, 1_000_000_000L);
        waitFor(second::ready);
        second.settle();
        Thread.sleep(200);
        second.settle();
        assertEquals("no seat was handed to a bot at the restart", v, events.version(stream));
        Wake armed = armed(second, room.roomId());
        assertEquals(Wake.Kind.AWAY, armed.kind());
        assertEquals("the grace counts from the restart", restartedAt + 15_000, armed.at());

        clock.advance(15_000);
        decideAgain(second);
        waitFor(() -> events.version(stream) > v);
        // The first move after the restart; the bot goes on for both seats, as neither player came back.
        RecordedEvent next = events.read(stream, v + 1, 1).get(0);
        RoomRecord.ActionTaken taken = (RoomRecord.ActionTaken) new RecordCodec().decode(next.type(), next.data());
        assertEquals("past the grace the bot plays", RoomRecord.ActionTaken.BY_AWAY, taken.cause());
        assertEquals(mover.equals("ann") ? 0 : 1, taken.seat());
    }

    /** The room's armed wake-up, read in a step of the room. */
    private static Wake armed(RoomRuntime r, String roomId) throws Exception {
        LiveRoom live = r.context().rooms.get(roomId);
        java.util.concurrent.CompletableFuture<Wake> f = new java.util.concurrent.CompletableFuture<>();
        live.steps.run(() -> f.complete(live.wake));
        return f.get(10, TimeUnit.SECONDS);
    }

    /**
     * Has every room decide its next wake-up again, as a configuration update does: after the hand
     * clock moved, a wake-up armed earlier still waits its delay in real time.
     */
    private static void decideAgain(RoomRuntime r) throws InterruptedException {
        r.modified(r.context().config);
        r.settle();
    }

    /**
     * A player who leaves a running game while their seat is to move hands it to a bot, which must
     * then move: the leave changes the room's version, which cancels what was scheduled, so the
     * next move has to be decided again. It once was not, and the table froze until a restart.
     */
    @Test
    public void whenAPlayerLeavesOnTheirTurnTheBotTakingTheSeatMovesAndTheOtherPlayerFinishesTheGame() throws Exception {
        RoomRuntime r = runtime(50, 10);
        RoomInfo room = twoConnectedPlayers(r, "30");
        List<String> seenByStayer = Collections.synchronizedList(new ArrayList<>());
        String leaver = mover(r, room.roomId());
        String stayer = leaver.equals("ann") ? "bob" : "ann";
        AutoCloseable sub = r.subscribe(room.roomId(), stayer, e -> seenByStayer.add(e.type()));
        try {
            r.leave(room.roomId(), leaver);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (r.get(room.roomId()).orElseThrow().state() != RoomState.FINISHED && System.nanoTime() < end) {
                if (mover(r, room.roomId()).equals(stayer)) {
                    ActionResult res = add(r, room.roomId(), stayer, 1);
                    assertTrue(res.toString(), res instanceof ActionResult.Accepted || res instanceof ActionResult.Rejected);
                } else {
                    Thread.sleep(5);
                }
            }
            assertEquals("the game ended", RoomState.FINISHED, r.get(room.roomId()).orElseThrow().state());
            // The state is FINISHED before the last events are published: wait for them.
            long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!seenByStayer.contains("game_over") && System.nanoTime() < seen) {
                Thread.sleep(5);
            }
            assertTrue("the player who stayed saw the end: " + seenByStayer, seenByStayer.contains("game_over"));
        } finally {
            sub.close();
        }
    }

    /** A clock tests move by hand. */
    static final class HandClock extends java.time.Clock {
        private final java.util.concurrent.atomic.AtomicLong now;

        HandClock(long start) {
            now = new java.util.concurrent.atomic.AtomicLong(start);
        }

        void advance(long millis) {
            now.addAndGet(millis);
        }

        @Override public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
        @Override public java.time.Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public long millis() { return now.get(); }
        @Override public java.time.Instant instant() { return java.time.Instant.ofEpochMilli(millis()); }
    }

    private RoomRuntime runtimeWithClock(HandClock clock, long botThink, long idle) {
        RoomRuntime r = new RoomRuntime();
        r.context().clock = clock;
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(config(Map.of("snapshotEvery", 50, "botThinkMillis", botThink, "idleTimeoutMillis", idle)));
        runtimes.add(r);
        return r;
    }

    private RoomRecord lastRecord(String roomId) {
        String stream = "room-" + roomId;
        var last = events.read(stream, events.version(stream), 1).get(0);
        return new RecordCodec().decode(last.type(), last.data());
    }

    @Test
    public void aGameTimerResumesAtItsDeadlineAfterACrashNotAFullDelayLater() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime first = runtimeWithClock(clock, 1_000_000_000L, 1_000_000_000L);
        RoomInfo room = twoConnectedPlayers(first, Map.of("target", "30", "turnMillis", "10000"));
        first.halt(); // a crash: no snapshot, nothing more written
        String stream = "room-" + room.roomId();
        long before = events.version(stream);

        // The game's timer was armed for 10 s after the start; the new runtime comes up 9.9 s after it.
        clock.advance(9_900);
        RoomRuntime second = runtimeWithClock(clock, 1_000_000_000L, 1_000_000_000L);
        waitFor(() -> second.ready());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (events.version(stream) == before && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertEquals("the timer fired within 3 s of the restart, not 10 s after it", before + 1, events.version(stream));
        RoomRecord.ActionTaken fired = (RoomRecord.ActionTaken) lastRecord(room.roomId());
        assertEquals(RoomRecord.ActionTaken.BY_TIMER, fired.cause());
        assertEquals("timeout", fired.actionType());
    }

    @Test
    public void aConnectedPlayerWhoLetsTheIdleTimePassIsCoveredByABotAndTheRecordSaysWhy() throws Exception {
        RoomRuntime r = runtimeWithClock(new HandClock(System.currentTimeMillis()), 1_000_000_000L, 150);
        RoomInfo room = twoConnectedPlayers(r, "30");
        String stream = "room-" + room.roomId();
        long before = events.version(stream);
        waitFor(() -> events.version(stream) > before);
        RoomRecord.ActionTaken taken = (RoomRecord.ActionTaken) lastRecord(room.roomId());
        assertEquals(RoomRecord.ActionTaken.BY_IDLE, taken.cause());
    }

    @Test
    public void theFirstDealReachesEachPlayerAsEventsOfTheirOwnSeatBeforeTheView() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = r.create("count", "t", Map.of("target", "10"));
        r.join(room.roomId(), "ann", "Ann");
        r.join(room.roomId(), "bob", "Bob");
        List<RoomEvent> annSees = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "ann", annSees::add);
        r.start(room.roomId());
        r.settle();
        List<String> types = annSees.stream().map(RoomEvent::type).toList();
        assertEquals(List.of("room_changed", "game_started", "first_turn", "secret", "view"), types);
        RoomEvent secret = annSees.get(3);
        assertEquals("only Ann's own secret reaches Ann", 0, ((Number) secret.data().get("seat")).intValue());
    }

    @Test
    public void aSeatsViewIsMadeOnceAndEverySubscriberAtThatSeatGetsIt() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of("target", "10"));
        Map<String, List<RoomEvent>> seen = new java.util.LinkedHashMap<>();
        for (String who : List.of("ann", "ann", "bob", "watcher", "other watcher")) {
            List<RoomEvent> mine = Collections.synchronizedList(new ArrayList<>());
            seen.put(who + " " + seen.size(), mine);
            r.subscribe(room.roomId(), who, mine::add);
        }
        String mover = mover(r, room.roomId());
        assertTrue(add(r, room.roomId(), mover, 3) instanceof ActionResult.Accepted);
        r.settle();
        List<RoomEvent> views = new ArrayList<>();
        for (List<RoomEvent> mine : seen.values()) {
            List<RoomEvent> v = mine.stream().filter(e -> e.type().equals("view")).toList();
            assertEquals("one view per subscriber and action: " + mine, 1, v.size());
            views.add(v.get(0));
        }
        assertTrue("ann's two subscriptions share her view", views.get(0) == views.get(1));
        assertTrue("spectators share one view", views.get(3) == views.get(4));
        assertTrue("seats see their own views", views.get(0) != views.get(2) && views.get(2) != views.get(3));
        assertEquals(r.view(room.roomId(), "ann").get("game"), views.get(0).data().get("game"));
        assertEquals(r.view(room.roomId(), "bob").get("game"), views.get(2).data().get("game"));
        assertEquals(r.view(room.roomId(), "watcher").get("game"), views.get(3).data().get("game"));
        assertEquals(r.view(room.roomId(), "ann").get("allowedActions"), views.get(0).data().get("allowedActions"));
        assertEquals(List.of(), views.get(3).data().get("allowedActions"));
    }

    @Test
    public void aBatchListenerGetsAnActionsEventsAndViewInOneCallAPlainOneInOneCallEach() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of("target", "10"));
        List<List<RoomEvent>> calls = Collections.synchronizedList(new ArrayList<>());
        List<RoomEvent> plain = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "ann", new dev.ludus.api.rooms.RoomBatchListener() {
            @Override
            public void onEvent(RoomEvent event) {
                calls.add(List.of(event));
            }

            @Override
            public void onEvents(List<RoomEvent> events) {
                calls.add(List.copyOf(events));
            }
        });
        r.subscribe(room.roomId(), "ann", plain::add);
        String mover = mover(r, room.roomId());
        assertTrue(add(r, room.roomId(), mover, 3) instanceof ActionResult.Accepted);
        r.settle();
        assertEquals("one call for the action: " + calls, 1, calls.size());
        List<RoomEvent> batch = calls.get(0);
        assertTrue("its events, then the view: " + batch, batch.size() >= 2);
        assertEquals("view", batch.get(batch.size() - 1).type());
        assertEquals("the same events as the plain listener got one by one", plain, batch);
    }

    @Test
    public void aBatchListenerThatThrowsIsUnsubscribedAndOthersStillGetEverything() throws Exception {
        RoomRuntime r = runtime(50, 600_000);
        RoomInfo room = twoPlayers(r, Map.of("target", "10"));
        java.util.concurrent.atomic.AtomicInteger failing = new java.util.concurrent.atomic.AtomicInteger();
        r.subscribe(room.roomId(), "ann", new dev.ludus.api.rooms.RoomBatchListener() {
            @Override
            public void onEvent(RoomEvent event) {
                failing.incrementAndGet();
            }

            @Override
            public void onEvents(List<RoomEvent> events) {
                failing.incrementAndGet();
                throw new IllegalStateException("broken listener");
            }
        });
        List<RoomEvent> plain = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "bob", plain::add);
        for (int i = 0; i < 2; i++) {
            assertTrue(add(r, room.roomId(), mover(r, room.roomId()), 1) instanceof ActionResult.Accepted);
            r.settle();
        }
        assertEquals("called once, then unsubscribed", 1, failing.get());
        assertEquals("the other subscriber got both actions' views", 2,
                plain.stream().filter(e -> e.type().equals("view")).count());
    }

    @Test
    public void aRoomWhoseBotMovesWhileTheEventStoreIsAwayPausesAndPlaysOnWhenItReturns() throws Exception {
        RoomRuntime r = runtime(50, 5);
        RoomInfo room = r.create("count", "t", Map.of("target", "400"));
        r.addBot(room.roomId());
        r.addBot(room.roomId());
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        r.subscribe(room.roomId(), "watcher", e -> seen.add(e.type()));
        r.start(room.roomId());
        String stream = "room-" + room.roomId();
        waitFor(() -> events.version(stream) > 20);
        r.unbindEventStore(events);
        Thread.sleep(200); // bots are due every 5 ms: several come due while the store is away
        waitFor(() -> r.get(room.roomId()).orElseThrow().state() == RoomState.PAUSED);
        assertTrue("the watcher was told: " + seen, seen.contains("game_paused"));
        long paused = events.version(stream);
        r.bindEventStore(events);
        waitFor(() -> r.get(room.roomId()).orElseThrow().state() == RoomState.FINISHED);
        assertTrue("the game went on after the store returned", events.version(stream) > paused);
        waitFor(() -> seen.contains("game_over"));
        assertTrue(seen.toString(), seen.indexOf("game_resumed") > seen.indexOf("game_paused"));
    }

    /**
     * An event store away for as long as a swap takes leaves the rooms DEGRADED and ready; away
     * longer (uninstalled from the console, say) they are DOWN and not ready, so load balancers
     * send no players to a node that cannot record a move; back again, all is well.
     */
    @Test
    public void anEventStoreAwayLongerThanASwapTakesMakesTheRoomsDownAndNotReady() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime r = runtimeWithClock(clock, 50, 30_000);
        waitFor(r::ready);
        HealthResult before = r.check(); // DEGRADED: no message bus in this test
        assertFalse(before.toString(), before.status() == HealthStatus.DOWN || before.reason().contains("event store"));
        r.unbindEventStore(events);
        HealthResult swapping = r.check();
        assertEquals(swapping.toString(), HealthStatus.DEGRADED, swapping.status());
        assertEquals("event store unavailable: games are paused", swapping.reason());
        assertTrue("a swap's gap keeps the node ready", r.ready());
        clock.advance(RoomsHealth.STORE_AWAY_DOWN_MILLIS - 1);
        assertEquals(HealthStatus.DEGRADED, r.check().status());
        assertTrue(r.ready());
        clock.advance(1);
        HealthResult gone = r.check();
        assertEquals(gone.toString(), HealthStatus.DOWN, gone.status());
        assertTrue(gone.reason(), gone.reason().startsWith("no event store for 10 s: games are paused and no move can be recorded"));
        assertEquals(10_000L, gone.details().get("eventStoreAwayMillis"));
        assertFalse("no players for a node that cannot record a move", r.ready());
        r.bindEventStore(events);
        assertEquals(before.reason(), r.check().reason());
        assertTrue(r.ready());
    }

    /**
     * A running game none of whose players is connected is played by bots for as long as it lasts:
     * with a game's largest options, hours of a node's work for nobody (a script can start such
     * games and leave). After abandonedGameSeconds it is ended as an operator ends one; a player
     * who comes back in time keeps the game going, and the time starts again at the next leave.
     */
    @Test
    public void aGameWhosePlayersAreAllAwayForAbandonedGameSecondsIsEndedAndOneBackInTimeGoesOn() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime r = runtimeWithClock(clock, 1_000_000, 1_000_000_000L);
        RoomInfo room = twoConnectedPlayers(r, "100000");
        String stream = "room-" + room.roomId();
        r.setConnected(room.roomId(), "ann", false);
        r.setConnected(room.roomId(), "bob", false);
        r.settle();
        clock.advance(599_000);
        Thread.sleep(1_500); // the sweeper looks each second
        r.settle();
        assertEquals("not yet", RoomState.PLAYING, r.get(room.roomId()).orElseThrow().state());
        r.setConnected(room.roomId(), "bob", true); // back in time
        r.settle();
        clock.advance(10_000);
        Thread.sleep(1_500);
        r.settle();
        assertEquals("someone is back", RoomState.PLAYING, r.get(room.roomId()).orElseThrow().state());
        r.setConnected(room.roomId(), "bob", false);
        r.settle();
        clock.advance(599_000);
        Thread.sleep(1_500);
        r.settle();
        assertEquals("the time started again at the leave", RoomState.PLAYING, r.get(room.roomId()).orElseThrow().state());
        clock.advance(1_000);
        waitFor(() -> r.get(room.roomId()).orElseThrow().state() == RoomState.FINISHED);
        RoomRecord end = new RecordCodec().decode(events.read(stream, 1, Integer.MAX_VALUE).stream()
                .filter(e -> e.type().equals("ended")).findFirst().orElseThrow().type(), events.read(stream, 1,
                Integer.MAX_VALUE).stream().filter(e -> e.type().equals("ended")).findFirst().orElseThrow().data());
        assertEquals(new RoomRecord.Ended("no player was connected to the game for 600 s", "rooms"), end);
    }

    /** abandonedGameSeconds = 0: bots play such a game to its end. */
    @Test
    public void anAbandonedGameTimeoutOfZeroNeverEndsAGame() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime r = new RoomRuntime();
        r.context().clock = clock;
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(config(Map.of("botThinkMillis", 1_000_000L, "idleTimeoutMillis", 1_000_000_000L, "abandonedGameSeconds", 0)));
        runtimes.add(r);
        RoomInfo room = twoConnectedPlayers(r, "100000");
        r.setConnected(room.roomId(), "ann", false);
        r.setConnected(room.roomId(), "bob", false);
        r.settle();
        clock.advance(7 * 24 * 3_600_000L);
        Thread.sleep(1_500);
        r.settle();
        assertEquals(RoomState.PLAYING, r.get(room.roomId()).orElseThrow().state());
    }

    /** A runtime that starts without an event store counts the time from its start. */
    @Test
    public void aRuntimeStartedWithoutAnEventStoreIsDownOnceTheGraceIsOver() throws Exception {
        HandClock clock = new HandClock(1_800_000_000_000L);
        RoomRuntime r = new RoomRuntime();
        r.context().clock = clock;
        r.bindGame(game);
        r.activate(config(Map.of()));
        runtimes.add(r);
        assertEquals(HealthStatus.DEGRADED, r.check().status());
        clock.advance(RoomsHealth.STORE_AWAY_DOWN_MILLIS);
        assertEquals(HealthStatus.DOWN, r.check().status());
        assertFalse(r.ready());
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        waitFor(r::ready);
        assertFalse(r.check().toString(), r.check().reason().contains("event store"));
    }

    @Test
    public void aRunningGameLeftWithNothingArmedIsFoundAndPlaysOn() throws Exception {
        // The periodic look for stalls, every 5 s in a node, every 0.5 s here.
        RoomRuntime r = new RoomRuntime();
        r.context().stallCheckMillis = 500;
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        r.activate(config(50, 5));
        runtimes.add(r);
        RoomInfo room = r.create("count", "t", Map.of("target", "100000"));
        r.addBot(room.roomId());
        r.addBot(room.roomId());
        r.start(room.roomId());
        String stream = "room-" + room.roomId();
        waitFor(() -> events.version(stream) > 10);
        LiveRoom live = r.context().rooms.get(room.roomId());
        java.util.concurrent.CountDownLatch lost = new java.util.concurrent.CountDownLatch(1);
        live.steps.run(() -> {
            live.disarm(); // as a defect in the scheduler would: the next move is never armed
            lost.countDown();
        });
        lost.await();
        long stalled = events.version(stream);
        waitFor(() -> events.version(stream) > stalled + 10);
        assertEquals(1L, r.check().details().get("stallsRepaired"));
    }

    static void waitFor(java.util.concurrent.Callable<Boolean> c) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (c.call()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in 20 s");
    }

    static class RecordingArchive implements ArchiveService {
        final List<CompletedGame> games;

        RecordingArchive(List<CompletedGame> games) {
            this.games = games;
        }

        @Override public void submit(CompletedGame game) { games.add(game); }
        @Override public Optional<CompletedGame> find(String gameId) { return Optional.empty(); }
        @Override public List<CompletedGame> query(ArchiveQuery query) { return List.of(); }
        @Override public ArchiveStatus status() {
            return new ArchiveStatus(Optional.empty(), 0, Optional.empty(), games.size(), 0, Optional.empty());
        }
    }
}
