package dev.ludus.bus.rabbitmq;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the bus keeps what, on RabbitMQ. With the name {@code ludus}: publishes go to the topic
 * exchange {@code ludus.bus} with the topic as routing key; each consumer group has the quorum
 * queue {@code ludus.bus.g.<group>} bound to its topics (single active consumer: one node takes
 * the group's messages at a time, in order), dead-lettering through the direct exchange
 * {@code ludus.bus.dlx} (routing key: the group) into the quorum queue {@code ludus.bus.d.<group>}.
 * On another AMQP 0-9-1 broker (Apache Qpid, which refuses RabbitMQ's queue arguments) the queues
 * are plain durable ones: the consumer stores its dead letters itself either way, but there is no
 * single active consumer and no broker-side delivery limit.
 */
record Topology(String name) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    Topology {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1 to 32 letters, digits, - or _, got '" + name + "'");
        }
    }

    String exchange() {
        return name + ".bus";
    }

    String deadExchange() {
        return name + ".bus.dlx";
    }

    String groupQueue(String group) {
        return name + ".bus.g." + group;
    }

    String deadQueue(String group) {
        return name + ".bus.d." + group;
    }

    /**
     * The group queue's arguments: a quorum queue with one active consumer, dead-lettering at least
     * once to the dead-letter exchange, and the broker's own delivery limit one above the group's
     * {@code deliveryLimit} (the consumer stores its dead letters itself; the limit catches a handler
     * that takes its node down on every delivery).
     */
    Map<String, Object> groupArguments(String group, int deliveryLimit, boolean rabbitMq) {
        if (!rabbitMq) {
            return Map.of(); // another AMQP 0-9-1 broker refuses these arguments: a plain durable queue
        }
        return Map.of("x-queue-type", "quorum", "x-single-active-consumer", true,
                "x-dead-letter-exchange", deadExchange(), "x-dead-letter-routing-key", group,
                "x-dead-letter-strategy", "at-least-once", "x-overflow", "reject-publish",
                "x-delivery-limit", deliveryLimit + 1);
    }

    Map<String, Object> deadArguments(boolean rabbitMq) {
        return rabbitMq ? Map.of("x-queue-type", "quorum") : Map.of();
    }
}
