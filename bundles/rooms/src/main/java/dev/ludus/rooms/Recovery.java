package dev.ludus.rooms;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.rooms.RoomState;

/**
 * Brings rooms back from the event store: all of them when the runtime starts (or the event
 * store first appears), and one at a time whenever a room's memory may differ from its stream (a
 * failed append, a game bundle that returns, an event store that was away). A room is its latest
 * snapshot plus the records after it, applied by {@link Room#apply} exactly as live play applied
 * them.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    private static final int PAGE = 1000;

    private final RoomsContext ctx;
    private final RoomDriver driver;
    private final Publisher publisher;
    private final Snapshots snapshots;
    private volatile boolean started;
    private volatile long millis = -1;
    private volatile int recovered;

    Recovery(RoomsContext ctx, RoomDriver driver, Publisher publisher, Snapshots snapshots) {
        this.ctx = ctx;
        this.driver = driver;
        this.publisher = publisher;
        this.snapshots = snapshots;
    }

    /** Whether every room that ran before has been brought back. */
    boolean done() {
        return millis >= 0;
    }

    /** Whether {@link #recoverAll} ran in this activation. */
    boolean started() {
        return started;
    }

    long millis() {
        return millis;
    }

    int recoveredRooms() {
        return recovered;
    }

    /**
     * Loads every room that has not ended for good, once per activation. Rooms whose game was
     * archived come back too while {@code finishedRoomSeconds} lasts, so their players see the
     * result; closed rooms do not.
     */
    void recoverAll() {
        EventStore es = ctx.eventStore;
        if (es == null || started) {
            return;
        }
        started = true;
        long start = System.nanoTime();
        List<String> streams = es.streams().stream().filter(s -> s.startsWith(RoomRuntime.STREAM_PREFIX)).sorted().toList();
        CountDownLatch done = new CountDownLatch(streams.size());
        AtomicInteger loaded = new AtomicInteger();
        for (String stream : streams) {
            LiveRoom live = ctx.newRoom(stream.substring(RoomRuntime.STREAM_PREFIX.length()));
            live.steps.run(() -> {
                try {
                    RecordedEvent last = lastRecord(es, stream);
                    String type = last == null ? "" : last.type();
                    boolean ended = RoomRecord.Archived.TYPE.equals(type) || RoomRecord.Closed.TYPE.equals(type);
                    boolean showResult = RoomRecord.Archived.TYPE.equals(type)
                            && last.timestamp() + driver.finishedMillis() > ctx.clock.millis();
                    if (!ended || showResult) {
                        ctx.rooms.put(live.id, live);
                        rebuild(live);
                        if (!ended) {
                            loaded.incrementAndGet();
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        ctx.background.execute(() -> {
            try {
                done.await();
                recovered = loaded.get();
                millis = (System.nanoTime() - start) / 1_000_000;
                LOG.info("rooms: recovered {} rooms from {} streams in {} ms", loaded.get(), streams.size(), millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The stream's last record, or null. */
    private static RecordedEvent lastRecord(EventStore es, String stream) {
        long v = es.version(stream);
        if (v <= 0) {
            return null;
        }
        List<RecordedEvent> last = es.read(stream, v, 1);
        return last.isEmpty() ? null : last.get(0);
    }

    /**
     * Rebuilds a room from its latest snapshot and the later records, then pauses or resumes it
     * and lets the driver decide what comes next. A room step.
     */
    void rebuild(LiveRoom live) {
        live.disarm();
        boolean wasPaused = live.paused();
        EventStore es = ctx.eventStore;
        if (es == null) {
            live.needsRebuild = true;
            live.room().dropEngine();
            driver.pause(live, "event store unavailable");
            return;
        }
        try {
            Room room = replay(live, es);
            live.needsRebuild = false;
            room.assumeLastMoveAt(ctx.clock.millis());
            if (room.state() == RoomState.PLAYING && room.engine() == null) {
                driver.pause(live, "game '" + room.gameType() + "' is not available");
            } else {
                live.pauseReason("");
                if (wasPaused && room.state() == RoomState.PLAYING) {
                    publisher.broadcast(live, "game_resumed", Map.of());
                }
            }
        } catch (RuntimeException e) {
            LOG.error("room {}: cannot be rebuilt", live.id, e);
            live.room().dropEngine();
            live.needsRebuild = true;
            driver.pause(live, "cannot be rebuilt: " + e.getMessage());
        }
        live.dropUnseated();
        publisher.refresh(live);
        driver.next(live);
    }

    /** A fresh {@link Room} for {@code live}: the latest usable snapshot, then every later record. */
    private Room replay(LiveRoom live, EventStore es) {
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
