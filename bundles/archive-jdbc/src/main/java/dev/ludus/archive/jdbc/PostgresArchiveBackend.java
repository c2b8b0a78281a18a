package dev.ludus.archive.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.health.HealthResult;

/**
 * The {@code jdbc} archive backend: a {@link PostgresArchive} over a HikariCP pool of PostgreSQL
 * connections, configured by {@value #PID} (required: without a configuration this backend does
 * not start). The schema is created or migrated on activation; if the database is not reachable
 * then, the service still registers and every call (and {@link PostgresArchiveHealth})
 * reports the database as unavailable until it answers, when the schema is set up on first use.
 *
 * <p>The password is the private property {@code .password}: not a service property, never logged.
 */
@Component(service = {ArchiveBackend.class, PostgresArchiveBackend.class}, configurationPid = PostgresArchiveBackend.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = ArchiveBackend.NAME_PROPERTY + "=" + PostgresArchiveBackend.NAME)
@Designate(ocd = PostgresArchiveBackend.Config.class)
public class PostgresArchiveBackend implements ArchiveBackend {

    static final String PID = "dev.ludus.archive.jdbc";
    static final String NAME = "jdbc";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresArchiveBackend.class);

    @ObjectClassDefinition(name = "Ludus archive backend: PostgreSQL",
            description = "Archived games in PostgreSQL through a connection pool. A change restarts this backend; the "
                    + "archive service keeps its games queued meanwhile.")
    public @interface Config {
        @AttributeDefinition(name = "JDBC URL", min = "1",
                description = "jdbc:postgresql://host:port/database (no password in it)")
        String url() default "jdbc:postgresql://127.0.0.1:5432/ludus";

        @AttributeDefinition(name = "User", min = "1")
        String user() default "ludus";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false,
                description = "Stored in property .password, which is never a service property and never logged.")
        String _password() default "";

        @AttributeDefinition(name = "Schema", min = "1", max = "63",
                description = "Schema for the archive tables, created if missing.")
        String schema() default "ludus_archive";

        @AttributeDefinition(name = "Pool size", min = "1", max = "100",
                description = "Largest number of connections (1-100).")
        int poolSize() default 4;

        @AttributeDefinition(name = "Connect timeout (s)", min = "1", max = "600",
                description = "How long a call waits for a connection before it fails (and the batch is retried).")
        int connectTimeoutSeconds() default 5;

        @AttributeDefinition(name = "Statement timeout (s)", min = "1", max = "3600",
                description = "Longest wait for the database to answer.")
        int socketTimeoutSeconds() default 60;
    }

    private final Clock clock;
    private HikariDataSource pool;
    private PostgresArchive archive;
    private ScheduledExecutorService probe;
    private String where;
    private volatile String configProblem;
    private volatile String lastError;
    private volatile Instant failingSince;
    private volatile int schemaVersion;
    private volatile boolean ready;

    public PostgresArchiveBackend() {
        this(Clock.systemUTC());
    }

    PostgresArchiveBackend(Clock clock) {
        this.clock = clock;
    }

    @Activate
    void activate(Config config) {
        where = withoutQuery(config.url()) + " as " + config.user() + ", schema " + config.schema();
        try {
            int poolSize = range("poolSize", config.poolSize(), 1, 100);
            int connect = range("connectTimeoutSeconds", config.connectTimeoutSeconds(), 1, 600);
            int socket = range("socketTimeoutSeconds", config.socketTimeoutSeconds(), 1, 3600);
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(config.url());
            pg.setUser(config.user());
            if (config._password() != null && !config._password().isEmpty()) {
                pg.setPassword(config._password());
            }
            pg.setConnectTimeout(connect);
            pg.setSocketTimeout(socket);
            pg.setReWriteBatchedInserts(true);
            pg.setApplicationName("ludus-archive");
            pg.setLogServerErrorDetail(false); // error messages must not carry game data
            HikariConfig hc = new HikariConfig();
            hc.setPoolName("ludus-archive-jdbc");
            hc.setDataSource(pg);
            hc.setMaximumPoolSize(poolSize);
            hc.setMinimumIdle(1);
            hc.setAutoCommit(false);
            hc.setConnectionTimeout(connect * 1000L);
            hc.setValidationTimeout(Math.min(connect, 5) * 1000L);
            hc.setInitializationFailTimeout(-1); // start even while the database is away
            hc.setRegisterMbeans(false);
            archive = new PostgresArchive(pool = new HikariDataSource(hc), config.schema());
        } catch (IllegalArgumentException e) {
            configProblem = e.getMessage();
            LOG.error("archive backend jdbc not usable: configuration {}: {}", PID, configProblem);
            return;
        }
        // Connecting and migrating happen on the probe thread, so a database that is away does
        // not hold up the framework's start; until then calls set the schema up on first use.
        lastError = "connecting to the database";
        failingSince = clock.instant();
        probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-archive-jdbc-probe");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(this::probe, 0, 2, TimeUnit.SECONDS);
    }

    private static int range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    private static String withoutQuery(String url) {
        if (url == null) {
            return "(no url)";
        }
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?...";
    }

    @Deactivate
    void deactivate() {
        if (probe != null) {
            probe.shutdownNow();
        }
        if (pool != null) {
            pool.close();
        }
    }

    /**
     * Until the database has answered once, and while it is failing, checks it every two seconds
     * and sets the schema up, so health turns green again on its own.
     */
    private void probe() {
        if (ready && lastError == null) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            if (c.isValid(5)) {
                archive.migrate();
                ok();
            }
        } catch (SQLException | ArchiveException e) {
            String message = e instanceof SQLException sql ? PostgresArchive.describe(sql) : e.getMessage();
            if (!ready && !message.equals(lastError)) {
                LOG.warn("archive backend jdbc cannot reach the database yet ({}); calls fail until it answers: {}", where, message);
            }
            lastError = message;
        }
    }

    private <T> T call(Supplier<T> work) {
        if (configProblem != null) {
            throw new ArchiveException("backend_unavailable", "archive backend jdbc is misconfigured: " + configProblem, null);
        }
        try {
            T result = work.get();
            ok();
            return result;
        } catch (ArchiveException e) {
            if (!"corrupt_record".equals(e.code())) {
                failed(e);
            }
            throw e;
        }
    }

    private void ok() {
        schemaVersion = PostgresArchive.MIGRATIONS.size(); // any success means the schema is current
        if (!ready) {
            ready = true;
            LOG.info("archive backend jdbc ready: {} (schema version {})", where, schemaVersion);
        } else if (lastError != null) {
            LOG.info("archive backend jdbc reaches the database again: {}", where);
        }
        lastError = null;
        failingSince = null;
    }

    private void failed(ArchiveException e) {
        if (lastError == null) {
            failingSince = clock.instant();
        }
        lastError = e.getMessage();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void store(Collection<CompletedGame> games) {
        call(() -> {
            archive.store(games);
            return null;
        });
    }

    @Override
    public Optional<CompletedGame> load(String gameId) {
        return call(() -> archive.load(gameId));
    }

    @Override
    public List<CompletedGame> query(ArchiveQuery query) {
        return call(() -> archive.query(query));
    }

    @Override
    public void forEachId(Consumer<String> action) {
        call(() -> {
            archive.forEachId(action);
            return null;
        });
    }

    @Override
    public int deleteCompletedBefore(Instant cutoff) {
        return call(() -> archive.deleteCompletedBefore(cutoff));
    }

    /** This backend's health: where it points, the pool, and whether the database answers. */
    HealthResult health() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("database", where);
        d.put("schemaVersion", schemaVersion);
        if (pool != null && pool.getHikariPoolMXBean() != null) {
            d.put("connectionsActive", pool.getHikariPoolMXBean().getActiveConnections());
            d.put("connectionsIdle", pool.getHikariPoolMXBean().getIdleConnections());
        }
        if (configProblem != null) {
            return HealthResult.degraded("configuration " + PID + ": " + configProblem, d);
        }
        String error = lastError;
        if (error != null) {
            return HealthResult.degraded("database unavailable since " + failingSince + ": " + error, d);
        }
        return HealthResult.up(d);
    }
}
