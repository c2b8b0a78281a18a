package dev.ludus.itests;

import dev.ludus.testing.services.Nats;

/**
 * NATS for Pax Exam tests, used only from their {@code @Configuration} method, outside the
 * framework (the test-services types are not visible inside it): the real server, or one started
 * from the {@code nats-server} on the PATH, as a {@code nats://host:port} URL for a framework
 * property.
 */
final class ExamNats {

    private ExamNats() {
    }

    static String url(Class<?> testClass, int tests) {
        return Nats.server(testClass, tests).uri("nats");
    }
}
