package dev.ludus.testing.services;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.AssumptionViolatedException;

/**
 * The rule for tests that need an outside service, in one place: use the real service when it
 * is reachable, otherwise start one in this JVM, otherwise skip the tests (recording what was
 * skipped and why for the end-of-build report) — or, when {@code LUDUS_TEST_SERVICES=required},
 * fail them. Each service is looked for once per JVM.
 */
public final class TestServices {

    // One lookup per JVM and service: starting an embedded server once is the point.
    private static final Map<Service, Availability<?>> LOCATED = new ConcurrentHashMap<>();

    private TestServices() {
    }

    /**
     * The service for {@code tests} tests of {@code testClass}. Blocks while the service is
     * looked for (the first call may start an embedded server, which can take a minute when its
     * binaries are first downloaded). Thread-safe.
     *
     * @return the service's handle ({@link Service#POSTGRESQL}: a {@link PostgresServer})
     * @throws AssumptionViolatedException when it cannot be had and skipping is allowed: the
     *                                     skip is recorded first
     * @throws AssertionError              when it cannot be had and {@code LUDUS_TEST_SERVICES=required}
     */
    public static Object require(Service service, Class<?> testClass, int tests) {
        ServicePolicy policy = ServicePolicy.current();
        return use(service, LOCATED.computeIfAbsent(service, s -> s.locate(policy)), policy, testClass, tests);
    }

    /** The decision of {@link #require}, for a lookup already made. */
    static Object use(Service service, Availability<?> found, ServicePolicy policy, Class<?> testClass, int tests) {
        if (found instanceof Availability.Ready<?> ready) {
            return ready.service();
        }
        String reason = ((Availability.Missing<?>) found).reason();
        if (policy.required()) {
            throw new AssertionError(service.displayName() + " is required (" + ServicePolicy.SERVICES_VARIABLE
                    + "=required) but unavailable: " + reason + "; failing " + tests + " test(s) of " + testClass.getName());
        }
        SkipRecords.record(service, reason, testClass, tests);
        throw new AssumptionViolatedException(service.displayName() + " unavailable (" + reason + "): skipping "
                + tests + " test(s) of " + testClass.getName());
    }
}
