package dev.ludus.eventstore.jdbc;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.testing.services.PostgresDatabase;

/** Pools for the tests, set up as the bundle sets up its own. */
final class Pools {

    private Pools() {
    }

    static HikariDataSource pool(PostgresDatabase db, int size) {
        return pool(db.jdbcUrl(), db.user(), db.password(), size);
    }

    static HikariDataSource pool(String url, String user, String password, int size) {
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(url);
        pg.setUser(user);
        if (password != null && !password.isEmpty()) {
            pg.setPassword(password);
        }
        pg.setReWriteBatchedInserts(true);
        pg.setConnectTimeout(2);
        pg.setSocketTimeout(10);
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(pg);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(2000);
        hc.setValidationTimeout(1000);
        hc.setInitializationFailTimeout(-1);
        hc.setRegisterMbeans(false);
        return new HikariDataSource(hc);
    }
}
