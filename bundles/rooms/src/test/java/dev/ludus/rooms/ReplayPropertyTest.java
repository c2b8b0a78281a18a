package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;

import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * The rooms runtime's central promise, as a property over random histories: replaying a room's
 * stream gives exactly the state live play reached, and a runtime that crashes at any point comes
 * back to exactly that state, next wake-up included.
 *
 * <p>Each history is drawn from a seeded generator: lobby operations (join, leave, bots, start),
 * legal and illegal actions, connections coming and going, the room's wake-up taken (a bot's move,
 * an idle takeover, the game's timer), clean restarts and crashes. After every step the live room
 * is compared with a {@link Room} rebuilt from the stream alone; after every restart or crash, the
 * new runtime's room is compared with the one before. A failure names the seed that reproduces it.
 *
 * <p>Who is connected, and since when a player is not, is legitimately not durable: the stream
 * does not hold it and a restart forgets it. So the durable comparison decides the next wake-up as
 * if every seat were a bot's, and a separate check holds the wake-up the live room actually armed
 * to the one decided from the rebuilt room plus the live room's own connection state, and nothing
 * else. After a restart that state must be "nobody connected, every seated player's grace counting
 * from the restart".
 */
public class ReplayPropertyTest {

    private static final int HISTORIES = 100;
    private static final int STEPS = 50;
    private static final long NEVER = 1_000_000_000L;
    private static final List<String> PLAYERS = List.of("ann", "bob", "cy", "dee");

    private final List<RoomRuntime> runtimes = new ArrayList<>();

    @After
    public void tearDown() {
        for (RoomRuntime r : runtimes) {
            if (r.context().active) {
                r.deactivate();
            }
        }
    }

    private RoomRuntime runtime(MemoryEventStore events, TurnGame game, int snapshotEvery) {
        RoomRuntime r = new RoomRuntime();
        r.bindGame(game);
        r.bindEventStore(events);
        r.bindSnapshotStore(events);
        // Nothing wakes by itself: the history takes each wake-up when it chooses to.
        r.activate(RoomRuntimeTest.config(Map.of("snapshotEvery", snapshotEvery, "botThinkMillis", NEVER,
                "idleTimeoutMillis", NEVER)));
        runtimes.add(r);
        return r;
    }

    /** A new runtime over the same store, once it has brought every room back. */
    private RoomRuntime recovered(MemoryEventStore events, TurnGame game, int snapshotEvery) throws InterruptedException {
        RoomRuntime r = runtime(events, game, snapshotEvery);
        for (int i = 0; i < 1000 && !r.ready(); i++) {
            Thread.sleep(5);
        }
        assertTrue("recovery did not finish", r.ready());
        r.settle();
        return r;
    }

    @Test
    public void replayGivesTheLiveStateAfterEveryStepAndEveryCrash() throws Exception {
        long base = Long.getLong("ludus.property.seed", 20261201L);
        int checks = 0;
        int crashes = 0;
        int actions = 0;
        for (int h = 0; h < HISTORIES; h++) {
            long seed = base + h;
            int[] counts = history(seed);
            checks += counts[0];
            crashes += counts[1];
            actions += counts[2];
        }
        // The generator must reach what the property is about, or it proves nothing.
        assertTrue("too few crash points: " + crashes, crashes >= HISTORIES / 2);
        assertTrue("too few accepted actions: " + actions, actions >= HISTORIES * 5);
        assertTrue("too few checks: " + checks, checks >= HISTORIES * STEPS / 2);
    }

