package dev.ludus.testing.services;

import java.sql.Connection;
import java.sql.SQLException;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * A database of its own for one test class, on the {@link PostgresServer} of this JVM.
 *
 * @param server where it lives
 * @param name   its name (lower case letters, digits and underscores)
 */
public record PostgresDatabase(PostgresServer server, String name) {

    /** JDBC URL of this database, without user or password. */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** User to connect as. */
    public String user() {
        return server.user();
    }

    /** Password to connect with; empty for none. */
    public String password() {
        return server.password();
    }

    /** A data source for this database, connect timeout 5 s. */
    public PGSimpleDataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl());
        ds.setUser(user());
        if (!password().isEmpty()) {
            ds.setPassword(password());
        }
        ds.setConnectTimeout(5);
        return ds;
    }

    /** A new connection to this database. */
    public Connection connect() throws SQLException {
        return dataSource().getConnection();
    }

    /** Drops the database (closing connections still open to it); idempotent. */
    public void drop() {
        server.dropDatabase(name);
    }
}
