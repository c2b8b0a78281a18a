package dev.ludus.eventstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.UUID;

import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;

import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.testing.eventstore.EventStoreContract;
import dev.ludus.testing.services.PostgresRule;

/**
 * The event store contract on PostgreSQL (the local server when it answers, else an embedded one;
 * see testing/services), through the same kind of pool the bundle uses. Each test has a schema of
 * its own, dropped after it.
 */
public class PostgresEventStoreContractTest extends EventStoreContract {

    @ClassRule
    public static final PostgresRule PG = new PostgresRule();

    private HikariDataSource pool;
    private String schema;

    @Before
    public void connect() {
        pool = Pools.pool(PG.database(), 4);
        schema = "ludus_es_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @After
    public void dropSchema() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } finally {
            pool.close();
        }
    }

    @Override
    protected EventStore open() {
        return new PostgresEventStore(pool, schema, PostgresEventStore.Settings.defaults(), Clock.systemUTC(), "test");
    }

    @Override
    protected void close(EventStore store) {
        ((PostgresEventStore) store).close();
    }

    @Override
    protected SnapshotStore snapshots(EventStore store) {
        return (PostgresEventStore) store;
    }
}