    /** One history; returns {checks, crashes or restarts, accepted actions}. */
    private int[] history(long seed) throws Exception {
        Random rnd = new Random(seed);
        MemoryEventStore events = new MemoryEventStore();
        TurnGame game = new TurnGame("count", 3);
        int snapshotEvery = 1 + rnd.nextInt(6);
        RoomRuntime r = runtime(events, game, snapshotEvery);
        r.context().seeds = new Random(seed); // game seeds too, so a seed redraws the same history
        Map<String, String> options = rnd.nextBoolean() ? Map.of("target", "30") : Map.of("target", "30", "turnMillis", "900000");
        String room = r.create("count", "property " + seed, options).roomId();
        int checks = 0;
        int restarts = 0;
        for (int step = 0; step < STEPS; step++) {
            int op = rnd.nextInt(100);
            String player = PLAYERS.get(rnd.nextInt(PLAYERS.size()));
            String what;
            try {
                if (op < 12) {
                    what = "join " + player;
                    r.join(room, player, player.toUpperCase());
                } else if (op < 18) {
                    what = "leave " + player;
                    r.leave(room, player);
                } else if (op < 24) {
                    what = "add bot";
                    r.addBot(room);
                } else if (op < 27) {
                    int seat = rnd.nextInt(3);
                    what = "remove bot " + seat;
                    r.removeBot(room, seat);
                } else if (op < 35) {
                    what = "start";
                    r.start(room);
                } else if (op < 62) {
                    int n = rnd.nextInt(5); // 0 and 4 are illegal
                    what = "act " + player + " " + n;
                    r.act(room, player, "add", Map.of("n", n)).toCompletableFuture().get(10, TimeUnit.SECONDS);
                } else if (op < 72) {
                    boolean on = rnd.nextBoolean();
                    what = "connected " + player + " " + on;
                    r.setConnected(room, player, on);
                } else if (op < 88) {
                    what = "wake";
                    r.wakeNow(room);
                } else {
                    boolean crash = op < 94; // a crash writes nothing more; a restart snapshots first
                    what = crash ? "crash" : "restart";
                    Fingerprint before = fingerprint(r, room);
                    if (crash) {
                        r.halt();
                    } else {
                        r.deactivate();
                    }
                    long restartedAt = System.currentTimeMillis();
                    r = recovered(events, game, snapshotEvery);
                    assertEquals("seed " + seed + ", step " + step + ": state after a " + what, before, fingerprint(r, room));
                    assertGraceCountsFromTheRestart("seed " + seed + ", step " + step + " (" + what + ")", r, room,
                            restartedAt);
                    restarts++;
                }
            } catch (RoomException | java.util.concurrent.ExecutionException refused) {
                what = "refused";
            }
            r.settle();
            if (!r.context().rooms.containsKey(room)) {
                break; // the game ended and went to no archive; nothing more to play
            }
            Fingerprint live = fingerprint(r, room);
            Room rebuilt = replay(events, game, room);
            assertEquals("seed " + seed + ", step " + step + " (" + what + "): replay differs from live play", live,
                    fingerprint(rebuilt));
            Armed armed = armed(r, room);
            assertEquals("seed " + seed + ", step " + step + " (" + what + "): the armed wake-up is not the one the "
                    + "stream and the connections decide", armed.wake(),
                    Wake.next(rebuilt, armed.seats(), NEVER, NEVER).orElse(null));
            checks++;
        }
        long actions = events.read(RoomRuntime.STREAM_PREFIX + room, 1, 100_000).stream()
                .filter(e -> e.type().equals(RoomRecord.ActionTaken.TYPE)).count();
        return new int[] {checks, restarts, (int) actions};
    }

    /**
     * Everything durable about a room, and what it would do next if every seat were a bot's (who
     * is connected is not durable: a restart forgets it).
     */
    record Fingerprint(long version, String header, boolean archived, boolean closed, String quarantined,
                       String engine, String wake, RoomState state) {
    }

    private static Fingerprint fingerprint(Room room) {
        String engine = room.engine() == null ? "none"
                : Base64.getEncoder().encodeToString(room.engine().snapshot()) + " " + room.engine().pendingTimer();
        String wake = String.valueOf(Wake.next(room, ALL_BOTS, 1000, 5000).orElse(null));
        // The header without lastChangeAt: live play takes it from the runtime's clock when a record
        // is committed, a replay from the store's time stamp of the record (the same moment, give or
        // take the append's milliseconds).
        SnapshotHeader h = room.name() == null ? null : room.header();
        String header = h == null ? "" : String.valueOf(new SnapshotHeader(h.name(), h.gameType(), h.createdBy(),
                h.options(), h.createdAt(), h.state(), h.seed(), h.startedAt(), h.seats(), h.lastMoveAt(),
                h.operatorPause(), h.ended()));
        return new Fingerprint(room.version(), header, room.archived(),
                room.closed(), room.quarantined(), engine, wake, room.state());
    }

