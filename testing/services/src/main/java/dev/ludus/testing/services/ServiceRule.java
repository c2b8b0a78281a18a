package dev.ludus.testing.services;

import org.junit.rules.TestRule;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * A {@code @ClassRule} giving a test class a network service ({@link Service#REDIS},
 * {@link Service#AMQP}, {@link Service#NATS}) by the same rule as {@link PostgresRule}:
 *
 * <pre>
 * &#64;ClassRule public static final ServiceRule REDIS = new ServiceRule(Service.REDIS);
 * ... REDIS.endpoint().uri("redis") ...
 * </pre>
 */
public final class ServiceRule implements TestRule {

    private final Service service;
    private volatile ServiceEndpoint endpoint;

    /**
     * @throws IllegalArgumentException for PostgreSQL, which has {@link PostgresRule} (a database per class)
     */
    public ServiceRule(Service service) {
        if (service == Service.POSTGRESQL) {
            throw new IllegalArgumentException("use PostgresRule for PostgreSQL");
        }
        this.service = service;
    }

    /**
     * Where the service listens; valid while the class's tests run.
     *
     * @throws IllegalStateException outside the rule
     */
    public ServiceEndpoint endpoint() {
        ServiceEndpoint e = endpoint;
        if (e == null) {
            throw new IllegalStateException("ServiceRule.endpoint() is only valid while the class's tests run: use it as @ClassRule");
        }
        return e;
    }

    @Override
    public Statement apply(Statement base, Description description) {
        return new Statement() {
            @Override
            public void evaluate() throws Throwable {
                endpoint = (ServiceEndpoint) TestServices.require(service, description.getTestClass(),
                        Math.max(1, description.testCount()));
                try {
                    base.evaluate();
                } finally {
                    endpoint = null;
                }
            }
        };
    }
}
