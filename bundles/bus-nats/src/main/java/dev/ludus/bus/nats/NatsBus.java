package dev.ludus.bus.nats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

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
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.impl.Headers;

/**
 * The message bus on one NATS connection with JetStream ({@link Names} says where what is kept).
 *
 * <p>A publish goes to the topics' stream with the message id as {@code Nats-Msg-Id}, so the same
 * id published twice within the duplicate window is stored once; it is acknowledged when the
 * server's publish acknowledgement arrives (the stream stored it on disk), and fails with
 * {@code bus_unavailable} at once while the connection is down or after the request timeout.
 * Each consumer group runs a {@link GroupConsumer} per node; dead letters and replays go through
 * the dead-letter stream. Setting up the streams is retried in the background until NATS answers.
 */
final class NatsBus implements BusCore {

    /** The bus's settings, checked by {@link NatsMessageBus}. */
    record Settings(Names names, Duration maxAge, Duration duplicateWindow, int lanes, int maxInFlight,
                    Duration ackWait, int maxPendingPublishes, Duration requestTimeout) {
    }

    static final String ID = "Ludus-Id";
    static final String TOPIC = "Ludus-Topic";
    static final String KEY = "Ludus-Key";
    static final String PUBLISHED_AT = "Ludus-Published-At";
    /** A publisher's header {@code h} travels as {@code Ludus-H-h}. */
    static final String HEADER_PREFIX = "Ludus-H-";
    static final String DEAD_GROUP = "Ludus-Dead-Group";
    static final String DEAD_HANDLER = "Ludus-Dead-Handler";
    static final String DEAD_VERSION = "Ludus-Dead-Version";
    static final String DEAD_ERROR = "Ludus-Dead-Error";
    static final String DEAD_ATTEMPTS = "Ludus-Dead-Attempts";
    static final String DEAD_AT = "Ludus-Dead-At";
    static final String DEAD_SEQUENCE = "Ludus-Dead-Sequence";
    /** JetStream's "no message found" API error. */
    private static final int NO_MESSAGE = 10037;
    /** JetStream's "stream not found" API error. */
    private static final int NO_STREAM = 10059;

    private static final Logger LOG = LoggerFactory.getLogger(NatsBus.class);
    private static final JsonFactory JSON = new JsonFactory();

    /** Opens the bus's connection: fails after the connect timeout while NATS is away. */
    interface Opener {
        Connection open() throws IOException;
    }

    final Settings settings;
    final BusMetrics metrics;
    private final Opener opener;
    private final String target;
    private volatile Connection connection;
    private volatile JetStream js;
    private volatile JetStreamManagement jsm;
    private final ScheduledExecutorService maintenance;
    private final AtomicInteger pendingPublishes = new AtomicInteger();
    /** Ids the bus makes: random per bus instance, then counted (cheaper than a random UUID each). */
    private final String idPrefix = UUID.randomUUID() + "-";
    private final java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();
    private final ConsumerGroups<GroupConsumer> groups = new ConsumerGroups<>("NATS bus", s -> {
        GroupConsumer g = new GroupConsumer(this, s);
        g.start();
        return g;
    }, GroupConsumer::stop);
    /** Per group: lag and in flight summed over its consumers; dead letters waiting. Refreshed in the background. */
    private volatile Map<String, long[]> figures = Map.of();
    private volatile boolean ready;
    private volatile String problem = "setting up the streams";
    private volatile boolean closed;
    private Dispatcher advisories;

