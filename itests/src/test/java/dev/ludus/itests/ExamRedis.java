package dev.ludus.itests;

import dev.ludus.testing.services.Redis;

/**
 * Redis for Pax Exam tests, used only from their {@code @Configuration} method, outside the
 * framework (the test-services types are not visible inside it): the real server, or an embedded
 * one, as a {@code redis://host:port} URL for a framework property.
 */
final class ExamRedis {

    private ExamRedis() {
    }

    static String url(Class<?> testClass, int tests) {
        return Redis.server(testClass, tests).uri("redis");
    }
}
