package dev.ludus.rooms;

import java.lang.annotation.Annotation;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.rooms.RoomService;

/**
 * The real rooms runtime for other modules' unit tests (the gateway's), wired by hand the way
 * Declarative Services wires it in the framework (the integration tests run it in Felix). It lives
 * in this package because the runtime's wiring is package-private; the module's test-jar carries
 * only this class.
 */
public final class TestRooms implements AutoCloseable {

    private final RoomRuntime runtime = new RoomRuntime();
    private final long botThink;
    private final int grace;

    /**
     * @param disconnectGraceSeconds how long a disconnected player's seat waits before a bot moves
     *                               for it (0: at once)
     */
    public TestRooms(GameDefinition game, EventStore events, SnapshotStore snapshots, long botThinkMillis,
                     int disconnectGraceSeconds) {
        this.botThink = botThinkMillis;
        this.grace = disconnectGraceSeconds;
        runtime.bindGame(game);
        runtime.bindEventStore(events);
        runtime.bindSnapshotStore(snapshots);
        runtime.activate(config(botThinkMillis, 1000, disconnectGraceSeconds));
    }

    /** Lets each player have at most {@code rooms} open rooms (the tests' default is 1000). */
    public void limitRoomsPerPlayer(int rooms) {
        runtime.modified(config(botThink, rooms, grace));
    }

    private static RoomsConfig config(long botThinkMillis, int roomsPerPlayer, int graceSeconds) {
        return new RoomsConfig() {
            @Override public Class<? extends Annotation> annotationType() { return RoomsConfig.class; }
            @Override public int snapshotEvery() { return 20; }
            @Override public long botThinkMillis() { return botThinkMillis; }
            @Override public long idleTimeoutMillis() { return 600_000; }
            @Override public int disconnectGraceSeconds() { return graceSeconds; }
            @Override public int archiveRetrySeconds() { return 60; }
            @Override public int threads() { return 2; }
            @Override public int maxOpenRoomsPerPlayer() { return roomsPerPlayer; }
            @Override public int emptyRoomSeconds() { return 600; }
            @Override public int abandonedGameSeconds() { return 600; }
            @Override public int finishedRoomSeconds() { return 600; }
            @Override public int maxArgumentDepth() { return 8; }
            @Override public int maxArgumentBytes() { return 2048; }
            @Override public int archiveQuarantineAfter() { return 5; }
            @Override public int archiveRetryQuarantined() { return 0; }
            @Override public String bus_target() { return "(ludus.bus=local)"; }
            @Override public int slowAppendMillis() { return 1000; }
            @Override public boolean requireCluster() { return false; }
        };
    }

    public RoomService service() {
        return runtime;
    }

    @Override
    public void close() {
        runtime.deactivate();
    }
}
