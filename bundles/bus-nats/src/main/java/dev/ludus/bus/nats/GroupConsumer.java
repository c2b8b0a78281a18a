package dev.ludus.bus.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.PoisonMessageException;
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
 * where they are handled one at a time, in order.
 *
 * <p>A message the handler fails is given back to the server with a delay (nak with the group's
 * backoff); its lane holds the messages behind it, keeping its keys in order, until it comes back.
 * The attempt is the server's delivery count, so it survives a restart. After the group's
 * {@code maxDeliveries} failed deliveries (or at once for a {@link PoisonMessageException}) the
 * message is stored as a dead letter, then terminated. The consumer's {@code max_deliver} is one
 * more than that: if the handler hangs, or its node dies, on every delivery, the server gives up
 * itself and its advisory feeds the dead letters ({@link NatsBus}).
 */
final class GroupConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);

    private final NatsBus bus;
    private final Subscriber subscriber;
    private final List<String> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Lane[] lanes;
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
        lanes = new Lane[bus.settings.lanes()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane();
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
        for (int i = 0; i < lanes.length; i++) {
            Thread t = new Thread(lanes[i]::run, "ludus-bus-nats-" + subscriber.group() + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops taking messages, lets each lane finish the one in hand, gives the rest back to the server at once. */
    void stop() {
        running = false;
        stopConsuming();
        for (Lane l : lanes) {
            l.wake();
        }
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
        for (Lane l : lanes) {
            l.giveBack();
        }
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
                .ackWait(bus.settings.ackWait()).maxDeliver(subscriber.maxDeliveries() + 1L)
                .maxAckPending(bus.settings.maxInFlight()).build();
        bus.management().addOrUpdateConsumer(bus.settings.names().stream(), cc);
        return consumer;
    }

    private void dispatch(io.nats.client.Message m) {
        if (!m.isJetStream()) {
            return;
        }
        String key = NatsBus.first(m.getHeaders(), NatsBus.KEY);
        int lane = key == null ? (int) (m.metaData().streamSequence() % lanes.length)
                : Math.floorMod(key.hashCode(), lanes.length);
        lanes[lane].add(m);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- lanes

    /** Messages of some keys, handled one at a time in arrival order; held while one waits for its retry. */
    private final class Lane {
        private final Deque<io.nats.client.Message> waiting = new ArrayDeque<>();
        /** The stream sequence of a message given back for a retry, or -1. */
        private long heldFor = -1;
        private long heldUntil;
        private long lastProgress = System.nanoTime();

        synchronized void add(io.nats.client.Message m) {
            if (m.metaData().streamSequence() == heldFor) {
                waiting.addFirst(m); // the retry comes first: the rest were held for it
                heldFor = -1;
            } else {
                waiting.addLast(m);
            }
            notifyAll();
        }

        synchronized void wake() {
            notifyAll();
        }

        void run() {
            while (running && !bus.closed()) {
                io.nats.client.Message next;
                synchronized (this) {
                    next = takeOrWait();
                }
                if (next != null) {
                    handle(next);
                }
            }
        }

        /** The next message to handle, or null after waiting a while (under the lane's lock). */
        private io.nats.client.Message takeOrWait() {
            long now = System.nanoTime();
            if (heldFor >= 0 && now > heldUntil) {
                LOG.warn("NATS bus group {}: message {} did not come back for its retry; going on without it", group(),
                        heldFor);
                heldFor = -1;
            }
            if (heldFor < 0 && !waiting.isEmpty()) {
                return waiting.pollFirst();
            }
            // Messages held here are the server's until acknowledged: keep telling it they are being worked on.
            long every = bus.settings.ackWait().toNanos() / 3;
            if (now - lastProgress > every) {
                waiting.forEach(io.nats.client.Message::inProgress);
                lastProgress = now;
            }
            try {
                wait(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            return null;
        }

        private synchronized void hold(long sequence, long backoffMillis) {
            heldFor = sequence;
            heldUntil = System.nanoTime() + (backoffMillis + 2 * bus.settings.ackWait().toMillis()) * 1_000_000L;
        }

        /** Gives every waiting message back to the server at once, for the next handler. */
        synchronized void giveBack() {
            waiting.forEach(io.nats.client.Message::nak);
            waiting.clear();
        }

        private void handle(io.nats.client.Message nm) {
            long sequence = nm.metaData().streamSequence();
            int attempt = (int) Math.min(Integer.MAX_VALUE, nm.metaData().deliveredCount());
            Message m = NatsBus.message(nm.getSubject(), nm.getHeaders(), nm.getData(), sequence,
                    nm.metaData().timestamp().toInstant());
            boolean replay = bus.settings.names().isReplay(nm.getSubject());
            bus.metrics.delivered(attempt > 1);
            String error;
            boolean poison = false;
            try {
                subscriber.handler().handle(new Delivery(m, group(), attempt, replay));
                nm.ack();
                bus.metrics.acked();
                return;
            } catch (PoisonMessageException e) {
                error = e.toString();
                poison = true;
            } catch (Exception | LinkageError e) {
                error = e.toString();
            }
            if (poison || attempt >= subscriber.maxDeliveries()) {
                try {
                    bus.storeDeadLetter(group(), nm.metaData().getConsumer(), m, nm.getData(), subscriber.bundle(),
                            subscriber.version(), error, attempt);
                    nm.term();
                    LOG.warn("NATS bus group {}: message {} ({}) dead-lettered after {} deliveries: {}", group(), m.id(),
                            m.topic(), attempt, error);
                    return;
                } catch (IOException e) {
                    LOG.error("NATS bus group {}: could not store dead letter {}; it is delivered again: {}", group(),
                            m.id(), e.getMessage());
                }
            }
            long backoff = subscriber.backoff(attempt);
            nm.nakWithDelay(Duration.ofMillis(backoff));
            hold(sequence, backoff);
            LOG.debug("NATS bus group {}: message {} failed delivery {} ({}); again in {} ms", group(), m.id(), attempt,
                    error, backoff);
        }
    }
}
