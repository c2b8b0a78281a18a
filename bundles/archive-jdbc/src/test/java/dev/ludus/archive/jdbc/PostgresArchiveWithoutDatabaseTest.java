package dev.ludus.archive.jdbc;

import static dev.ludus.archive.jdbc.PostgresArchiveTest.T;
import static dev.ludus.archive.jdbc.PostgresArchiveTest.config;
import static dev.ludus.archive.jdbc.PostgresArchiveTest.game;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.postgresql.ds.PGSimpleDataSource;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/** What the backend does with no database at all: these run on any machine, PostgreSQL or not. */
public class PostgresArchiveWithoutDatabaseTest {

    private static final String NOWHERE = "jdbc:postgresql://127.0.0.1:1/test";

    @Test
    public void anUnreachableDatabaseFailsFastWithBackendUnavailable() {
        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setURL(NOWHERE);
        nowhere.setUser("postgres");
        nowhere.setConnectTimeout(2);
        long start = System.nanoTime();
        try {
            new PostgresArchive(nowhere, "ludus_nowhere").store(List.of(game("g", T, "p")));
            fail("stored nowhere");
        } catch (ArchiveException e) {
            assertEquals("backend_unavailable", e.code());
        }
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }

    @Test
    public void badSchemaNamesAreRefused() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(NOWHERE);
        for (String bad : new String[] {"Public", "a;drop", "", "x-y"}) {
            try {
                new PostgresArchive(ds, bad);
                fail("accepted schema " + bad);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("schema must match"));
            }
        }
    }

    @Test
    public void withTheDatabaseAwayTheComponentStartsAtOnceAndSaysWhy() throws Exception {
        PostgresArchiveBackend backend = new PostgresArchiveBackend();
        long start = System.nanoTime();
        backend.activate(config(Map.of("url", NOWHERE, "user", "postgres", "schema", "ludus_nowhere", "connectTimeoutSeconds", 1)));
        try {
            assertTrue("activation does not wait for the database", System.nanoTime() - start < 1_000_000_000L);
            try {
                backend.store(List.of(game("g", T, "p")));
                fail("stored nowhere");
            } catch (ArchiveException e) {
                assertEquals("backend_unavailable", e.code());
            }
            HealthResult h = backend.health();
            assertEquals(HealthStatus.DEGRADED, h.status());
            assertTrue(h.reason(), h.reason().startsWith("database unavailable since "));
        } finally {
            backend.deactivate();
        }
    }
}
