package dev.ludus.rooms;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.rooms.RoomService;

/**
 * The real rooms runtime wired by hand, the way Declarative Services wires it, for benchmarks of
 * other packages that run outside a framework. Bots think for ever, so rooms stay as created.
 */
public final class StandaloneRooms implements AutoCloseable {

    private final RoomRuntime runtime = new RoomRuntime();

    public StandaloneRooms(GameDefinition game, EventStore events) {
        runtime.bindGame(game);
        runtime.bindEventStore(events);
        // Rooms created without a creator are not capped; empty ones stay for a week.
        runtime.activate(BenchmarkConfig.withBotThink(1_000_000_000L));
    }

    public RoomService service() {
        return runtime;
    }

    @Override
    public void close() {
        runtime.deactivate();
    }
}
