package dev.ludus.testing.services;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.After;
import org.junit.Test;

/**
 * The PostgreSQL lookup with the real server's address pointed at a closed port, so that the
 * fallbacks are exercised whatever runs on this machine.
 */
public class PostgresTest {

    @After
    public void restore() {
        System.clearProperty(Postgres.URL_VARIABLE);
    }

    @Test
    public void anUnreachableServerWithEmbeddedOffIsMissingAndSaysWhy() {
        System.setProperty(Postgres.URL_VARIABLE, "jdbc:postgresql://127.0.0.1:1/test");
        Availability<?> a = Postgres.locate(new ServicePolicy(false, false));
        assertTrue(a.toString(), a instanceof Availability.Missing<?>);
        String reason = ((Availability.Missing<?>) a).reason();
        assertTrue(reason, reason.startsWith("not reachable at 127.0.0.1:1: "));
        assertTrue(reason, reason.endsWith("; embedded disabled by LUDUS_TEST_EMBEDDED=off"));
    }

    @Test
    public void aMalformedUrlIsRefusedNamingTheVariable() {
        System.setProperty(Postgres.URL_VARIABLE, "postgres://127.0.0.1/test");
        try {
            Postgres.locate(new ServicePolicy(false, false));
            fail("accepted a malformed URL");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("LUDUS_TEST_PG_URL must look like"));
        }
    }

    @Test
    public void anUnreachableServerStartsAnEmbeddedOneWithFreshDatabasesThatSurviveARestart() throws Exception {
        System.setProperty(Postgres.URL_VARIABLE, "jdbc:postgresql://127.0.0.1:1/test");
        // Where no embedded server can run here, this follows the rule it tests: skip and say so
        // (or fail under LUDUS_TEST_SERVICES=required).
        PostgresServer server = (PostgresServer) TestServices.use(Service.POSTGRESQL, Postgres.locate(new ServicePolicy(true, true)),
                ServicePolicy.current(), getClass(), 1);
        try {
            assertTrue(server.embedded());
            PostgresDatabase one = server.createDatabase("PostgresTest");
            PostgresDatabase two = server.createDatabase("PostgresTest");
            assertTrue(one.name(), one.name().matches("ludus_postgrestest_[0-9a-f]{8}"));
            assertTrue("each class its own database", !one.name().equals(two.name()));
            try (Connection c = one.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (v text)");
                s.execute("INSERT INTO t VALUES ('kept')");
            }
            server.stop();
            assertNotNull("stopped: nothing answers", Postgres.problemReaching(server));
            server.start();
            try (Connection c = one.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t")) {
                assertTrue(rs.next());
                assertEquals("kept", rs.getString(1));
            }
            two.drop();
            try (Connection c = two.connect()) {
                fail("dropped database still there");
            } catch (SQLException e) {
                assertEquals("3D000", e.getSQLState());
            }
        } finally {
            server.close();
        }
        assertNotNull("closed: the embedded server is gone", Postgres.problemReaching(server));
    }
}
