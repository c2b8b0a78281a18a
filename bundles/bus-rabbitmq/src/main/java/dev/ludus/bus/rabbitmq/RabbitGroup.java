package dev.ludus.bus.rabbitmq;

import java.io.IOException;
import java.util.ArrayList;
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
import dev.ludus.bus.support.HandlerPace;
import dev.ludus.bus.support.Lane;
import dev.ludus.bus.support.Subscriber;

/**
 * One consumer group's handler on this node: the group's quorum queue (made, with its dead-letter
 * queue and bindings, when the group starts) consumed on a channel of its own with a prefetch of
 * {@code maxInFlight}. The queue has a single active consumer, so one node of the cluster takes the
 * group's messages at a time, in order; here they go to the group's lanes by key and are handled
 * one at a time per lane. While the handler is quick ({@link HandlerPace}) and a message's lane is
 * idle, the client's delivering thread handles it itself, sparing the hand-over.
 *
 * <p>A message the handler fails is kept (not acknowledged) and handed to the handler again after
 * the group's backoff, by its lane's thread, holding the lane so its keys stay in order; the attempt counts the broker's
 * earlier deliveries of it ({@code x-delivery-count}), so it survives a restart. After the
 * handler's {@code maxDeliveries} failures on this node, or {@link Subscriber#brokerDeliveryLimit()}
 * deliveries in all (deliveries given back by a stopping node or a lost connection failed
 * nothing), or at once for {@link PoisonMessageException}, the dead letter is stored, confirmed,
 * and the message acknowledged.
 */
final class RabbitGroup {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitGroup.class);

    private final RabbitBus bus;
    private final Subscriber subscriber;
    private final List<Lane<Item>> lanes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final HandlerPace pace = new HandlerPace();
    private final Object ackLock = new Object();
    private volatile Channel channel;
    private volatile boolean running = true;

    RabbitGroup(RabbitBus bus, Subscriber subscriber) {
        this.bus = bus;
        this.subscriber = subscriber;
        for (int i = 0; i < bus.settings.lanes(); i++) {
            // RabbitMQ does not time out what a consumer holds (short of its consumer timeout of
            // half an hour): no keep-alive.
            lanes.add(new Lane<>(subscriber.group(), this::handle, () -> running && !bus.closed(), 0, item -> { }));
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
        for (int i = 0; i < lanes.size(); i++) {
            Thread t = new Thread(lanes.get(i)::run, "ludus-bus-rabbitmq-" + group() + "-" + i);
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
        Map<String, Object> args = t.groupArguments(group(), subscriber.brokerDeliveryLimit(), rabbitMq);
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
        lanes.forEach(Lane::wake);
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
            // What was not acknowledged goes back to the queue. Closed even when the connection is
            // down: a channel left open would be recovered with its consumer, taking the group's
            // messages (single active consumer) into lanes that no longer run.
            try {
                ch.close();
            } catch (Exception e) {
                LOG.debug("closing the group's channel: {}", e.toString());
            }
        }
    }

    private record Item(Channel channel, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
    }

    private void dispatch(Channel ch, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
        Map<String, Object> h = props.getHeaders();
        Object key = h == null ? null : h.get(RabbitBus.KEY);
        int lane = key == null ? (int) (envelope.getDeliveryTag() % lanes.size())
                : Math.floorMod(key.toString().hashCode(), lanes.size());
        inFlight.incrementAndGet();
        lanes.get(lane).offer(new Item(ch, envelope, props, body), pace);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Acknowledges under a lock of the group's own (the lanes share one channel; the client's
     * objects are not used as monitors, they have locks of their own).
     */
    private void ack(Item item) throws IOException {
        synchronized (ackLock) {
            item.channel().basicAck(item.envelope().getDeliveryTag(), false);
        }
    }

    /**
     * Hands the message to the handler once ({@code attempt} 0: its first time on this node,
     * counted from the broker's earlier deliveries); acknowledges it, dead-letters it, or holds
     * it for its retry.
     */
    private void handle(Lane<Item> lane, Item item, int attempt, int failures) {
        if (!item.channel().isOpen()) {
            // Its channel closed (the connection was lost): the broker has it back and delivers it again.
            inFlight.decrementAndGet();
            return;
        }
        Map<String, Object> h = item.props().getHeaders();
        if (attempt == 0) {
            Object before = h == null ? null : h.get("x-delivery-count");
            attempt = 1 + (before instanceof Number n ? n.intValue() : 0);
        }
        boolean replay = h != null && "true".equals(RabbitBus.text(h.get("ludus-replay")));
        Message m = RabbitBus.message(item.envelope().getRoutingKey(), item.props(), item.body(),
                item.envelope().getDeliveryTag());
        bus.metrics.delivered(attempt > 1);
        Subscriber.Outcome outcome = subscriber.deliver(new Delivery(m, group(), attempt, replay), pace);
        String error = outcome.error();
        boolean poison = outcome.poison();
        if (error == null) {
            try {
                ack(item);
                bus.metrics.acked();
            } catch (IOException | RuntimeException e) {
                LOG.warn("RabbitMQ bus group {}: handled {} but could not acknowledge it ({}); it comes again",
                        group(), m.id(), RabbitBus.describe(e));
            }
            inFlight.decrementAndGet();
            return;
        }
        if (poison || subscriber.exhausted(attempt, failures + 1)) {
            try {
                bus.storeDeadLetter(group(), m, item.body(), subscriber.bundle(), subscriber.version(), error,
                        attempt);
                ack(item);
                inFlight.decrementAndGet();
                LOG.warn("RabbitMQ bus group {}: message {} ({}) dead-lettered after {} deliveries: {}", group(),
                        m.id(), m.topic(), attempt, error);
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("RabbitMQ bus group {}: could not store dead letter {}; trying again: {}", group(),
                        m.id(), RabbitBus.describe(e));
            }
        }
        // The backoff counts the handler's failures here, not the deliveries: a message given back
        // by a stopping node or a dropped connection was not failed by anyone.
        long backoff = subscriber.backoff(failures + 1);
        LOG.debug("RabbitMQ bus group {}: message {} failed delivery {} ({}); again in {} ms", group(), m.id(),
                attempt, error, backoff);
        lane.hold(item, attempt + 1, failures + 1, backoff); // unacknowledged: the key's later messages wait behind it
    }
}
