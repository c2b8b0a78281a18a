package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;

/**
 * Brings the rooms back from the event store when the runtime starts (or the event store first
 * appears), and tells health and readiness when the rooms that were running are back.
 *
 * <p>Every stream's room is known at once (in {@link RoomsContext#asleep}), so a call for any of
 * them (a gateway subscribing its players again) wakes it and queues behind its rebuild instead of
 * being told it does not exist. A recovery thread then looks at each stream's last record: rooms
 * still waiting or playing are rebuilt first, and readiness waits for them only; rooms closed, or
 * archived longer ago than {@code finishedRoomSeconds}, are forgotten; rooms archived more recently
 * (kept so their players see the result) are rebuilt afterwards, newest first, one at a time, or
 * at once when someone asks for one. A restart after a busy hour thus brings the running games
 * back in the time their own replay takes, not that of every game finished in the last minutes.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final RoomsContext ctx;
    private final RoomDriver driver;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean started;
    private volatile long millis = -1;
    private volatile int recovered;

    Recovery(RoomsContext ctx, RoomDriver driver) {
        this.ctx = ctx;
        this.driver = driver;
        ctx.restore = this::restore;
        ctx.recoveryStarted = this::started;
    }

    /** Whether every room that was running before has been brought back. */
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

    /** Makes every room of the event store known, then brings them back on a thread of its own. Once per activation. */
    void recoverAll() {
        EventStore es = ctx.eventStore;
        if (es == null || started || !ctx.clusterRooms.ready()) {
            return; // without its cluster (requireCluster), recovery waits for it to be bound
        }
        started = true;
        long start = System.nanoTime();
        // In a cluster the shared store holds every node's rooms: leave those of other live nodes alone.
        java.util.Set<String> elsewhere = ctx.clusterRooms.ownedElsewhere();
        List<String> ids = es.streams().stream().filter(s -> s.startsWith(RoomsContext.STREAM_PREFIX))
                .map(s -> s.substring(RoomsContext.STREAM_PREFIX.length())).filter(id -> !elsewhere.contains(id))
                .sorted().toList();
        for (String id : ids) {
            if (!ctx.rooms.containsKey(id)) { // a room a player asked for already runs: it stays as it is
                ctx.asleep.putIfAbsent(id, -1L);
            }
        }
        Thread t = new Thread(() -> recover(es, ids, start), "ludus-rooms-recovery");
        t.setDaemon(true);
        t.start();
    }

    private void recover(EventStore es, List<String> ids, long start) {
        try {
            List<CompletableFuture<Void>> rebuilt = new ArrayList<>();
            List<Map.Entry<String, Long>> finished = new ArrayList<>();
            for (String id : ids) {
                if (!ctx.active) {
                    return;
                }
                if (!ctx.asleep.containsKey(id)) {
                    continue; // a call woke it already
                }
                RecordedEvent last;
                try {
                    last = lastRecord(es, RoomsContext.STREAM_PREFIX + id);
                } catch (RuntimeException e) {
                    ctx.wake(id, rebuilt); // its rebuild decides, and pauses the room if the store is away
                    continue;
                }
                switch (classify(last)) {
                    case RUNNING -> ctx.wake(id, rebuilt);
                    case SHOW_RESULT -> {
                        if (ctx.asleep.replace(id, last.timestamp()) != null) {
                            finished.add(Map.entry(id, last.timestamp()));
                        }
                    }
                    case ENDED -> ctx.asleep.remove(id);
                }
            }
            if (!awaitAll(rebuilt)) {
                return;
            }
            recovered = running.get();
            millis = (System.nanoTime() - start) / 1_000_000;
            LOG.info("rooms: recovered {} rooms from {} streams in {} ms; {} finished rooms follow in the background",
                    recovered, ids.size(), millis, finished.size());
            long later = System.nanoTime();
            finished.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
            int n = 0;
            for (Map.Entry<String, Long> f : finished) {
                List<CompletableFuture<Void>> one = new ArrayList<>(1);
                ctx.wake(f.getKey(), one);
                if (!awaitAll(one)) {
                    return;
                }
                n++;
            }
            if (n > 0) {
                LOG.info("rooms: restored {} finished rooms in {} ms", n, (System.nanoTime() - later) / 1_000_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("rooms: recovery failed; rooms not yet rebuilt are rebuilt when asked for", e);
        }
    }

    /** Waits for every future while the runtime is active; false if it stopped first. */
    private boolean awaitAll(List<CompletableFuture<Void>> futures) throws InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        while (true) {
            if (!ctx.active) {
                return false;
            }
            try {
                all.get(1, TimeUnit.SECONDS);
                return true;
            } catch (TimeoutException e) {
                // look at ctx.active again
            } catch (ExecutionException e) {
                return true; // a rebuild's failure is the room's own (it pauses); recovery goes on
            }
        }
    }

    private enum Kind { RUNNING, SHOW_RESULT, ENDED }

    /**
     * What a stream's last record says of its room. A finished game ends with its archived and
     * announced records in either order; one announced but not yet archived is rebuilt to be archived.
     */
    private Kind classify(RecordedEvent last) {
        String type = last == null ? "" : last.type();
        if (RoomRecord.Closed.TYPE.equals(type)) {
            return Kind.ENDED;
        }
        if (RoomRecord.Archived.TYPE.equals(type) || (RoomRecord.Announced.TYPE.equals(type) && last.version() > 1
                && RoomRecord.Archived.TYPE.equals(previousType(last)))) {
            return last.timestamp() + driver.finishedMillis() > ctx.clock.millis() ? Kind.SHOW_RESULT : Kind.ENDED;
        }
        if (RoomRecord.Announced.TYPE.equals(type)) {
            return Kind.SHOW_RESULT; // finished, not archived yet: rebuilt in the background, then archived
        }
        return Kind.RUNNING;
    }

    /** The type of the record before {@code last} in its stream, or "" if it cannot be read. */
    private String previousType(RecordedEvent last) {
        EventStore es = ctx.eventStore;
        try {
            List<RecordedEvent> before = es == null ? List.of() : es.read(last.stream(), last.version() - 1, 1);
            return before.isEmpty() ? "" : before.get(0).type();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /**
     * Rebuilds a room just taken out of {@link RoomsContext#asleep}, as a step of the room; a room
     * that turns out to have ended for good is forgotten instead.
     */
    private CompletableFuture<Void> restore(LiveRoom live) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        live.steps.run(() -> {
            try {
                EventStore es = ctx.eventStore;
                if (es == null) {
                    driver.rebuild(live); // pauses it until the store returns
                    return;
                }
                if (!ctx.clusterRooms.mayRun(live.id)) { // another live node runs it
                    ctx.rooms.remove(live.id, live);
                    live.subscribers.clear();
                    return;
                }
                Kind kind = classify(lastRecord(es, live.stream));
                if (kind == Kind.ENDED) {
                    ctx.rooms.remove(live.id, live);
                    live.subscribers.clear();
                    ctx.clusterRooms.released(live.id);
                    return;
                }
                driver.rebuild(live);
                if (kind == Kind.RUNNING) {
                    running.incrementAndGet();
                }
            } catch (RuntimeException e) {
                LOG.error("room {}: cannot be restored", live.id, e);
                driver.rebuild(live);
            } finally {
                done.complete(null);
            }
        });
        return done;
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
