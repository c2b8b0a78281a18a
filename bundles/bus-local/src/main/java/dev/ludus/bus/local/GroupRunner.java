package dev.ludus.bus.local;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.bus.support.Subscriber;

/**
 * Delivers one consumer group's messages to its handler on this node.
 *
 * <p>A fetcher thread reads each source (the group's topics and its replay stream) from the
 * group's watermark on, and hands each message to a lane chosen by its key, so messages with one
 * key are handled one at a time and in order, while other keys go on in the other lanes. At most
 * {@code maxInFlight} messages are handed out and not yet acknowledged. A lane retries a failed
 * message after the subscriber's backoff (holding up its lane meanwhile), and dead-letters it after
 * the last delivery. Acknowledgements may come out of order across lanes: each source keeps the
 * highest version below which everything is acknowledged (its watermark), which the bus writes to
 * the log now and then; after a restart or a handler change, delivery resumes from there, so
 * messages acknowledged above it are delivered again (at least once).
 *
 * <p>No thread of a runner is ever interrupted: the event log's reads use interruptible file
 * channels, and a handler may be doing I/O. Stopping sets a flag the threads check.
 */
final class GroupRunner {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRunner.class);
    private static final int FETCH = 256;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STOP_WAIT_MILLIS = 10_000;

    /** One stream the group reads, with its acknowledgement state (guarded by itself). */
    static final class Source {
        final String stream;
        final boolean replay;
        long next;
        long watermark;
        final TreeSet<Long> ackedAbove = new TreeSet<>();

        Source(String stream, boolean replay, long watermark) {
            this.stream = stream;
            this.replay = replay;
            this.watermark = watermark;
            this.next = watermark + 1;
        }
    }

    private record Item(Source source, long version, Message message) {
    }

    private final LocalBus bus;
    final Subscriber subscriber;
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final Semaphore window;
    private final List<Thread> lanes = new ArrayList<>();
    private final List<LinkedBlockingQueue<Item>> laneQueues = new ArrayList<>();
    private final Thread fetcher;
    private volatile boolean running = true;
    private volatile boolean waiting;
    private final java.util.concurrent.atomic.AtomicLong inFlight = new java.util.concurrent.atomic.AtomicLong();

    GroupRunner(LocalBus bus, Subscriber subscriber, Map<String, Long> watermarks, int laneCount, int maxInFlight) {
        this.bus = bus;
        this.subscriber = subscriber;
        for (String topic : subscriber.topics()) {
            String stream = Records.topicStream(topic);
            sources.put(stream, new Source(stream, false, start(watermarks, stream)));
        }
        String replay = Records.replayStream(subscriber.group());
        sources.put(replay, new Source(replay, true, start(watermarks, replay)));
        this.window = new Semaphore(maxInFlight);
        String name = "ludus-bus-" + subscriber.group();
        for (int i = 0; i < laneCount; i++) {
            LinkedBlockingQueue<Item> q = new LinkedBlockingQueue<>();
            laneQueues.add(q);
            Thread t = new Thread(() -> runLane(q), name + "-lane-" + i);
            t.setDaemon(true);
            lanes.add(t);
        }
        fetcher = new Thread(this::fetch, name);
        fetcher.setDaemon(true);
    }

    /** Where a source starts: the stored watermark, else before the oldest message still kept. */
    private long start(Map<String, Long> watermarks, String stream) {
        Long stored = watermarks.get(stream);
        long first = bus.first(stream);
        return stored != null ? Math.max(stored, first - 1) : first - 1;
    }

    void start() {
        lanes.forEach(Thread::start);
        fetcher.start();
    }

    /** Something was published: wake the fetcher if it is idle. */
    void wake() {
        if (waiting) {
            LockSupport.unpark(fetcher);
        }
    }

    /**
     * Stops handing out messages and waits (up to 10 s) for the lanes to finish what they are
     * handling; what they did not finish is delivered again by the next runner.
     */
    void stop() {
        running = false;
        LockSupport.unpark(fetcher);
        long deadline = System.currentTimeMillis() + STOP_WAIT_MILLIS;
        List<Thread> all = new ArrayList<>(lanes);
        all.add(fetcher);
        for (Thread t : all) {
            try {
                t.join(Math.max(1, deadline - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                LOG.warn("bus group {}: {} is still busy after {} ms (a slow handler); its message will be delivered "
                        + "again", subscriber.group(), t.getName(), STOP_WAIT_MILLIS);
            }
        }
    }

    /** Source stream to watermark: everything up to it is acknowledged. */
    Map<String, Long> watermarks() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Source s : sources.values()) {
            synchronized (s) {
                out.put(s.stream, s.watermark);
            }
        }
        return out;
    }

    /** Messages handed to the handler, waiting in a lane or for a retry. */
    long inFlight() {
        return inFlight.get();
    }

    // ---------------------------------------------------------------- fetching

    private void fetch() {
        while (running) {
            boolean progressed = false;
            try {
                for (Source s : sources.values()) {
                    if (!running) {
                        break;
                    }
                    progressed |= fetch(s);
                }
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                LOG.error("bus group {}: reading messages failed; trying again in 1 s", subscriber.group(), e);
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            if (!progressed && running) {
                waiting = true;
                if (!anythingNew()) {
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                }
                waiting = false;
            }
        }
    }

    private boolean anythingNew() {
        for (Source s : sources.values()) {
            if (bus.version(s.stream) >= s.next) {
                return true;
            }
        }
        return false;
    }

    private boolean fetch(Source s) {
        long durable = bus.version(s.stream);
        if (durable < s.next) {
            return false;
        }
        int room = window.availablePermits();
        if (room == 0) {
            return false;
        }
        List<RecordedEvent> events = bus.read(s.stream, s.next, Math.min(FETCH, room));
        if (events.isEmpty()) {
            return false;
        }
        long first = events.get(0).version();
        if (first > s.next) {
            LOG.warn("bus group {}: {} message(s) of {} were trimmed before the group read them", subscriber.group(),
                    first - s.next, s.stream);
            synchronized (s) {
                if (s.watermark < first - 1) {
                    s.watermark = first - 1;
                    s.ackedAbove.headSet(first, false).clear();
                }
            }
        }
        for (RecordedEvent e : events) {
            Message m = s.replay ? Records.readReplay(e.data())
                    : Records.readMessage(s.stream.substring(2), e.version(), e.data());
            try {
                window.acquire();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return true;
            }
            inFlight.incrementAndGet();
            laneQueues.get(lane(m)).add(new Item(s, e.version(), m));
        }
        s.next = events.get(events.size() - 1).version() + 1;
        return true;
    }

    private int lane(Message m) {
        String k = m.key() != null ? m.key() : m.id();
        return Math.floorMod(k.hashCode(), laneQueues.size());
    }

    // ---------------------------------------------------------------- delivering

    private void runLane(LinkedBlockingQueue<Item> queue) {
        while (running) {
            Item item;
            try {
                item = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (item != null) {
                deliver(item);
            }
        }
    }

    private void deliver(Item item) {
        int attempt = 1;
        while (true) {
            Throwable failure;
            try {
                bus.metrics().delivered(attempt > 1);
                subscriber.handler().handle(new Delivery(item.message(), subscriber.group(), attempt, item.source().replay));
                acknowledge(item);
                return;
            } catch (PoisonMessageException e) {
                failure = e;
                attempt = subscriber.maxDeliveries(); // no retries
            } catch (Exception | LinkageError e) {
                // LinkageError: the handler's bundle went away under it; the next handler gets the message.
                failure = e;
            }
            if (!running) {
                return; // not acknowledged: the next runner delivers it again
            }
            if (attempt >= subscriber.maxDeliveries()) {
                if (bus.deadLetter(subscriber, item.message(), describe(failure), attempt)) {
                    acknowledge(item);
                }
                return;
            }
            long wait = subscriber.backoff(attempt);
            LOG.debug("bus group {}: message {} failed (attempt {}), retrying in {} ms: {}", subscriber.group(),
                    item.message().id(), attempt, wait, failure.toString());
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
            while (running && System.nanoTime() < until) {
                LockSupport.parkNanos(Math.min(until - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(50)));
            }
            if (!running) {
                return;
            }
            attempt++;
        }
    }

    private static String describe(Throwable t) {
        String s = t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        return s.length() > 2000 ? s.substring(0, 2000) + "…" : s;
    }

    private void acknowledge(Item item) {
        Source s = item.source();
        synchronized (s) {
            long v = item.version();
            if (v == s.watermark + 1) {
                s.watermark = v;
                while (!s.ackedAbove.isEmpty() && s.ackedAbove.first() == s.watermark + 1) {
                    s.watermark = s.ackedAbove.pollFirst();
                }
            } else if (v > s.watermark) {
                s.ackedAbove.add(v);
            }
        }
        inFlight.decrementAndGet();
        window.release();
        bus.metrics().acked();
        bus.acknowledged(this);
    }
}
