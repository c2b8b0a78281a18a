package dev.ludus.itests;

import dev.ludus.testing.services.Postgres;
import dev.ludus.testing.services.PostgresDatabase;
import dev.ludus.testing.services.PostgresServer;

/**
 * PostgreSQL for Pax Exam tests, used only from their {@code @Configuration} method, outside the
 * framework. The test classes themselves must not name the test-services types: Pax Exam loads
 * them inside the framework too, where those types are not visible.
 */
final class ExamPostgres {

    private ExamPostgres() {
    }

    /**
     * A fresh database on this JVM's PostgreSQL for {@code testClass}, as the content of
     * {@code dev.ludus.archive.jdbc.cfg} with {@code schema}; hands the server's stop/start to
     * {@link ArchiveFixtures#postgres(String)} for the test methods.
     */
    static String archiveJdbcConfig(Class<?> testClass, String schema) {
        PostgresDatabase db = Postgres.server(testClass, 1).createDatabase(testClass.getSimpleName());
        PostgresServer server = db.server();
        ArchiveFixtures.handOverServerControl(action -> {
            if (action.equals("stop")) {
                server.stop();
            } else {
                server.start();
            }
        });
        return ArchiveFixtures.jdbcConfig(db.jdbcUrl(), db.user(), db.password(), schema);
    }
}
