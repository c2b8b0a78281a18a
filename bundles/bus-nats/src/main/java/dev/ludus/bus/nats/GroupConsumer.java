package dev.ludus.bus.nats;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.bus.support.HandlerPace;
import dev.ludus.bus.support.Lane;
import dev.ludus.bus.support.Subscriber;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.MessageConsumer;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;

/**
 * One consumer group's handler on this node. Each topic of the group (and the group's replays) is
 * a durable pull consumer on the server, shared by every node that runs the group; one dispatcher
 * thread per group hands their messages to the group's lanes, one key always to the same lane,
 * where they are handled one at a time, in order. While the handler is quick ({@link HandlerPace})
 * and a message's lane is idle, the dispatcher thread handles it itself, sparing the hand-over.
 *
 * <p>A message the handler fails is held by its lane, unacknowledged, and handed to the handler
 * again after the group's backoff; the lane's later messages wait behind it, keeping its keys in
 * order, and the server is told every few seconds that the lane's messages are being worked on,
 * so it does not deliver them again meanwhile. The first attempt is the server's delivery count
 * (a message delivered before, to a node that died or to a handler that was replaced, counts
 * that). After the handler's {@code maxDeliveries} failures on this node, or
 * {@link Subscriber#brokerDeliveryLimit()} deliveries in all (deliveries given back by a stopping
 * node or a lost connection failed nothing), or at once for a {@link PoisonMessageException}, the
 * message is stored as a dead letter, then terminated. The consumer's {@code max_deliver} is one
 * more than the delivery limit: if the handler hangs, or its node dies, on every delivery, the
 * server gives up itself and its advisory feeds the dead letters ({@link NatsBus}).
 */
