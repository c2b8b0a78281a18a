package dev.ludus.rooms;

import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;

/**
 * A room rebuilt from the store: its latest usable snapshot, then every later record, applied by
 * {@link Room#apply} exactly as live play applied them. Reads only; what the rebuilt room then
 * does is the driver's business.
 */
final class Replay {

    private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
    private static final int PAGE = 1000;

    private final RoomsContext ctx;
    private final Snapshots snapshots;

    Replay(RoomsContext ctx, Snapshots snapshots) {
        this.ctx = ctx;
        this.snapshots = snapshots;
    }

    /** A fresh {@link Room} for {@code live}: the latest usable snapshot, then every later record. */
    Room replay(LiveRoom live, EventStore es) {
        Room room = live.reset();
        live.snapshotVersion = 0;
        long from = 1;
        SnapshotStore store = ctx.snapshotStore;
        Optional<Snapshot> snap = store == null ? Optional.empty() : store.latest(live.stream);
        if (snap.isPresent()) {
            try {
                snapshots.restore(room, snap.get().data(), snap.get().version());
                live.snapshotVersion = snap.get().version();
                from = snap.get().version() + 1;
            } catch (RuntimeException e) {
                LOG.warn("room {}: snapshot unusable ({}), replaying from the start", live.id, e.toString());
                room = live.reset();
                live.snapshotVersion = 0;
                from = 1;
            }
        }
        while (true) {
            List<RecordedEvent> page = es.read(live.stream, from, PAGE);
            for (RecordedEvent e : page) {
                room.apply(ctx.codec.decode(e.type(), e.data()), e.version(), e.timestamp());
            }
            if (page.size() < PAGE) {
                return room;
            }
            from = page.get(page.size() - 1).version() + 1;
        }
    }
}
