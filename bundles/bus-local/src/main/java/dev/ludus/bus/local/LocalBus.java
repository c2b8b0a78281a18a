package dev.ludus.bus.local;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.Published;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.bus.support.Checks;
import dev.ludus.bus.support.Subscriber;
import dev.ludus.bus.support.BusCore;
import dev.ludus.bus.support.BusMetrics;

/**
 * The local bus: messages, consumer cursors and dead letters as records of one event log (the
 * event store's log code, in its own directory; see {@link Records}), so a publish is durable when
 * its group commit is, and a restart finds every group where it had acknowledged.
 *
 * <p>Consumer groups are delivered by a {@link GroupRunner} each, for the first registered
 * {@link Subscriber} of the group (another one of the same group waits its turn). Cursors are
 * written every {@code checkpointMillis} while they move, and when a runner stops. Every
 * {@code retentionMillis} the log's segments that no known group still needs (every group past
 * them, no waiting dead letter in them) are deleted; the groups' cursors are written first so the
 * latest of each stays.
 */
public final class LocalBus implements AutoCloseable, BusCore {

    private static final Logger LOG = LoggerFactory.getLogger(LocalBus.class);
    private static final long WAIT_MILLIS = 30_000;

    /**
     * @param lanes           concurrent deliveries per group (messages with one key stay in one lane)
     * @param maxInFlight     messages per group handed out and not yet acknowledged
     * @param checkpointMillis how often moved cursors are written
     * @param retentionMillis how often unneeded segments are looked for
     * @param lagWarning      lag of a group above which the health check says DEGRADED
     */
    public record Settings(int lanes, int maxInFlight, long checkpointMillis, long retentionMillis, long lagWarning) {

        public static Settings defaults() {
            return new Settings(4, 1000, 200, 30_000, 10_000);
        }
    }

    private final EventLog log;
    private final Settings settings;
    private final Clock clock;
    private final BusMetrics metrics;
    private final String idPrefix;
    private final AtomicLong idCounter = new AtomicLong();
    /** Group to source stream to acknowledged watermark: stored ones, updated from running groups. */
    private final Map<String, Map<String, Long>> cursors = new ConcurrentHashMap<>();
    /** What each group's cursor record last said (guarded by itself). */
    private final Map<String, Map<String, Long>> written = new HashMap<>();
    /** Group to its dead letters waiting for an operator, by id (each map guarded by itself). */
    private final Map<String, TreeMap<Long, DeadLetter>> dead = new ConcurrentHashMap<>();
    /** Subscribers by group, the first one running (guarded by this). */
    private final Map<String, Deque<Subscriber>> subscribers = new LinkedHashMap<>();
    private final Map<String, GroupRunner> runners = new ConcurrentHashMap<>();
    private final Set<GroupRunner> moved = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService housekeeping;
    private volatile boolean closed;