    /** The live room's fingerprint, read in a step of the room. */
    private static Fingerprint fingerprint(RoomRuntime r, String roomId) throws Exception {
        LiveRoom live = r.context().rooms.get(roomId);
        java.util.concurrent.CompletableFuture<Fingerprint> f = new java.util.concurrent.CompletableFuture<>();
        live.steps.run(() -> f.complete(fingerprint(live.room())));
        return f.get(10, TimeUnit.SECONDS);
    }

    /** A room rebuilt from nothing but its records, through the same {@link Room#apply}. */
    private static Room replay(MemoryEventStore events, TurnGame game, String roomId) {
        Room room = new Room(roomId, type -> type.equals(game.type()) ? game : null);
        RecordCodec codec = new RecordCodec();
        for (RecordedEvent e : events.read(RoomRuntime.STREAM_PREFIX + roomId, 1, 100_000)) {
            room.apply(codec.decode(e.type(), e.data()), e.version(), e.timestamp());
        }
        return room;
    }

    /** Every seat played by a bot: the decision the durable state alone makes. */
    private static final Wake.Seats ALL_BOTS = new Wake.Seats() {
        @Override public Wake.Kind cover(int seat) { return Wake.Kind.BOT; }
        @Override public long graceEnds(int seat) { return 0; }
    };

    /** How a live room covered each seat (the part that is not durable), frozen, and what it armed. */
    record Armed(Wake wake, Wake.Kind[] cover, long[] graceEnds) {
        Wake.Seats seats() {
            return new Wake.Seats() {
                @Override public Wake.Kind cover(int seat) { return cover[seat]; }
                @Override public long graceEnds(int seat) { return graceEnds[seat]; }
            };
        }
    }

    /** The live room's armed wake-up and seat cover, read in a step of the room. */
    private static Armed armed(RoomRuntime r, String roomId) throws Exception {
        LiveRoom live = r.context().rooms.get(roomId);
        long grace = r.context().config.disconnectGraceSeconds() * 1000L;
        java.util.concurrent.CompletableFuture<Armed> f = new java.util.concurrent.CompletableFuture<>();
        live.steps.run(() -> {
            int n = live.room().seatCount();
            Wake.Seats seats = live.seats(grace);
            Wake.Kind[] cover = new Wake.Kind[n];
            long[] ends = new long[n];
            for (int i = 0; i < n; i++) {
                cover[i] = seats.cover(i);
                ends[i] = cover[i] == Wake.Kind.AWAY ? seats.graceEnds(i) : 0;
            }
            f.complete(new Armed(live.wake, cover, ends));
        });
        return f.get(10, TimeUnit.SECONDS);
    }

    /**
     * After a restart nobody is connected, and each seated player's grace counts from the restart:
     * not from nothing (every seat to a bot at once), not never (a game frozen for good).
     */
    private static void assertGraceCountsFromTheRestart(String where, RoomRuntime r, String roomId, long restartedAt)
            throws Exception {
        Armed armed = armed(r, roomId);
        Room room = r.context().rooms.get(roomId).room();
        long grace = r.context().config.disconnectGraceSeconds() * 1000L;
        for (int i = 0; i < armed.cover().length; i++) {
            if (room.seat(i).human()) {
                assertEquals(where + ": seat " + i + " after the restart", Wake.Kind.AWAY, armed.cover()[i]);
                long ends = armed.graceEnds()[i];
                assertTrue(where + ": seat " + i + "'s grace ends at " + ends + ", restarted at " + restartedAt,
                        ends >= restartedAt + grace && ends <= System.currentTimeMillis() + grace);
            }
        }
    }
}
