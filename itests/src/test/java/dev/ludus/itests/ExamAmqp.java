package dev.ludus.itests;

import dev.ludus.testing.services.Amqp;

/**
 * An AMQP 0-9-1 broker for Pax Exam tests, used only from their {@code @Configuration} method,
 * outside the framework: the real RabbitMQ, or an embedded Qpid Broker-J, as an
 * {@code amqp://host:port} URL for a framework property.
 */
final class ExamAmqp {

    private ExamAmqp() {
    }

    static String url(Class<?> testClass, int tests) {
        return Amqp.server(testClass, tests).uri("amqp");
    }
}