    private LocalBus(EventLog log, Settings settings, Clock clock, BusMetrics metrics) {
        this.log = log;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.idPrefix = Long.toString(clock.millis(), 36) + Long.toString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL, 36);
        load();
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-bus-local-housekeeping");
            t.setDaemon(true);
            return t;
        });
        housekeeping.scheduleWithFixedDelay(this::checkpointMoved, settings.checkpointMillis(),
                settings.checkpointMillis(), TimeUnit.MILLISECONDS);
        housekeeping.scheduleWithFixedDelay(this::retain, settings.retentionMillis(), settings.retentionMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the bus's log in {@code dir} and reads back every group's cursor and dead letters.
     *
     * @throws EventStoreException as {@link EventLog#open} does (locked, corrupt, unreadable)
     */
    public static LocalBus open(Path dir, LogSettings logSettings, Settings settings, Clock clock, BusMetrics metrics) {
        EventLog log = EventLog.open(dir, logSettings, clock);
        try {
            return new LocalBus(log, settings, clock, metrics);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    private void load() {
        for (String stream : log.streams()) {
            if (stream.startsWith("g:")) {
                String group = stream.substring(2);
                long v = log.version(stream);
                List<RecordedEvent> last = log.read(stream, v, 1);
                if (!last.isEmpty()) {
                    Map<String, Long> c = new LinkedHashMap<>(Records.readCursor(last.get(0).data()));
                    cursors.put(group, c);
                    written.put(group, new LinkedHashMap<>(c));
                }
            } else if (stream.startsWith("d:")) {
                String group = stream.substring(2);
                TreeMap<Long, DeadLetter> waiting = new TreeMap<>();
                long from = log.first(stream);
                while (true) {
                    List<RecordedEvent> batch = log.read(stream, from, 512);
                    if (batch.isEmpty()) {
                        break;
                    }
                    for (RecordedEvent e : batch) {
                        if (e.type().equals(Records.DEAD)) {
                            waiting.put(e.version(), Records.readDead(group, e.version(), e.data()));
                        } else if (e.type().equals(Records.RESOLVED)) {
                            Records.readResolved(e.data()).ids().forEach(waiting::remove);
                        }
                    }
                    from = batch.get(batch.size() - 1).version() + 1;
                }
                dead.put(group, waiting);
            }
        }
        for (String group : cursors.keySet()) {
            dead.computeIfAbsent(group, g -> new TreeMap<>());
        }
        LOG.info("local bus in {}: {} consumer group(s), {} dead letter(s) waiting", log.directory(), cursors.size(),
                dead.values().stream().mapToInt(Map::size).sum());
    }

    BusMetrics metrics() {
        return metrics;
    }

    /** The directory of the bus's log. */
    public Path directory() {
        return log.directory();
    }

    // ---------------------------------------------------------------- publishing

    /** See {@link dev.ludus.api.bus.MessageBus#publish}. */
    public CompletionStage<Published> publish(OutgoingMessage m) {
        long started = System.nanoTime();
        try {
            Checks.message(m);
        } catch (BusException e) {
            metrics.refused.inc();
            return CompletableFuture.failedFuture(e);
        }
        if (closed) {
            metrics.refused.inc();
            return CompletableFuture.failedFuture(new BusException("bus_closed", "the local bus is closed", null));
        }
        String id = m.id() != null ? m.id() : idPrefix + "-" + Long.toString(idCounter.incrementAndGet(), 36);
        byte[] data = Records.message(id, m.key(), m.payload(), m.headers(), clock.millis());
        String topic = m.topic();
        return log.appendAsync(Records.topicStream(topic), EventStore.ANY, List.of(new NewEvent(Records.MESSAGE, data)))
                .handle((version, error) -> {
                    if (error != null) {
                        metrics.refused.inc();
                        throw new CompletionException(translate(error));
                    }
                    metrics.published(System.nanoTime() - started);
                    for (GroupRunner r : runners.values()) {
                        r.wake();
                    }
                    return new Published(id, topic, version);
                });
    }

    private static BusException translate(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof BusException b) {
            return b;
        }
        if (t instanceof EventStoreException e) {
            return switch (e.code()) {
                case "overloaded" -> new BusException("overloaded", "too many messages wait for the disk; nothing was "
                        + "stored, retry later", e);
                case "store_closed" -> new BusException("bus_closed", "the local bus is closed; nothing was stored", e);
                default -> new BusException("bus_unavailable", "the local bus could not store the message: "
                        + e.getMessage(), e);
            };
        }
        return new BusException("bus_unavailable", "the local bus failed: " + t, t);
    }

    // ---------------------------------------------------------------- consumer groups

    /** Adds a handler; it runs at once unless another handler of its group runs. */
    public synchronized void subscribe(Subscriber s) {
        if (closed) {
            return;
        }
        Deque<Subscriber> queue = subscribers.computeIfAbsent(s.group(), g -> new ArrayDeque<>());
        queue.addLast(s);
        dead.computeIfAbsent(s.group(), g -> new TreeMap<>());
        metrics.group(s.group());
        if (queue.size() == 1) {
            startRunner(s);
        } else {
            LOG.warn("bus group {}: {} registered a second handler; it waits while {} runs", s.group(),
                    s.handlerName(), queue.peekFirst().handlerName());
        }
    }

    /** Removes a handler; the next one of its group, if any, takes over where it stopped. */
    public void unsubscribe(Object identity) {
        GroupRunner stopping = null;
        synchronized (this) {
            for (Map.Entry<String, Deque<Subscriber>> e : subscribers.entrySet()) {
                Deque<Subscriber> queue = e.getValue();
                Subscriber first = queue.peekFirst();
                if (first != null && first.identity() == identity) {
                    queue.pollFirst();
                    stopping = runners.remove(e.getKey());
                    break;
                }
                queue.removeIf(s -> s.identity() == identity);
            }
        }
        if (stopping != null) {
            stopping.stop();
            cursors.put(stopping.subscriber.group(), stopping.watermarks());
            checkpoint(stopping.subscriber.group());
            synchronized (this) {
                Deque<Subscriber> queue = subscribers.get(stopping.subscriber.group());
                if (queue != null && !queue.isEmpty() && !closed && !runners.containsKey(stopping.subscriber.group())) {
                    startRunner(queue.peekFirst());
                }
            }
        }
    }

    private void startRunner(Subscriber s) {
        Map<String, Long> stored = cursors.getOrDefault(s.group(), Map.of());
        GroupRunner r = new GroupRunner(this, s, stored, settings.lanes(), settings.maxInFlight());
        cursors.put(s.group(), r.watermarks());
        runners.put(s.group(), r);
        r.start();
        LOG.info("bus group {}: delivering {} to {}", s.group(), s.topics(), s.handlerName());
    }

    long version(String stream) {
        return log.version(stream);
    }

    long first(String stream) {
        return log.first(stream);
    }

    List<RecordedEvent> read(String stream, long from, int max) {
        return log.read(stream, from, max);
    }

    /** A runner acknowledged something: its cursor is written with the next checkpoint. */
    void acknowledged(GroupRunner r) {
        moved.add(r);
    }

    private void checkpointMoved() {
        try {
            for (GroupRunner r : List.copyOf(moved)) {
                moved.remove(r);
                if (runners.get(r.subscriber.group()) == r) {
                    cursors.put(r.subscriber.group(), r.watermarks());
                    checkpoint(r.subscriber.group());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("local bus: writing consumer cursors failed (they are written again with the next one): {}",
                    e.toString());
        }
    }

    /** Writes the group's cursor if it moved since it was last written; waits until it is durable. */
    private void checkpoint(String group) {
        Map<String, Long> now = cursors.get(group);
        if (now == null) {
            return;
        }
        synchronized (written) {
            if (now.equals(written.get(group))) {
                return;
            }
            try {
                log.appendAsync(Records.cursorStream(group), EventStore.ANY,
                        List.of(new NewEvent(Records.CURSOR, Records.cursor(now)))).toCompletableFuture()
                        .get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
                written.put(group, new LinkedHashMap<>(now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                if (!log.isClosed()) { // else a housekeeping pass raced the close: nothing to say
                    LOG.warn("bus group {}: its cursor could not be written ({}); messages after the last written one "
                            + "may be delivered again after a restart", group, String.valueOf(e.getCause() == null ? e : e.getCause()));
                }
            }
        }
    }

    // ---------------------------------------------------------------- dead letters

    /**
     * Stores a dead letter; true once it is durable (the message may then be acknowledged), false
     * if it could not be stored (the message stays unacknowledged and is delivered again later).
     */
    boolean deadLetter(Subscriber s, Message m, String error, int attempts) {
        long at = clock.millis();
        byte[] data = Records.dead(m, s.bundle(), s.version(), error, attempts, at);
        try {
            long id = log.appendAsync(Records.deadStream(s.group()), EventStore.ANY,
                    List.of(new NewEvent(Records.DEAD, data))).toCompletableFuture().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            TreeMap<Long, DeadLetter> waiting = dead.computeIfAbsent(s.group(), g -> new TreeMap<>());
            synchronized (waiting) {
                waiting.put(id, Records.readDead(s.group(), id, data));
            }
            metrics.deadLettered.inc();
            LOG.warn("bus group {}: message {} of {} is a dead letter (id {}) after {} deliveries to {}: {}", s.group(),
                    m.id(), m.topic(), id, attempts, s.handlerName(), error);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            LOG.error("bus group {}: dead letter for message {} could not be stored ({}); it will be delivered again",
                    s.group(), m.id(), String.valueOf(e.getCause() == null ? e : e.getCause()));
            return false;
        }
    }

    /** See {@link dev.ludus.api.bus.MessageBus#deadLetters}. */
    public List<DeadLetter> deadLetters(String group, int max) {
        Checks.group(group);
        TreeMap<Long, DeadLetter> waiting = dead.get(group);
        if (waiting == null || max <= 0) {
            return List.of();
        }
        synchronized (waiting) {
            List<DeadLetter> out = new ArrayList<>(Math.min(max, waiting.size()));
            for (DeadLetter d : waiting.values()) {
                if (out.size() >= max) {
                    break;
                }
                out.add(d);
            }
            return out;
        }
    }

    /** See {@link dev.ludus.api.bus.MessageBus#replay}. */
    public CompletionStage<Integer> replay(String group, Collection<String> ids, String operator) {
        return resolve(group, ids, operator, true);
    }

    /** See {@link dev.ludus.api.bus.MessageBus#discard}. */
    public CompletionStage<Integer> discard(String group, Collection<String> ids, String operator) {
        return resolve(group, ids, operator, false);
    }

    private CompletionStage<Integer> resolve(String group, Collection<String> ids, String operator, boolean replay) {
        try {
            Checks.group(group);
        } catch (BusException e) {
            return CompletableFuture.failedFuture(e);
        }
        TreeMap<Long, DeadLetter> known = dead.get(group);
        TreeMap<Long, DeadLetter> waiting = known != null ? known : new TreeMap<>(); // a group never seen has none
        List<DeadLetter> chosen = new ArrayList<>();
        synchronized (waiting) {
            if (ids == null || ids.isEmpty()) {
                chosen.addAll(waiting.values());
            } else {
                Set<String> unknown = new HashSet<>();
                for (String id : ids) {
                    DeadLetter d = null;
                    try {
                        d = waiting.get(Long.parseLong(id));
                    } catch (NumberFormatException e) {
                        // unknown below
                    }
                    if (d == null) {
                        unknown.add(id);
                    } else {
                        chosen.add(d);
                    }
                }
                if (!unknown.isEmpty()) {
                    return CompletableFuture.failedFuture(new BusException("unknown_dead_letter", "group " + group
                            + " has no waiting dead letter " + unknown + "; nothing was changed", null));
                }
            }
        }
        if (chosen.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        String by = operator == null || operator.isBlank() ? "unknown" : operator;
        CompletionStage<Long> queued = CompletableFuture.completedFuture(0L);
        if (replay) {
            List<NewEvent> events = new ArrayList<>();
            for (DeadLetter d : chosen) {
                events.add(new NewEvent(Records.REPLAY, Records.replay(d)));
            }
            queued = log.appendAsync(Records.replayStream(group), EventStore.ANY, events);
        }
        List<Long> numbers = chosen.stream().map(d -> Long.parseLong(d.id())).toList();
        return queued.thenCompose(v -> log.appendAsync(Records.deadStream(group), EventStore.ANY, List.of(
                new NewEvent(Records.RESOLVED, Records.resolved(replay ? "replayed" : "discarded", by, clock.millis(),
                        numbers)))))
                .handle((v, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    synchronized (waiting) {
                        numbers.forEach(waiting::remove);
                    }
                    LOG.info("bus group {}: {} {} dead letter(s) {}", group, by, replay ? "replayed" : "discarded", numbers);
                    GroupRunner r = runners.get(group);
                    if (r != null) {
                        r.wake();
                    }
                    return numbers.size();
                });
    }

    // ---------------------------------------------------------------- retention

    /** Deletes the log's segments no known group needs any more. */
    void retain() {
        if (closed) {
            return;
        }
        try {
            for (GroupRunner r : runners.values()) {
                cursors.put(r.subscriber.group(), r.watermarks());
            }
            long keepFrom = Long.MAX_VALUE;
            for (Map.Entry<String, Map<String, Long>> c : cursors.entrySet()) {
                checkpoint(c.getKey()); // the latest cursor lands in the newest segment
                for (Map.Entry<String, Long> source : c.getValue().entrySet()) {
                    long next = source.getValue() + 1;
                    if (next <= log.version(source.getKey())) {
                        long seg = log.segmentOf(source.getKey(), Math.max(next, log.first(source.getKey())));
                        if (seg > 0) {
                            keepFrom = Math.min(keepFrom, seg);
                        }
                    }
                }
            }
            for (Map.Entry<String, TreeMap<Long, DeadLetter>> d : dead.entrySet()) {
                Long oldest;
                synchronized (d.getValue()) {
                    oldest = d.getValue().isEmpty() ? null : d.getValue().firstKey();
                }
                if (oldest != null) {
                    long seg = log.segmentOf(Records.deadStream(d.getKey()), oldest);
                    if (seg > 0) {
                        keepFrom = Math.min(keepFrom, seg);
                    }
                }
            }
            long limit = Math.min(keepFrom, log.activeSegment());
            if (limit > log.firstSegment()) {
                log.trimBefore(limit).toCompletableFuture().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (!closed) {
                LOG.warn("local bus: deleting consumed segments failed (tried again later): {}", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- status and lifecycle

    /** See {@link dev.ludus.api.bus.MessageBus#status}. */
    public BusStatus status() {
        if (closed) {
            return new BusStatus("local", false, "closed", List.of());
        }
        List<BusStatus.Group> groups = new ArrayList<>();
        Set<String> names = new java.util.TreeSet<>(cursors.keySet());
        synchronized (this) {
            names.addAll(subscribers.keySet());
        }
        for (String group : names) {
            GroupRunner r = runners.get(group);
            Map<String, Long> marks = r != null ? r.watermarks() : cursors.getOrDefault(group, Map.of());
            long lag = 0;
            List<String> topics = new ArrayList<>();
            for (Map.Entry<String, Long> e : marks.entrySet()) {
                lag += Math.max(0, log.version(e.getKey()) - e.getValue());
                if (e.getKey().startsWith("t:")) {
                    topics.add(e.getKey().substring(2));
                }
            }
            TreeMap<Long, DeadLetter> waiting = dead.get(group);
            long deadCount;
            if (waiting == null) {
                deadCount = 0;
            } else {
                synchronized (waiting) {
                    deadCount = waiting.size();
                }
            }
            groups.add(new BusStatus.Group(group, topics, r == null ? "" : r.subscriber.handlerName(), lag,
                    r == null ? 0 : r.inFlight(), deadCount));
        }
        String failure = log.stats().failure();
        boolean ok = !closed && (failure == null || failure.isEmpty());
        String detail = closed ? "closed" : ok ? "log in " + log.directory() : "the log refuses writes: " + failure;
        return new BusStatus("local", ok, detail, groups);
    }

    /** Stops every group (writing its cursor) and closes the log. */
    @Override
    public void close() {
        List<GroupRunner> stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = new ArrayList<>(runners.values());
            runners.clear();
            subscribers.clear();
        }
        housekeeping.shutdownNow();
        for (GroupRunner r : stopping) {
            r.stop();
            cursors.put(r.subscriber.group(), r.watermarks());
        }
        for (String group : cursors.keySet()) {
            checkpoint(group); // the log is still open: the last cursors go in before it closes
        }
        log.close();
    }
}
