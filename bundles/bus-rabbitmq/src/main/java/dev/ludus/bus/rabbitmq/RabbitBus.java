package dev.ludus.bus.rabbitmq;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.Published;
import dev.ludus.bus.support.BusCore;
import dev.ludus.bus.support.BusMetrics;
import dev.ludus.bus.support.Checks;
import dev.ludus.bus.support.ConsumerGroups;
import dev.ludus.bus.support.Failures;
import dev.ludus.bus.support.Subscriber;

/**
 * The message bus on one RabbitMQ connection ({@link Topology} says where what is kept).
 *
 * <p>A publish is a persistent message to the topic exchange with the message id as its
 * {@code message-id}, acknowledged when the broker confirms it (publisher confirms: the message
 * is in every group queue it was routed to, on disk). It fails at once with
 * {@code bus_unavailable} while the connection is down, and after {@code confirmTimeout} without
 * a confirm. RabbitMQ keeps a message only for the groups whose queues exist when it is
 * published: a group's queue is made when its handler first subscribes, anywhere in the cluster.
 * The connection is opened, and recovers, in the background.
 */
final class RabbitBus implements BusCore {

    /** The bus's settings, checked by {@link RabbitMessageBus}. */
    record Settings(Topology topology, int lanes, int maxInFlight, Duration confirmTimeout, int maxPendingPublishes) {
    }

    static final String KEY = "ludus-key";
    static final String ID = "ludus-id";
    static final String TOPIC = "ludus-topic";
    static final String HEADER_PREFIX = "ludus-h-";
    static final String DEAD_GROUP = "ludus-dead-group";
    static final String DEAD_HANDLER = "ludus-dead-handler";
    static final String DEAD_VERSION = "ludus-dead-version";
    static final String DEAD_ERROR = "ludus-dead-error";
    static final String DEAD_ATTEMPTS = "ludus-dead-attempts";
    static final String DEAD_AT = "ludus-dead-at";

    private static final Logger LOG = LoggerFactory.getLogger(RabbitBus.class);

    final Settings settings;
    final BusMetrics metrics;
    private final ConnectionFactory factory;
    private final String target;
    private final ScheduledExecutorService maintenance;
    private volatile Connection connection;
    private volatile Channel publishing;
    private final Object publishLock = new Object();
    private final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final String idPrefix = UUID.randomUUID() + "-";
    private final AtomicLong ids = new AtomicLong();
    private final ConsumerGroups<RabbitGroup> groups = new ConsumerGroups<>("RabbitMQ bus", s -> {
        RabbitGroup g = new RabbitGroup(this, s);
        g.start();
        return g;
    }, RabbitGroup::stop);
    private volatile Map<String, long[]> figures = Map.of();
    private volatile boolean ready;
    private volatile String problem = "connecting";
    private volatile boolean closed;

    private record Pending(CompletableFuture<Void> done, long since) {
    }

