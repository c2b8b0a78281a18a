package dev.ludus.itests;

import java.net.URI;
import java.util.List;
import java.util.Locale;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;

/**
 * Removes what a test's bus left on the real brokers, which outlive test runs: the NATS bus's
 * streams and the RabbitMQ bus's exchanges and group queues of the bus name the test used.
 */
final class Brokers {

    private Brokers() {
    }

    static void deleteNatsStreams(String natsUrl, String busName) throws Exception {
        try (Connection c = Nats.connect(natsUrl)) {
            String stream = busName.toUpperCase(Locale.ROOT) + "_BUS";
            for (String s : List.of(stream, stream + "_DLQ")) {
                try {
                    c.jetStreamManagement().deleteStream(s);
                } catch (JetStreamApiException gone) {
                    // never made
                }
            }
        }
    }

    static void deleteRabbitTopology(URI amqp, String busName, List<String> groups, List<String> queues)
            throws Exception {
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setHost(amqp.getHost());
        f.setPort(amqp.getPort());
        try (com.rabbitmq.client.Connection c = f.newConnection("itest-cleanup")) {
            List<String> all = new java.util.ArrayList<>(queues);
            for (String group : groups) {
                all.add(busName + ".bus.g." + group);
                all.add(busName + ".bus.d." + group);
            }
            for (String q : all) {
                delete(c, ch -> ch.queueDelete(q));
            }
            delete(c, ch -> ch.exchangeDelete(busName + ".bus"));
            delete(c, ch -> ch.exchangeDelete(busName + ".bus.dlx"));
        }
    }

    private interface Deletion {
        void on(com.rabbitmq.client.Channel ch) throws Exception;
    }

    /** On a channel of its own: a broker other than RabbitMQ closes the channel for a name it does not have. */
    private static void delete(com.rabbitmq.client.Connection c, Deletion d) throws Exception {
        com.rabbitmq.client.Channel ch = c.createChannel();
        try {
            d.on(ch);
        } catch (java.io.IOException | com.rabbitmq.client.AlreadyClosedException notThere) {
            return;
        }
        if (ch.isOpen()) {
            ch.close();
        }
    }
}