final class GroupConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);

    private final NatsBus bus;
    private final Subscriber subscriber;
    private final List<String> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Lane<io.nats.client.Message>> lanes = new ArrayList<>();
    private final HandlerPace pace = new HandlerPace();
    private final List<MessageConsumer> taking = new ArrayList<>();
    private Dispatcher dispatcher;
    private volatile boolean running = true;

    GroupConsumer(NatsBus bus, Subscriber subscriber) {
        this.bus = bus;
        this.subscriber = subscriber;
        Names n = bus.settings.names();
        for (String topic : subscriber.topics()) {
            consumers.add(n.consumer(subscriber.group(), topic));
        }
        consumers.add(n.replayConsumer(subscriber.group()));
        for (int i = 0; i < bus.settings.lanes(); i++) {
            // The server delivers again what is not acknowledged within the ack wait: the lanes
            // tell it, three times per ack wait, that what they hold is being worked on.
            lanes.add(new Lane<>(subscriber.group(), this::handle, () -> running && !bus.closed(),
                    bus.settings.ackWait().toNanos() / 3, GroupConsumer::inProgress));
        }
    }

    String group() {
        return subscriber.group();
    }

    List<String> consumerNames() {
        return consumers;
    }

    void start() {
        Thread starter = new Thread(this::subscribe, "ludus-bus-nats-start-" + subscriber.group());
        starter.setDaemon(true);
        threads.add(starter);
        starter.start();
        for (int i = 0; i < lanes.size(); i++) {
            Thread t = new Thread(lanes.get(i)::run, "ludus-bus-nats-" + subscriber.group() + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops taking messages, lets each lane finish the one in hand, gives the rest back to the server at once. */
    void stop() {
        running = false;
        stopConsuming();
        lanes.forEach(Lane::wake);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                LOG.warn("NATS bus group {}: {} did not stop within 10 s (a handler hangs?)", group(), t.getName());
                t.interrupt();
            }
        }
        lanes.forEach(l -> l.giveBack(GroupConsumer::nak));
    }

    // ---------------------------------------------------------------- taking messages

    /**
     * Runs once per start, until every consumer of the group takes messages: makes (or updates)
     * the durable consumers and has the server push their messages, through one dispatcher
     * thread for the whole group, to {@link #dispatch}. The client keeps them going across
     * reconnects by itself.
     */
    private void subscribe() {
        Names n = bus.settings.names();
        List<String> subjects = new ArrayList<>();
        subscriber.topics().forEach(t -> subjects.add(n.topicSubject(t)));
        subjects.add(n.replaySubject(subscriber.group()));
        boolean warned = false;
        while (running && !bus.closed()) {
            try {
                if (!bus.ready()) {
                    Thread.sleep(200);
                    continue;
                }
                synchronized (this) {
                    if (!running) {
                        return;
                    }
                    dispatcher = bus.connection().createDispatcher();
                    for (int i = 0; i < consumers.size(); i++) {
                        ConsumerContext cc = bus.connection().getConsumerContext(n.stream(),
                                ensureConsumer(consumers.get(i), subjects.get(i)));
                        taking.add(cc.consume(ConsumeOptions.builder()
                                .batchSize(Math.min(256, bus.settings.maxInFlight())).build(), dispatcher, this::dispatch));
                    }
                }
                if (warned) {
                    LOG.info("NATS bus group {}: taking messages again", group());
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!warned) {
                    LOG.warn("NATS bus group {}: cannot take messages yet: {}; retrying", group(), NatsBus.describe(e));
                    warned = true;
                }
                stopConsuming();
                sleep(1000);
            }
        }
    }

    private synchronized void stopConsuming() {
        for (MessageConsumer mc : taking) {
            try {
                mc.stop();
                mc.close();
            } catch (Exception e) {
                LOG.debug("stopping a NATS consumer: {}", e.toString());
            }
        }
        taking.clear();
        if (dispatcher != null) {
            try {
                bus.connection().closeDispatcher(dispatcher);
            } catch (RuntimeException e) {
                LOG.debug("closing a NATS dispatcher: {}", e.toString());
            }
            dispatcher = null;
        }
    }

    /** Makes (or brings up to date) the group's durable consumer of {@code subject}. */
    private String ensureConsumer(String consumer, String subject) throws IOException, io.nats.client.JetStreamApiException {
        ConsumerConfiguration cc = ConsumerConfiguration.builder().durable(consumer).filterSubject(subject)
                .ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.All)
                .ackWait(bus.settings.ackWait()).maxDeliver(subscriber.brokerDeliveryLimit() + 1L)
                .maxAckPending(bus.settings.maxInFlight()).build();
        bus.management().addOrUpdateConsumer(bus.settings.names().stream(), cc);
        return consumer;
    }

    private void dispatch(io.nats.client.Message m) {
        if (!m.isJetStream()) {
            return;
        }
        String key = NatsBus.first(m.getHeaders(), NatsBus.KEY);
        int lane = key == null ? (int) (m.metaData().streamSequence() % lanes.size())
                : Math.floorMod(key.hashCode(), lanes.size());
        lanes.get(lane).offer(m, pace);
    }

    /** Tells the server the message is being worked on (restarts its ack wait); not at all when disconnected. */
    private static void inProgress(io.nats.client.Message m) {
        try {
            m.inProgress();
        } catch (RuntimeException e) {
            LOG.debug("in progress: {}", e.toString());
        }
    }

    private static void nak(io.nats.client.Message m) {
        try {
            m.nak();
        } catch (RuntimeException e) {
            LOG.debug("nak: {}", e.toString());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- handling

    /**
     * Hands the message to the handler once ({@code attempt} 0: as the server counts its
     * deliveries); acknowledges it, dead-letters it, or holds it for its retry.
     */
    private void handle(Lane<io.nats.client.Message> lane, io.nats.client.Message nm, int attempt, int failures) {
        long sequence = nm.metaData().streamSequence();
        if (attempt == 0) {
            attempt = (int) Math.min(Integer.MAX_VALUE, nm.metaData().deliveredCount());
        }
        Message m = NatsBus.message(nm.getSubject(), nm.getHeaders(), nm.getData(), sequence,
                nm.metaData().timestamp().toInstant());
        boolean replay = bus.settings.names().isReplay(nm.getSubject());
        bus.metrics.delivered(attempt > 1);
        Subscriber.Outcome outcome = subscriber.deliver(new Delivery(m, group(), attempt, replay), pace);
        String error = outcome.error();
        boolean poison = outcome.poison();
        if (error == null) {
            try {
                nm.ack();
                bus.metrics.acked();
            } catch (RuntimeException e) {
                // closed, or reconnecting with a full buffer: the server delivers it again after its ack wait
                LOG.warn("NATS bus group {}: handled {} but could not acknowledge it ({}); it comes again", group(),
                        m.id(), NatsBus.describe(e));
            }
            return;
        }
        if (poison || subscriber.exhausted(attempt, failures + 1)) {
            try {
                bus.storeDeadLetter(group(), nm.metaData().getConsumer(), m, nm.getData(), subscriber.bundle(),
                        subscriber.version(), error, attempt);
                nm.term();
                LOG.warn("NATS bus group {}: message {} ({}) dead-lettered after {} deliveries: {}", group(), m.id(),
                        m.topic(), attempt, error);
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("NATS bus group {}: could not store dead letter {}; it is delivered again: {}", group(),
                        m.id(), NatsBus.describe(e));
            }
        }
        // The backoff counts the handler's failures here, not the deliveries: a message given back
        // by a stopping node or a dropped connection was not failed by anyone.
        long backoff = subscriber.backoff(failures + 1);
        lane.hold(nm, attempt + 1, failures + 1, backoff); // unacknowledged: the key's later messages wait behind it
        LOG.debug("NATS bus group {}: message {} failed delivery {} ({}); again in {} ms", group(), m.id(), attempt,
                error, backoff);
    }
}