    private NatsBus(Opener opener, String target, Settings settings, BusMetrics metrics) {
        this.opener = opener;
        this.target = target;
        this.settings = settings;
        this.metrics = metrics;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-bus-nats");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A bus on the connection {@code opener} opens (and the bus closes when it closes). Returns at
     * once: the connection is opened, and the streams set up, in the background until NATS answers.
     */
    static NatsBus open(Opener opener, String target, Settings settings, BusMetrics metrics) {
        NatsBus bus = new NatsBus(opener, target, settings, metrics);
        bus.maintenance.scheduleWithFixedDelay(bus::maintain, 0, 1, TimeUnit.SECONDS);
        return bus;
    }

    /** Opens the connection (once; it reconnects by itself after that). */
    private void connect() throws IOException {
        Connection c = opener.open();
        io.nats.client.JetStreamOptions o = io.nats.client.JetStreamOptions.builder()
                .requestTimeout(settings.requestTimeout()).build();
        try {
            js = c.jetStream(o);
            jsm = c.jetStreamManagement(o);
            advisories = c.createDispatcher(this::onAdvisory);
            advisories.subscribe(settings.names().maxDeliveriesAdvisories());
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        connection = c;
        if (closed) {
            closeQuietly(c); // closed while it was opening
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Connection connection() {
        return connection;
    }

    JetStream jetStream() {
        return js;
    }

    JetStreamManagement management() {
        return jsm;
    }

    boolean ready() {
        Connection c = connection;
        return ready && c != null && c.getStatus() == Connection.Status.CONNECTED;
    }

    private String connectionState() {
        Connection c = connection;
        return c == null ? "not connected" : "connection " + c.getStatus().name().toLowerCase();
    }

    // ---------------------------------------------------------------- streams and figures

    /** Runs every second: sets up the streams until done, then refreshes the groups' figures. */
    private void maintain() {
        if (closed) {
            return;
        }
        try {
            if (connection == null) {
                connect();
            }
            if (!ready) {
                setUp();
                ready = true;
                problem = null;
                LOG.info("NATS bus: streams {} and {} ready on {}", settings.names().stream(),
                        settings.names().deadStream(), target);
            }
            refresh();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            if (closed) {
                return;
            }
            String why = describe(e);
            if (!why.equals(problem)) {
                LOG.warn("NATS bus on {}: {}", target, why);
            }
            problem = why;
            if (e instanceof JetStreamApiException api && api.getApiErrorCode() == NO_STREAM) {
                ready = false; // deleted under us: set up again
            }
        }
    }

    private void setUp() throws IOException, JetStreamApiException {
        Names n = settings.names();
        ensure(StreamConfiguration.builder().name(n.stream()).subjects(n.topicSubjects(), n.replaySubjects())
                .storageType(StorageType.File).maxAge(settings.maxAge()).duplicateWindow(settings.duplicateWindow())
                .build());
        // Dead letters stay until an operator replays or discards them.
        ensure(StreamConfiguration.builder().name(n.deadStream()).subjects(n.deadSubjects())
                .storageType(StorageType.File).duplicateWindow(settings.duplicateWindow()).build());
    }

    private void ensure(StreamConfiguration wanted) throws IOException, JetStreamApiException {
        try {
            StreamInfo info = jsm.getStreamInfo(wanted.getName());
            StreamConfiguration have = info.getConfiguration();
            if (!have.getSubjects().containsAll(wanted.getSubjects()) || !have.getMaxAge().equals(wanted.getMaxAge())
                    || !have.getDuplicateWindow().equals(wanted.getDuplicateWindow())) {
                jsm.updateStream(wanted);
                LOG.info("NATS bus: stream {} updated to the configured subjects, age and duplicate window",
                        wanted.getName());
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != NO_STREAM) {
                throw e;
            }
            jsm.addStream(wanted);
            LOG.info("NATS bus: created stream {} ({})", wanted.getName(), wanted.getSubjects());
        }
    }

    private void refresh() throws IOException, JetStreamApiException {
        Map<String, long[]> next = new HashMap<>();
        for (GroupConsumer g : groups.runners()) {
            long lag = 0;
            long inFlight = 0;
            for (String consumer : g.consumerNames()) {
                try {
                    ConsumerInfo ci = jsm.getConsumerInfo(settings.names().stream(), consumer);
                    lag += ci.getNumPending() + ci.getNumAckPending();
                    inFlight += ci.getNumAckPending();
                } catch (JetStreamApiException notYet) {
                    // made by the group's consumer when it starts
                }
            }
            next.put(g.group(), new long[] {lag, inFlight, 0});
        }
        StreamInfo dead = jsm.getStreamInfo(settings.names().deadStream(),
                StreamInfoOptions.filterSubjects(settings.names().deadSubjects()));
        Map<String, Long> bySubject = dead.getStreamState().getSubjectMap();
        if (bySubject != null) {
            for (Map.Entry<String, Long> e : bySubject.entrySet()) {
                String group = settings.names().groupOfDeadSubject(e.getKey());
                if (group != null) {
                    next.computeIfAbsent(group, g -> new long[3])[2] = e.getValue();
                }
            }
        }
        figures = next;
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
            return refuse("bus_closed", "the NATS bus is stopped");
        }
        if (!ready()) {
            return refuse("bus_unavailable", "NATS is not reachable at " + target + " ("
                    + (problem != null ? problem : connectionState()) + "); nothing was stored");
        }
        byte[] data = m.payload().getBytes(StandardCharsets.UTF_8);
        Connection c = connection;
        long limit = c.getMaxPayload() - 4096L; // room for the headers
        if (data.length > limit) {
            return refuse("payload_too_large", "the payload has " + data.length + " bytes in UTF-8; this NATS server "
                    + "takes at most " + limit + " with the headers");
        }
        if (pendingPublishes.incrementAndGet() > settings.maxPendingPublishes()) {
            pendingPublishes.decrementAndGet();
            return refuse("overloaded", settings.maxPendingPublishes() + " publishes wait for NATS already; try again");
        }
        String id = m.id() != null ? m.id() : idPrefix + Long.toString(ids.incrementAndGet(), 36);
        // The id travels as Nats-Msg-Id, the topic in the subject, the time in the stream: only
        // the key and the publisher's headers need headers of their own.
        Headers h = new Headers();
        if (m.key() != null) {
            h.put(KEY, m.key());
        }
        m.headers().forEach((k, v) -> h.put(HEADER_PREFIX + k, v));
        long started = System.nanoTime();
        CompletableFuture<Published> result = new CompletableFuture<>();
        try {
            js.publishAsync(settings.names().topicSubject(m.topic()), h, data,
                            PublishOptions.builder().messageId(id).expectedStream(settings.names().stream()).build())
                    // jnats fails the future after the request timeout (checked every second: the
                    // connector's requestCleanupInterval)
                    .whenComplete((ack, failure) -> {
                        pendingPublishes.decrementAndGet();
                        if (failure != null) {
                            metrics.refused.inc();
                            result.completeExceptionally(unavailable(failure));
                        } else {
                            metrics.published(System.nanoTime() - started);
                            result.complete(new Published(id, m.topic(), ack.getSeqno()));
                        }
                    });
        } catch (RuntimeException e) {
            pendingPublishes.decrementAndGet();
            metrics.refused.inc();
            result.completeExceptionally(unavailable(e));
        }
        return result;
    }

    private <T> CompletionStage<T> refuse(String code, String why) {
        metrics.refused.inc();
        return CompletableFuture.failedFuture(new BusException(code, why, null));
    }

    private BusException unavailable(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String why = t instanceof TimeoutException ? "no acknowledgement from NATS within "
                + settings.requestTimeout().toMillis() + " ms" : describe(t);
        return new BusException("bus_unavailable", "NATS did not confirm the message (" + why
                + "); it may or may not be stored: publish it again with the same id", t);
    }

    static String describe(Throwable failure) {
        return Failures.describe(failure);
    }

    // ---------------------------------------------------------------- messages

    /**
     * A stored NATS message as the API's message. A published message carries its id as
     * {@code Nats-Msg-Id} and its topic in the subject; a replayed one (and a dead letter) carries
     * both, and the publish time, in headers of its own. A message without either gets what can be
     * told.
     */
    static Message message(String subject, Headers h, byte[] data, long sequence, Instant stored) {
        String id = first(h, ID);
        if (id == null) {
            id = first(h, "Nats-Msg-Id");
        }
        if (id == null) {
            id = "nats:" + sequence;
        }
        String topic = first(h, TOPIC);
        if (topic == null) {
            int dot = subject.lastIndexOf('.');
            topic = Names.untoken(subject.substring(dot + 1));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (h != null) {
            for (String k : h.keySet()) {
                if (k.startsWith(HEADER_PREFIX)) {
                    headers.put(k.substring(HEADER_PREFIX.length()), h.getFirst(k));
                }
            }
        }
        Instant at = stored;
        String published = first(h, PUBLISHED_AT);
        if (published != null) {
            try {
                at = Instant.parse(published);
            } catch (RuntimeException ignored) {
                // keep the stream's time
            }
        }
        return new Message(id, topic, first(h, KEY), new String(data == null ? new byte[0] : data,
                StandardCharsets.UTF_8), headers, at, sequence);
    }

    static String first(Headers h, String name) {
        return h == null ? null : h.getFirst(name);
    }

    /** The headers that carry {@code m} when it is stored again (a dead letter, a replay). */
    private static Headers carried(Message m) {
        Headers h = new Headers();
        h.put(ID, m.id());
        h.put(TOPIC, m.topic());
        if (m.key() != null) {
            h.put(KEY, m.key());
        }
        h.put(PUBLISHED_AT, m.publishedAt().toString());
        m.headers().forEach((k, v) -> h.put(HEADER_PREFIX + k, v));
        return h;
    }

    // ---------------------------------------------------------------- dead letters

    /**
     * Stores a dead letter of {@code group} (durable before it returns) for the message at
     * {@code sequence} of consumer {@code consumer}. The same message dead-lettered twice within the
     * duplicate window (by two nodes, or by a retry after a lost confirmation) is stored once.
     *
     * @throws IOException when NATS did not confirm it: the caller keeps the message
     */
    void storeDeadLetter(String group, String consumer, Message message, byte[] data, String handlerBundle,
                         String handlerVersion, String error, int attempts) throws IOException {
        long sequence = message.sequence();
        Headers h = carried(message);
        h.put(DEAD_GROUP, group);
        h.put(DEAD_HANDLER, handlerBundle);
        h.put(DEAD_VERSION, handlerVersion);
        h.put(DEAD_ERROR, error.length() > 1000 ? error.substring(0, 1000) + "…" : error);
        h.put(DEAD_ATTEMPTS, Integer.toString(attempts));
        h.put(DEAD_AT, Instant.now().toString());
        h.put(DEAD_SEQUENCE, Long.toString(sequence));
        try {
            js.publishAsync(settings.names().deadSubject(group), h, data, PublishOptions.builder()
                            .messageId("dead:" + consumer + ":" + sequence).expectedStream(settings.names().deadStream()).build())
                    .get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            metrics.deadLettered.inc();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while storing a dead letter", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new IOException("NATS did not store the dead letter: " + describe(e), e);
        }
    }

    /**
     * The server gave up on a message ({@code max_deliver}) without the consumer storing its dead
     * letter (its node died, or the handler hung past the ack wait each time): store it from what
     * the stream still has.
     */
    private void onAdvisory(io.nats.client.Message advisory) {
        String consumer = null;
        long sequence = -1;
        int deliveries = 0;
        try (JsonParser p = JSON.createParser(advisory.getData())) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "consumer" -> consumer = p.getValueAsString();
                        case "stream_seq" -> sequence = p.getValueAsLong();
                        case "deliveries" -> deliveries = p.getValueAsInt();
                        default -> p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("NATS bus: unreadable max-deliveries advisory: {}", e.getMessage());
            return;
        }
        String group = consumer == null ? null : Names.groupOfConsumer(consumer);
        if (group == null || sequence < 0) {
            return; // not one of this bus's consumers
        }
        String c = consumer;
        long seq = sequence;
        int tries = deliveries;
        maintenance.execute(() -> {
            try {
                MessageInfo mi = jsm.getMessage(settings.names().stream(), seq);
                Subscriber s = handlerOf(group);
                storeDeadLetter(group, c, message(mi.getSubject(), mi.getHeaders(), mi.getData(), seq,
                                mi.getTime().toInstant()), mi.getData(), s == null ? "" : s.bundle(),
                        s == null ? "" : s.version(), "NATS gave up after " + tries
                                + " deliveries without an answer (max_deliver; the handler hung or its node stopped)",
                        tries);
                LOG.warn("NATS bus group {}: message {} dead-lettered from the server's max-deliveries advisory", group,
                        seq);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                LOG.error("NATS bus group {}: could not dead-letter message {} after the server gave up on it: {}",
                        group, seq, describe(e));
            }
        });
    }

    private JetStreamManagement management(String why) {
        JetStreamManagement m = jsm;
        if (m == null || !ready()) {
            throw new BusException("bus_unavailable", "cannot " + why + ": NATS is not reachable at " + target + " ("
                    + (problem != null ? problem : connectionState()) + ")", null);
        }
        return m;
    }

    @Override
    public List<DeadLetter> deadLetters(String group, int max) {
        Checks.group(group);
        JetStreamManagement jsm = management("read the dead letters");
        List<DeadLetter> out = new ArrayList<>();
        try {
            long seq = 1;
            while (out.size() < max) {
                MessageInfo mi;
                try {
                    mi = jsm.getNextMessage(settings.names().deadStream(), seq, settings.names().deadSubject(group));
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() == NO_MESSAGE) {
                        break;
                    }
                    throw e;
                }
                out.add(deadLetter(group, mi));
                seq = mi.getSeq() + 1;
            }
        } catch (IOException | JetStreamApiException e) {
            throw new BusException("bus_unavailable", "cannot read the dead letters from NATS: " + describe(e), e);
        }
        return out;
    }

    private static DeadLetter deadLetter(String group, MessageInfo mi) {
        Headers h = mi.getHeaders();
        long original = parse(first(h, DEAD_SEQUENCE), 0);
        Message m = message(mi.getSubject(), h, mi.getData(), original, mi.getTime().toInstant());
        Instant at = mi.getTime().toInstant();
        try {
            at = Instant.parse(first(h, DEAD_AT));
        } catch (RuntimeException ignored) {
            // the stream's time
        }
        return new DeadLetter(Long.toString(mi.getSeq()), group, m, orEmpty(first(h, DEAD_HANDLER)),
                orEmpty(first(h, DEAD_VERSION)), orEmpty(first(h, DEAD_ERROR)), (int) parse(first(h, DEAD_ATTEMPTS), 0), at);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static long parse(String s, long otherwise) {
        try {
            return s == null ? otherwise : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The dead letters named by {@code ids} (all of the group's when empty); an unknown id fails. */
    private List<MessageInfo> chosen(String group, Collection<String> ids) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = management("find the dead letters");
        List<MessageInfo> out = new ArrayList<>();
        if (ids.isEmpty()) {
            long seq = 1;
            while (true) {
                try {
                    MessageInfo mi = jsm.getNextMessage(settings.names().deadStream(), seq,
                            settings.names().deadSubject(group));
                    out.add(mi);
                    seq = mi.getSeq() + 1;
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() == NO_MESSAGE) {
                        return out;
                    }
                    throw e;
                }
            }
        }
        for (String id : ids) {
            long seq = parse(id, -1);
            MessageInfo mi = null;
            if (seq > 0) {
                try {
                    mi = jsm.getMessage(settings.names().deadStream(), seq);
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() != NO_MESSAGE) {
                        throw e;
                    }
                }
            }
            if (mi == null || !settings.names().deadSubject(group).equals(mi.getSubject())) {
                throw new BusException("unknown_dead_letter", "group " + group + " has no dead letter '" + id + "'", null);
            }
            out.add(mi);
        }
        return out;
    }

    @Override
    public CompletionStage<Integer> replay(String group, Collection<String> ids, String operator) {
        Checks.group(group);
        return onMaintenance(() -> {
            int count = 0;
            for (MessageInfo mi : chosen(group, ids)) {
                Headers h = carried(deadLetter(group, mi).message());
                try {
                    js.publishAsync(settings.names().replaySubject(group), h, mi.getData(), PublishOptions.builder()
                                    .messageId("replay:" + mi.getSeq()).expectedStream(settings.names().stream()).build())
                            .get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IOException("NATS did not store the replay of dead letter " + mi.getSeq() + ": "
                            + describe(e), e);
                }
                jsm.deleteMessage(settings.names().deadStream(), mi.getSeq());
                count++;
            }
            LOG.info("NATS bus group {}: {} dead letter(s) replayed, asked by {}", group, count, operator);
            return count;
        });
    }

    @Override
    public CompletionStage<Integer> discard(String group, Collection<String> ids, String operator) {
        Checks.group(group);
        return onMaintenance(() -> {
            int count = 0;
            for (MessageInfo mi : chosen(group, ids)) {
                jsm.deleteMessage(settings.names().deadStream(), mi.getSeq());
                count++;
            }
            LOG.info("NATS bus group {}: {} dead letter(s) discarded, asked by {}", group, count, operator);
            return count;
        });
    }

    private interface Work<T> {
        T run() throws IOException, JetStreamApiException, InterruptedException;
    }

    private <T> CompletionStage<T> onMaintenance(Work<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new BusException("bus_closed", "the NATS bus is stopped", null));
            return f;
        }
        maintenance.execute(() -> {
            try {
                f.complete(work.run());
            } catch (BusException e) {
                f.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f.completeExceptionally(new BusException("bus_closed", "the NATS bus stopped", e));
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                f.completeExceptionally(new BusException("bus_unavailable", "NATS failed: " + describe(e), e));
            }
        });
        return f;
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

    private Subscriber handlerOf(String group) {
        return groups.handlerOf(group);
    }

    @Override
    public BusStatus status() {
        List<BusStatus.Group> out = new ArrayList<>();
        Map<String, long[]> f = figures;
        Map<String, Subscriber> known = groups.groups();
        known.forEach((group, s) -> {
            long[] v = f.getOrDefault(group, new long[3]);
            out.add(new BusStatus.Group(group, s == null ? List.of() : s.topics(), s == null ? "" : s.handlerName(),
                    v[0], v[1], v[2]));
        });
        for (Map.Entry<String, long[]> e : f.entrySet()) {
            if (!known.containsKey(e.getKey()) && e.getValue()[2] > 0) {
                out.add(new BusStatus.Group(e.getKey(), List.of(), "", 0, 0, e.getValue()[2]));
            }
        }
        boolean up = ready();
        String detail = up ? "NATS JetStream stream " + settings.names().stream() + " on " + target
                : "NATS not usable at " + target + ": " + (problem != null ? problem : connectionState());
        return new BusStatus("nats", up, detail, out);
    }

    /** Stops delivering and closes the connection; publishes still waiting fail with bus_closed. */
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
        if (c == null) {
            return;
        }
        try {
            if (c.getStatus() == Connection.Status.CONNECTED) {
                c.flush(Duration.ofSeconds(1)); // acknowledgements given to the handlers' messages
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | RuntimeException e) {
            LOG.debug("NATS bus: flushing at close: {}", e.toString());
        }
        closeQuietly(c);
    }

    boolean closed() {
        return closed;
    }
}
