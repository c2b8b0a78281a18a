package dev.ludus.rooms;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;

/**
 * Brings every room back from the event store when the runtime starts (or the event store first
 * appears), each rebuilt by {@link RoomDriver#rebuild}, and tells health and readiness when all
 * are back.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final RoomsContext ctx;
    private final RoomDriver driver;
    private volatile boolean started;
    private volatile long millis = -1;
    private volatile int recovered;

    Recovery(RoomsContext ctx, RoomDriver driver) {
        this.ctx = ctx;
        this.driver = driver;
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
        List<String> streams = es.streams().stream().filter(s -> s.startsWith(RoomsContext.STREAM_PREFIX)).sorted().toList();
        CountDownLatch done = new CountDownLatch(streams.size());
        AtomicInteger loaded = new AtomicInteger();
        for (String stream : streams) {
            LiveRoom live = ctx.newRoom(stream.substring(RoomsContext.STREAM_PREFIX.length()));
            // Known at once, so a call for the room (a gateway subscribing its players again)
            // finds it and queues behind its rebuild instead of being told it does not exist.
            ctx.rooms.put(live.id, live);
            live.steps.run(() -> {
                try {
                    RecordedEvent last = lastRecord(es, stream);
                    String type = last == null ? "" : last.type();
                    boolean ended = RoomRecord.Archived.TYPE.equals(type) || RoomRecord.Closed.TYPE.equals(type);
                    boolean showResult = RoomRecord.Archived.TYPE.equals(type)
                            && last.timestamp() + driver.finishedMillis() > ctx.clock.millis();
                    if (!ended || showResult) {
                        driver.rebuild(live);
                        if (!ended) {
                            loaded.incrementAndGet();
                        }
                    } else {
                        ctx.rooms.remove(live.id, live);
                        live.subscribers.clear();
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
}
