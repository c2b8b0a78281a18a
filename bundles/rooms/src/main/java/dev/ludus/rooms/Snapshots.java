package dev.ludus.rooms;

import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.rooms.RoomState;

/**
 * Room snapshots, so recovery replays only the records after the latest one. A snapshot is
 * {@code "LRS1"}, the length of the JSON {@link SnapshotHeader}, the header, then the engine's own
 * bytes ({@link GameEngine#snapshot()}). Snapshots are an optimisation: one that cannot be read is
 * ignored and the room is replayed from its first record.
 */
final class Snapshots {

    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    private static final int MAGIC = 0x4c525331; // "LRS1"

    private final RoomsContext ctx;

    Snapshots(RoomsContext ctx) {
        this.ctx = ctx;
    }

    /** Whether the room has moved on far enough since its latest snapshot to take another. */
    boolean due(LiveRoom live) {
        return live.room().version() - live.snapshotVersion >= Math.max(1, ctx.config.snapshotEvery());
    }

    /**
     * Saves the room's state now, on the background thread ({@code async}) or before returning.
     * A room step; a failure is logged and otherwise ignored.
     */
    void save(LiveRoom live, boolean async) {
        SnapshotStore store = ctx.snapshotStore;
        Room room = live.room();
        if (store == null || room.engine() == null || live.needsRebuild) {
            return;
        }
        Snapshot s = new Snapshot(live.stream, room.version(), encode(room.header(), room.engine().snapshot()));
        live.snapshotVersion = room.version();
        Runnable save = () -> {
            try {
                store.save(s);
            } catch (RuntimeException e) {
                LOG.warn("room {}: snapshot at version {} not saved: {}", live.id, s.version(), e.toString());
            }
        };
        if (async) {
            ctx.background.execute(save);
        } else {
            save.run();
        }
    }

    /** Deletes the room's snapshots, in the background. */
    void delete(LiveRoom live) {
        SnapshotStore store = ctx.snapshotStore;
        if (store == null || live.snapshotVersion == 0) {
            return;
        }
        ctx.background.execute(() -> {
            try {
                store.delete(live.stream);
            } catch (RuntimeException e) {
                LOG.debug("room {}: snapshots not deleted: {}", live.id, e.toString());
            }
        });
    }

    /**
     * Restores {@code room} from a snapshot taken at {@code version}; the engine is restored only
     * for a running game whose definition is installed.
     *
     * @throws IllegalArgumentException if the bytes are not a room snapshot
     */
    void restore(Room room, byte[] data, long version) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        if (data.length < 8 || buf.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a room snapshot");
        }
        int len = buf.getInt();
        if (len < 0 || len > data.length - 8) {
            throw new IllegalArgumentException("bad snapshot header length");
        }
        byte[] header = new byte[len];
        buf.get(header);
        byte[] engineBytes = new byte[buf.remaining()];
        buf.get(engineBytes);
        SnapshotHeader h = ctx.codec.decodeHeader(header);
        room.restore(h, version, null);
        RoomState state = RoomState.valueOf(h.state());
        GameDefinition def = ctx.game(h.gameType());
        if (state == RoomState.PLAYING && def != null) {
            room.attach(def.restore(room.setup(), engineBytes)); // the setup comes from the header
        } else if (state == RoomState.FINISHED && !room.closed() && engineBytes.length > 0 && def != null) {
            // A finished game's snapshot (taken as its game's bundle left): its engine gives the
            // final view and the result; a game that cannot read it leaves the room without them.
            try {
                room.attach(def.restore(room.setup(), engineBytes));
            } catch (RuntimeException e) {
                LOG.warn("room {}: the finished game's state could not be restored ({}); it shows no result",
                        room.id(), e.toString());
            }
        }
    }

    static byte[] encode(SnapshotHeader h, byte[] engineBytes, RecordCodec codec) {
        byte[] header = codec.encodeHeader(h);
        return ByteBuffer.allocate(8 + header.length + engineBytes.length)
                .putInt(MAGIC).putInt(header.length).put(header).put(engineBytes).array();
    }

    private byte[] encode(SnapshotHeader h, byte[] engineBytes) {
        return encode(h, engineBytes, ctx.codec);
    }
}