    private RabbitBus(ConnectionFactory factory, String target, Settings settings, BusMetrics metrics) {
        this.factory = factory;
        this.target = target;
        this.settings = settings;
        this.metrics = metrics;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-bus-rabbitmq");
            t.setDaemon(true);
            return t;
        });
    }

    /** A bus on the broker {@code factory} connects to. Returns at once; connects in the background. */
    static RabbitBus open(ConnectionFactory factory, String target, Settings settings, BusMetrics metrics) {
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(500L);
        RabbitBus bus = new RabbitBus(factory, target, settings, metrics);
        bus.maintenance.scheduleWithFixedDelay(bus::maintain, 0, 1, TimeUnit.SECONDS);
        bus.maintenance.scheduleWithFixedDelay(bus::expireConfirms, 200, 200, TimeUnit.MILLISECONDS);
        return bus;
    }

    boolean ready() {
        Connection c = connection;
        Channel p = publishing;
        return ready && c != null && c.isOpen() && p != null && p.isOpen();
    }

    Connection connection() {
        return connection;
    }

    /** Whether the broker is RabbitMQ (it says so when connecting), so its queue arguments apply. */
    boolean isRabbitMq() {
        Connection c = connection;
        return c != null && "RabbitMQ".equals(String.valueOf(c.getServerProperties().get("product")));
    }

    // ---------------------------------------------------------------- connection and figures

    private void maintain() {
        if (closed) {
            return;
        }
        try {
            if (connection == null) {
                connect();
            }
            if (!ready) {
                Channel ch = connection.createChannel();
                try {
                    ch.exchangeDeclare(settings.topology().exchange(), BuiltinExchangeType.TOPIC, true);
                    ch.exchangeDeclare(settings.topology().deadExchange(), BuiltinExchangeType.DIRECT, true);
                } finally {
                    closeQuietly(ch);
                }
                ready = true;
                problem = null;
                LOG.info("RabbitMQ bus: exchanges {} and {} ready on {}", settings.topology().exchange(),
                        settings.topology().deadExchange(), target);
            }
            refresh();
        } catch (IOException | TimeoutException | RuntimeException e) {
            if (closed) {
                return;
            }
            String why = describe(e);
            if (!why.equals(problem)) {
                LOG.warn("RabbitMQ bus on {}: {}", target, why);
            }
            problem = why;
        }
    }

    private void connect() throws IOException, TimeoutException {
        Connection c = factory.newConnection("ludus-bus");
        Channel p = c.createChannel();
        p.confirmSelect();
        p.addConfirmListener((tag, multiple) -> confirmed(tag, multiple, null),
                (tag, multiple) -> confirmed(tag, multiple, "the broker refused the message (nack)"));
        p.addShutdownListener(this::lost);
        publishing = p;
        connection = c;
        if (closed) {
            closeQuietly(c);
        }
    }

    /** The publishing channel went down (it recovers by itself): what waits for a confirm fails. */
    private void lost(ShutdownSignalException why) {
        synchronized (publishLock) {
            for (Pending p : pending.values()) {
                p.done.completeExceptionally(new IOException("connection lost before the confirm: " + why.getMessage()));
            }
            pending.clear();
        }
    }

    private void confirmed(long tag, boolean multiple, String refusal) {
        Map<Long, Pending> done = multiple ? pending.headMap(tag, true) : pending.subMap(tag, true, tag, true);
        for (Pending p : done.values()) {
            if (refusal == null) {
                p.done.complete(null);
            } else {
                p.done.completeExceptionally(new IOException(refusal));
            }
        }
        done.clear();
    }

    private void expireConfirms() {
        long limit = System.nanoTime() - settings.confirmTimeout().toNanos();
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            if (e.getValue().since < limit && pending.remove(e.getKey(), e.getValue())) {
                e.getValue().done.completeExceptionally(new TimeoutException("no confirm from RabbitMQ within "
                        + settings.confirmTimeout().toMillis() + " ms"));
            }
        }
    }

    private void refresh() throws IOException, TimeoutException {
        List<RabbitGroup> running = groups.runners();
        if (running.isEmpty()) {
            figures = Map.of();
            return;
        }
        Map<String, long[]> next = new HashMap<>();
        Channel ch = connection.createChannel();
        try {
            for (RabbitGroup g : running) {
                long ready = ch.queueDeclarePassive(settings.topology().groupQueue(g.group())).getMessageCount();
                long dead = ch.queueDeclarePassive(settings.topology().deadQueue(g.group())).getMessageCount();
                next.put(g.group(), new long[] {ready + g.inFlight(), g.inFlight(), dead});
            }
        } catch (IOException notYet) {
            // a group's queues are made when it starts taking messages; the channel is closed by the broker
        } finally {
            closeQuietly(ch);
        }
        figures = next;
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            if (c instanceof Channel ch && !ch.isOpen()) {
                return;
            }
            c.close();
        } catch (Exception e) {
            LOG.debug("closing: {}", e.toString());
        }
    }

    static String describe(Throwable failure) {
        return Failures.describe(failure);
    }

    // ---------------------------------------------------------------- publish

    @Override
    public CompletionStage<Published> publish(OutgoingMessage m) {
        try {
            Checks.message(m);
        } catch (BusException e) {
            metrics.refused.inc();
            return CompletableFuture.failedFuture(e);
        }
        if (closed) {
            return refuse("bus_closed", "the RabbitMQ bus is stopped");
        }
        if (!ready()) {
            return refuse("bus_unavailable", "RabbitMQ is not reachable at " + target + " ("
                    + (problem != null ? problem : "connection down") + "); nothing was stored");
        }
        if (waiting.incrementAndGet() > settings.maxPendingPublishes()) {
            waiting.decrementAndGet();
            return refuse("overloaded", settings.maxPendingPublishes() + " publishes wait for RabbitMQ already; try again");
        }
        String id = m.id() != null ? m.id() : idPrefix + Long.toString(ids.incrementAndGet(), 36);
        Map<String, Object> headers = new HashMap<>();
        if (m.key() != null) {
            headers.put(KEY, m.key());
        }
        m.headers().forEach((k, v) -> headers.put(HEADER_PREFIX + k, v));
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).messageId(id)
                .contentType("application/json").timestamp(new Date()).headers(headers).build();
        long started = System.nanoTime();
        CompletableFuture<Published> result = new CompletableFuture<>();
        send(settings.topology().exchange(), m.topic(), props, m.payload().getBytes(StandardCharsets.UTF_8))
                .whenComplete((seq, failure) -> {
                    waiting.decrementAndGet();
                    if (failure != null) {
                        metrics.refused.inc();
                        result.completeExceptionally(new BusException("bus_unavailable", "RabbitMQ did not confirm the "
                                + "message (" + describe(failure) + "); it may or may not be stored: publish it again "
                                + "with the same id", failure));
                    } else {
                        metrics.published(System.nanoTime() - started);
                        result.complete(new Published(id, m.topic(), seq));
                    }
                });
        return result;
    }

    /** Publishes on the confirming channel; the stage completes with the publish's sequence when confirmed. */
    CompletableFuture<Long> send(String exchange, String routingKey, AMQP.BasicProperties props, byte[] body) {
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        long seq;
        synchronized (publishLock) {
            Channel ch = publishing;
            if (ch == null || !ch.isOpen()) {
                return CompletableFuture.failedFuture(new IOException("the publishing channel is closed"));
            }
            seq = ch.getNextPublishSeqNo();
            pending.put(seq, new Pending(confirmed, System.nanoTime()));
            try {
                ch.basicPublish(exchange, routingKey, false, props, body);
            } catch (IOException | RuntimeException e) {
                pending.remove(seq);
                return CompletableFuture.failedFuture(e);
            }
        }
        long s = seq;
        return confirmed.thenApply(v -> s);
    }

    private <T> CompletionStage<T> refuse(String code, String why) {
        metrics.refused.inc();
        return CompletableFuture.failedFuture(new BusException(code, why, null));
    }

    // ---------------------------------------------------------------- messages

    /** A delivered message as the API's message. */
    static Message message(String routingKey, AMQP.BasicProperties props, byte[] body, long sequence) {
        Map<String, Object> h = props.getHeaders() == null ? Map.of() : props.getHeaders();
        String id = text(h.get(ID));
        if (id == null) {
            id = props.getMessageId() != null ? props.getMessageId() : "amqp:" + sequence;
        }
        String topic = text(h.get(TOPIC));
        if (topic == null) {
            topic = routingKey;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        h.forEach((k, v) -> {
            if (k.startsWith(HEADER_PREFIX)) {
                headers.put(k.substring(HEADER_PREFIX.length()), text(v));
            }
        });
        Instant at = props.getTimestamp() == null ? Instant.now() : props.getTimestamp().toInstant();
        return new Message(id, topic, text(h.get(KEY)), new String(body == null ? new byte[0] : body,
                StandardCharsets.UTF_8), headers, at, sequence);
    }

    /** Header values arrive as the client's LongString: read them as text. */
    static String text(Object v) {
        return v == null ? null : v.toString();
    }

    /** What carries {@code m} when it is stored again (a dead letter, a replay). */
    static Map<String, Object> carried(Message m) {
        Map<String, Object> h = new HashMap<>();
        h.put(ID, m.id());
        h.put(TOPIC, m.topic());
        if (m.key() != null) {
            h.put(KEY, m.key());
        }
        m.headers().forEach((k, v) -> h.put(HEADER_PREFIX + k, v));
        return h;
    }

    // ---------------------------------------------------------------- dead letters

    /**
     * Stores a dead letter of {@code group} in its dead-letter queue, durable before it returns.
     *
     * @throws IOException when RabbitMQ did not confirm it: the caller keeps the message
     */
    void storeDeadLetter(String group, Message m, byte[] body, String handlerBundle, String handlerVersion,
                         String error, int attempts) throws IOException {
        Map<String, Object> h = carried(m);
        h.put(DEAD_GROUP, group);
        h.put(DEAD_HANDLER, handlerBundle);
        h.put(DEAD_VERSION, handlerVersion);
        h.put(DEAD_ERROR, error.length() > 1000 ? error.substring(0, 1000) + "…" : error);
        h.put(DEAD_ATTEMPTS, attempts);
        h.put(DEAD_AT, Instant.now().toString());
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2)
                .messageId("dead:" + group + ":" + m.id() + ":" + UUID.randomUUID()).contentType("application/json")
                .timestamp(Date.from(m.publishedAt())).headers(h).build();
        try {
            send(settings.topology().deadExchange(), group, props, body)
                    .get(settings.confirmTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            metrics.deadLettered.inc();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while storing a dead letter", e);
        } catch (Exception e) {
            throw new IOException("RabbitMQ did not store the dead letter: " + describe(e), e);
        }
    }

    private Connection connected(String why) {
        Connection c = connection;
        if (c == null || !ready()) {
            throw new BusException("bus_unavailable", "cannot " + why + ": RabbitMQ is not reachable at " + target
                    + " (" + (problem != null ? problem : "connection down") + ")", null);
        }
        return c;
    }

    /** One dead letter taken (not acknowledged) from its queue. */
    private record Taken(long tag, DeadLetter letter, AMQP.BasicProperties props, byte[] body) {
    }

    /**
     * Takes up to {@code max} dead letters of {@code group} on {@code ch} without acknowledging
     * them: closing the channel puts back whatever was not acknowledged.
     */
    private List<Taken> take(Channel ch, String group, int max) throws IOException {
        String queue = settings.topology().deadQueue(group);
        long count;
        try {
            count = ch.queueDeclarePassive(queue).getMessageCount();
        } catch (IOException noQueue) {
            return List.of(); // the group never ran on this bus; the channel is closed by the broker
        }
        List<Taken> out = new ArrayList<>();
        while (out.size() < Math.min(max, count)) {
            GetResponse r = ch.basicGet(queue, false);
            if (r == null) {
                break;
            }
            out.add(new Taken(r.getEnvelope().getDeliveryTag(), deadLetter(group, r), r.getProps(), r.getBody()));
        }
        return out;
    }

    /**
     * Gives back every dead letter taken on {@code ch} and not acknowledged, and waits (at most 2 s)
     * until the queue shows them again: a quorum queue takes returned messages back a moment later,
     * and the next listing must see them.
     */
    private void putBack(Channel ch, String group, long expected) throws IOException {
        ch.basicNack(0, true, true); // every delivery on this channel not acknowledged yet
        String queue = settings.topology().deadQueue(group);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (ch.queueDeclarePassive(queue).getMessageCount() < expected && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static DeadLetter deadLetter(String group, GetResponse r) {
        AMQP.BasicProperties props = r.getProps();
        Map<String, Object> h = props.getHeaders() == null ? Map.of() : props.getHeaders();
        Message m = message(r.getEnvelope().getRoutingKey(), props, r.getBody(), 0);
        String error = text(h.get(DEAD_ERROR));
        int attempts = h.get(DEAD_ATTEMPTS) instanceof Number n ? n.intValue() : 0;
        if (error == null) {
            // Dead-lettered by the broker itself (its delivery limit): x-death says why.
            error = "RabbitMQ dead-lettered it: " + deathReason(h);
        }
        Instant at = Instant.now();
        try {
            at = Instant.parse(text(h.get(DEAD_AT)));
        } catch (RuntimeException ignored) {
            // the broker's dead letter has no time of ours
        }
        String id = props.getMessageId() != null && props.getMessageId().startsWith("dead:") ? props.getMessageId()
                : "dead:" + group + ":" + m.id();
        return new DeadLetter(id, group, m, orEmpty(text(h.get(DEAD_HANDLER))), orEmpty(text(h.get(DEAD_VERSION))),
                error, attempts, at);
    }

    private static String deathReason(Map<String, Object> h) {
        Object deaths = h.get("x-death");
        if (deaths instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> d) {
            return text(d.get("reason")) + " (" + text(d.get("count")) + " time(s))";
        }
        return "unknown";
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public List<DeadLetter> deadLetters(String group, int max) {
        Checks.group(group);
        Connection c = connected("read the dead letters");
        Channel ch = null;
        try {
            ch = c.createChannel();
            List<Taken> taken = take(ch, group, max);
            if (!taken.isEmpty()) {
                putBack(ch, group, taken.size());
            }
            return taken.stream().map(Taken::letter).toList();
        } catch (IOException e) {
            throw new BusException("bus_unavailable", "cannot read the dead letters from RabbitMQ: " + describe(e), e);
        } finally {
            if (ch != null) {
                closeQuietly(ch); // every dead letter goes back
            }
        }
    }

    private interface Action {
        /** Does what the operator asked with one chosen dead letter; then it is acknowledged (removed). */
        void apply(Taken t) throws Exception;
    }

    private CompletionStage<Integer> resolve(String group, Collection<String> ids, String what, String operator,
                                             Action action) {
        Checks.group(group);
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Connection c;
        try {
            c = connected(what + " dead letters");
        } catch (BusException e) {
            return CompletableFuture.failedFuture(e);
        }
        maintenance.execute(() -> {
            Channel ch = null;
            try {
                ch = c.createChannel();
                List<Taken> all = take(ch, group, Integer.MAX_VALUE);
                Set<String> wanted = new HashSet<>(ids);
                Set<String> found = new HashSet<>();
                List<Taken> chosen = new ArrayList<>();
                for (Taken t : all) {
                    if (wanted.isEmpty() || wanted.contains(t.letter().id())) {
                        chosen.add(t);
                        found.add(t.letter().id());
                    }
                }
                if (!wanted.isEmpty() && !found.containsAll(wanted)) {
                    putBack(ch, group, all.size());
                    wanted.removeAll(found);
                    f.completeExceptionally(new BusException("unknown_dead_letter", "group " + group
                            + " has no dead letter " + wanted, null));
                    return;
                }
                for (Taken t : chosen) {
                    action.apply(t);
                    ch.basicAck(t.tag(), false);
                }
                if (all.size() > chosen.size()) {
                    putBack(ch, group, all.size() - chosen.size());
                }
                LOG.info("RabbitMQ bus group {}: {} dead letter(s) {}, asked by {}", group, chosen.size(), what + "ed",
                        operator);
                f.complete(chosen.size());
            } catch (Exception e) {
                f.completeExceptionally(e instanceof BusException b ? b : new BusException("bus_unavailable",
                        "RabbitMQ failed: " + describe(e), e));
            } finally {
                if (ch != null) {
                    closeQuietly(ch); // what was not acknowledged goes back
                }
            }
        });
        return f;
    }

    @Override
    public CompletionStage<Integer> replay(String group, Collection<String> ids, String operator) {
        return resolve(group, ids, "replay", operator, t -> {
            Message m = t.letter().message();
            Map<String, Object> h = carried(m);
            h.put("ludus-replay", "true");
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).messageId(m.id())
                    .contentType("application/json").timestamp(Date.from(m.publishedAt())).headers(h).build();
            // Straight to the group's queue (the default exchange routes by queue name): only this group gets it.
            send("", settings.topology().groupQueue(group), props, t.body())
                    .get(settings.confirmTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public CompletionStage<Integer> discard(String group, Collection<String> ids, String operator) {
        return resolve(group, ids, "discard", operator, t -> { });
    }

    // ---------------------------------------------------------------- consumer groups

    @Override
    public void subscribe(Subscriber s) {
        metrics.group(s.group());
        groups.subscribe(s);
    }

    @Override
    public void unsubscribe(Object identity) {
        groups.unsubscribe(identity);
    }

    @Override
    public BusStatus status() {
        List<BusStatus.Group> out = new ArrayList<>();
        Map<String, long[]> f = figures;
        groups.groups().forEach((group, s) -> {
            long[] v = f.getOrDefault(group, new long[3]);
            out.add(new BusStatus.Group(group, s == null ? List.of() : s.topics(), s == null ? "" : s.handlerName(),
                    v[0], v[1], v[2]));
        });
        boolean up = ready();
        String detail = up ? "RabbitMQ exchange " + settings.topology().exchange() + " on " + target
                : "RabbitMQ not usable at " + target + ": " + (problem != null ? problem : "connection down");
        return new BusStatus("rabbitmq", up, detail, out);
    }

    @Override
    public void close() {
        closed = true;
        if (!groups.close()) {
            return;
        }
        maintenance.shutdownNow();
        try {
            maintenance.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection c = connection;
        if (c != null) {
            try {
                c.close(2000);
            } catch (Exception e) {
                LOG.debug("RabbitMQ bus: closing: {}", e.toString());
            }
        }
        for (Pending p : pending.values()) {
            p.done.completeExceptionally(new IOException("the bus stopped"));
        }
        pending.clear();
    }

    boolean closed() {
        return closed;
    }
}
