package dev.ludus.bus.rabbitmq;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.bus.support.Subscriber;

/**
 * One consumer group's handler on this node: the group's quorum queue (made, with its dead-letter
 * queue and bindings, when the group starts) consumed on a channel of its own with a prefetch of
 * {@code maxInFlight}. The queue has a single active consumer, so one node of the cluster takes the
 * group's messages at a time, in order; here they go to the group's lanes by key and are handled
 * one at a time per lane.
 *
 * <p>A message the handler fails is kept (not acknowledged) and handed to the handler again after
 * the group's backoff, holding its lane so its keys stay in order; the attempt counts the broker's
 * earlier deliveries of it ({@code x-delivery-count}), so it survives a restart. After
 * {@code maxDeliveries} attempts (or at once for {@link PoisonMessageException}) the dead letter is
 * stored, confirmed, and the message acknowledged.
 */
final class RabbitGroup {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitGroup.class);

    private final RabbitBus bus;
    private final Subscriber subscriber;
    private final Lane[] lanes;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong inFlight = new AtomicLong();
    private volatile Channel channel;
    private volatile boolean running = true;

    RabbitGroup(RabbitBus bus, Subscriber subscriber) {
        this.bus = bus;
        this.subscriber = subscriber;
        lanes = new Lane[bus.settings.lanes()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane();
        }
    }

    String group() {
        return subscriber.group();
    }

    long inFlight() {
        return inFlight.get();
    }

    void start() {
        Thread starter = new Thread(this::subscribe, "ludus-bus-rabbitmq-start-" + group());
        starter.setDaemon(true);
        threads.add(starter);
        starter.start();
        for (int i = 0; i < lanes.length; i++) {
            Thread t = new Thread(lanes[i]::run, "ludus-bus-rabbitmq-" + group() + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Until it works: declares the group's queues and bindings and starts consuming. */
    private void subscribe() {
        Topology t = bus.settings.topology();
        boolean warned = false;
        while (running && !bus.closed()) {
            Channel ch = null;
            try {
                if (!bus.ready()) {
                    Thread.sleep(200);
                    continue;
                }
                ch = bus.connection().createChannel();
                boolean rabbitMq = bus.isRabbitMq();
                ch.queueDeclare(t.deadQueue(group()), true, false, false, t.deadArguments(rabbitMq));
                ch.queueBind(t.deadQueue(group()), t.deadExchange(), group());
                declareGroupQueue(ch, t, rabbitMq);
                for (String topic : subscriber.topics()) {
                    ch.queueBind(t.groupQueue(group()), t.exchange(), topic);
                }
                ch.basicQos(bus.settings.maxInFlight());
                Channel consuming = ch;
                ch.basicConsume(t.groupQueue(group()), false, "ludus-" + group(), new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
                        dispatch(consuming, envelope, props, body);
                    }
                });
                channel = ch;
                if (warned) {
                    LOG.info("RabbitMQ bus group {}: taking messages again", group());
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (!warned) {
                    LOG.warn("RabbitMQ bus group {}: cannot take messages yet: {}; retrying", group(), RabbitBus.describe(e));
                    warned = true;
                }
                if (ch != null) {
                    RabbitBus.closeQuietly(ch);
                }
                sleep(1000);
            }
        }
    }

    /**
     * Declares the group's quorum queue; one made earlier with other arguments (a changed
     * {@code maxDeliveries}: the broker's delivery limit) is used as it is, with a warning.
     */
    private void declareGroupQueue(Channel ch, Topology t, boolean rabbitMq) throws IOException {
        Map<String, Object> args = t.groupArguments(group(), subscriber.maxDeliveries(), rabbitMq);
        try {
            ch.queueDeclare(t.groupQueue(group()), true, false, false, args);
        } catch (IOException e) {
            if (!String.valueOf(RabbitBus.describe(e)).contains("PRECONDITION_FAILED")) {
                throw e;
            }
            LOG.warn("RabbitMQ bus group {}: queue {} exists with other arguments ({}); using it as it is (its "
                    + "broker-side delivery limit stays; change it with a policy)", group(), t.groupQueue(group()),
                    RabbitBus.describe(e));
            throw new IOException("declared again passively", e); // the broker closed the channel: start over
        }
    }

    /** Stops taking messages, lets each lane finish the one in hand; the rest go back to the queue. */
    void stop() {
        running = false;
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
                LOG.warn("RabbitMQ bus group {}: {} did not stop within 10 s (a handler hangs?)", group(), t.getName());
                t.interrupt();
            }
        }
        Channel ch = channel;
        if (ch != null) {
            RabbitBus.closeQuietly(ch); // what was not acknowledged goes back to the queue
        }
    }

    private record Item(Channel channel, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
    }

    private void dispatch(Channel ch, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
        Map<String, Object> h = props.getHeaders();
        Object key = h == null ? null : h.get(RabbitBus.KEY);
        int lane = key == null ? (int) (envelope.getDeliveryTag() % lanes.length)
                : Math.floorMod(key.toString().hashCode(), lanes.length);
        inFlight.incrementAndGet();
        lanes[lane].add(new Item(ch, envelope, props, body));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void ack(Item item) throws IOException {
        synchronized (item.channel()) { // a channel is not for concurrent use
            item.channel().basicAck(item.envelope().getDeliveryTag(), false);
        }
    }

    /** Messages of some keys, handled one at a time in arrival order. */
    private final class Lane {
        private final Deque<Item> waiting = new ArrayDeque<>();

        synchronized void add(Item item) {
            waiting.addLast(item);
            notifyAll();
        }

        synchronized void wake() {
            notifyAll();
        }

        void run() {
            while (running && !bus.closed()) {
                Item next;
                synchronized (this) {
                    next = waiting.pollFirst();
                    if (next == null) {
                        try {
                            wait(200);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        continue;
                    }
                }
                try {
                    handle(next);
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        }

        private void handle(Item item) {
            Map<String, Object> h = item.props().getHeaders();
            Object before = h == null ? null : h.get("x-delivery-count");
            int attempt = 1 + (before instanceof Number n ? n.intValue() : 0);
            boolean replay = h != null && "true".equals(RabbitBus.text(h.get("ludus-replay")));
            Message m = RabbitBus.message(item.envelope().getRoutingKey(), item.props(), item.body(),
                    item.envelope().getDeliveryTag());
            while (running && !bus.closed()) {
                bus.metrics.delivered(attempt > 1);
                String error;
                boolean poison = false;
                try {
                    subscriber.handler().handle(new Delivery(m, group(), attempt, replay));
                    ack(item);
                    bus.metrics.acked();
                    return;
                } catch (PoisonMessageException e) {
                    error = e.toString();
                    poison = true;
                } catch (IOException e) {
                    LOG.warn("RabbitMQ bus group {}: could not acknowledge {} ({}); it comes again", group(), m.id(),
                            e.getMessage());
                    return;
                } catch (Exception | LinkageError e) {
                    error = e.toString();
                }
                if (poison || attempt >= subscriber.maxDeliveries()) {
                    try {
                        bus.storeDeadLetter(group(), m, item.body(), subscriber.bundle(), subscriber.version(), error,
                                attempt);
                        ack(item);
                        LOG.warn("RabbitMQ bus group {}: message {} ({}) dead-lettered after {} deliveries: {}", group(),
                                m.id(), m.topic(), attempt, error);
                        return;
                    } catch (IOException e) {
                        LOG.error("RabbitMQ bus group {}: could not store dead letter {}; trying again: {}", group(),
                                m.id(), e.getMessage());
                    }
                }
                long backoff = subscriber.backoff(attempt);
                LOG.debug("RabbitMQ bus group {}: message {} failed delivery {} ({}); again in {} ms", group(), m.id(),
                        attempt, error, backoff);
                sleep(backoff); // held, unacknowledged: the key's later messages wait behind it
                attempt++;
            }
        }
    }
}
