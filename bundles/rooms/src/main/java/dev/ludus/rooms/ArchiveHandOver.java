package dev.ludus.rooms;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomState;

/**
 * Hands finished games to the archive. The archive queues a game durably before it returns and is
 * idempotent by game id, so a hand-over that is repeated (after a crash between the submit and the
 * {@code archived} record, say) stores the game once. A hand-over that keeps failing is
 * quarantined: a {@code quarantined} record says so, it is no longer retried by itself, and health
 * names it until an operator raises {@code archiveRetryQuarantined}.
 */
final class ArchiveHandOver {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveHandOver.class);

    private final RoomsContext ctx;
    private final RoomDriver driver;
    private final AtomicInteger inFlight = new AtomicInteger();

    ArchiveHandOver(RoomsContext ctx, RoomDriver driver) {
        this.ctx = ctx;
        this.driver = driver;
    }

    /** Hand-overs submitted to the archive and not yet answered. */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Starts the hand-over of a finished game, unless one is running, the room needs none, no
     * archive is bound, or it is quarantined for the current retry generation. A room step.
     */
    void start(LiveRoom live) {
        Room room = live.room();
        ArchiveService service = ctx.archive;
        if (service == null || !ctx.active || live.handOverRunning || live.needsRebuild
                || room.state() != RoomState.FINISHED || room.archived() || room.closed()) {
            return; // a closed room held no finished game: nothing to archive
        }
        if (room.quarantined() != null && ctx.config.archiveRetryQuarantined() <= room.quarantineGeneration()) {
            return; // waits for an operator to raise archiveRetryQuarantined
        }
        long version = room.version();
        List<String> humans = new ArrayList<>();
        for (int i = 0; i < room.seatCount(); i++) {
            if (room.seat(i).human()) {
                humans.add(room.seat(i).playerId());
            }
        }
        Instant started = room.startedAt() == null ? room.createdAt() : room.startedAt();
        String gameType = room.gameType();
        Map<String, Object> finished;
        try {
            finished = GameAnnouncer.finished(live, room);
        } catch (RuntimeException e) {
            LOG.warn("room {}: the game's result could not be read; archived without it: {}", live.id, e.toString());
            finished = null;
        }
        Map<String, Object> summary = finished;
        live.handOverRunning = true;
        inFlight.incrementAndGet();
        ctx.background.execute(() -> {
            try {
                service.submit(completedGame(live, gameType, started, humans, version, summary));
                live.steps.submit(() -> archived(live, version));
            } catch (RuntimeException e) {
                live.steps.submit(() -> failed(live, e));
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    /** The archive holds the game: record that. A room step. */
    private java.util.concurrent.CompletionStage<?> archived(LiveRoom live, long version) {
        live.handOverRunning = false;
        Room room = live.room();
        if (room.archived() || room.version() != version || ctx.eventStore == null) {
            return null; // moved on, or retried later: the archive is idempotent by game id
        }
        boolean wasQuarantined = room.quarantined() != null;
        return driver.commit(live, new RoomRecord.Archived(), List.of(), RoomDriver.Reply.afterEffects(() -> {
            live.handOverFailures = 0;
            if (wasQuarantined) {
                LOG.info("room {}: quarantined archive hand-over succeeded on retry", live.id);
            }
        }, e -> LOG.warn("room {}: the archived record was not written, will retry: {}", live.id, e.getMessage())));
    }

    /**
     * Counts a failed hand-over. One that failed {@code archiveQuarantineAfter} times in a row (or
     * once more after an operator's retry) is quarantined. A room step.
     */
    private java.util.concurrent.CompletionStage<?> failed(LiveRoom live, RuntimeException error) {
        live.handOverRunning = false;
        live.handOverFailures++;
        Room room = live.room();
        int after = RoomsContext.clamp(ctx.config.archiveQuarantineAfter(), 1, 1000);
        boolean retried = room.quarantined() != null;
        if (room.archived() || (!retried && live.handOverFailures < after)) {
            LOG.warn("room {}: archive hand-over failed ({} of {} before quarantine), will retry: {}", live.id,
                    live.handOverFailures, after, error.toString());
            return null;
        }
        if (ctx.eventStore == null) {
            return null;
        }
        long generation = Math.max(0, ctx.config.archiveRetryQuarantined());
        String reason = error.getMessage() == null ? error.toString() : error.getMessage();
        String why = reason.length() > 300 ? reason.substring(0, 300) + "…" : reason;
        RoomRecord.Quarantined q = new RoomRecord.Quarantined(why, generation, live.handOverFailures);
        return driver.commit(live, q, List.of(), RoomDriver.Reply.afterEffects(() -> {
            live.handOverFailures = 0;
            LOG.warn("room {}: archive hand-over failed {} time(s) ({}): quarantined and no longer retried; set "
                    + "archiveRetryQuarantined of {} above {} to retry", live.id, q.failures(), why, RoomsContext.PID,
                    generation);
        }, e -> LOG.warn("room {}: could not record the quarantine, will try again: {}", live.id, e.getMessage())));
    }


    /**
     * Records of the room's own bookkeeping after its game ended (announced on the bus, handed to
     * the archive, quarantined). They are left out of the archived record: they are not the game,
     * and one landing while a hand-over is under way makes the hand-over run again, which must hand
     * over the very same game (the same records, the same completion time) or the archive's copies
     * would differ (the first stored, a later one still queued).
     */
    private static final java.util.Set<String> BOOKKEEPING = java.util.Set.of(RoomRecord.Announced.TYPE,
            RoomRecord.Archived.TYPE, RoomRecord.Quarantined.TYPE);

    /**
     * The archived record: the room's stream up to {@code upTo} but its bookkeeping, from which the
     * game can be replayed; completed when its last record was written.
     */
    private CompletedGame completedGame(LiveRoom live, String gameType, Instant started, List<String> humans, long upTo,
                                        Map<String, Object> finished) {
        EventStore es = ctx.eventStore;
        if (es == null) {
            throw new IllegalStateException("event store unavailable");
        }
        List<Map<String, Object>> records = new ArrayList<>();
        long from = 1;
        long completedAt = 0;
        while (from <= upTo) {
            List<RecordedEvent> page = es.read(live.stream, from, 1000);
            if (page.isEmpty()) {
                break;
            }
            for (RecordedEvent e : page) {
                if (e.version() > upTo) {
                    break;
                }
                if (BOOKKEEPING.contains(e.type())) {
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("version", e.version());
                m.put("type", e.type());
                m.put("timestamp", e.timestamp());
                m.put("data", ctx.codec.tree(e.data()));
                records.add(m);
                completedAt = e.timestamp();
            }
            from = page.get(page.size() - 1).version() + 1;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", "ludus-room-record/1");
        doc.put("roomId", live.id);
        doc.put("records", records);
        if (finished != null) {
            doc.put("finished", finished); // what game.finished said: statistics rebuild from it
        }
        return new CompletedGame(live.id, gameType, started, Instant.ofEpochMilli(completedAt), humans,
                ctx.codec.write(doc));
    }
}
