package dev.ludus.testing.services;

import org.junit.rules.TestRule;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * A {@code @ClassRule} giving a test class PostgreSQL and a fresh database of its own, dropped
 * after the class:
 *
 * <pre>
 * &#64;ClassRule public static final PostgresRule PG = new PostgresRule();
 * ... PG.database().dataSource() ...
 * </pre>
 *
 * When no server can be had, every test of the class is skipped and the skip recorded (or, with
 * {@code LUDUS_TEST_SERVICES=required}, the class fails).
 */
public final class PostgresRule implements TestRule {

    private volatile PostgresDatabase database;

    /**
     * The class's database; valid while its tests run.
     *
     * @throws IllegalStateException outside the rule
     */
    public PostgresDatabase database() {
        PostgresDatabase d = database;
        if (d == null) {
            throw new IllegalStateException("PostgresRule.database() is only valid while the class's tests run: use it as @ClassRule");
        }
        return d;
    }

    @Override
    public Statement apply(Statement base, Description description) {
        return new Statement() {
            @Override
            public void evaluate() throws Throwable {
                Class<?> testClass = description.getTestClass();
                PostgresServer server = Postgres.server(testClass, Math.max(1, description.testCount()));
                database = server.createDatabase(testClass.getSimpleName());
                try {
                    base.evaluate();
                } finally {
                    database.drop();
                    database = null;
                }
            }
        };
    }
}
