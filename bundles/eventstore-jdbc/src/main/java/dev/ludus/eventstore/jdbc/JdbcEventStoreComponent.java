package dev.ludus.eventstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.metrics.MetricName;

/**
 * The {@code jdbc} event store: a {@link PostgresEventStore} over a HikariCP pool, configured by
 * {@value #PID} (required). The {@link EventStore} and {@link SnapshotStore} services (property
 * {@code ludus.eventstore=jdbc}) are registered only while the store is usable: once the schema
 * is set up, and not while the database has been unreachable for {@code unavailableMillis}, so
 * that the rooms pause their games visibly ("the event store is away") instead of failing every
 * move, and resume when it is back. The health check {@code eventstore-jdbc} says which.
 *
 * <p>The rooms take the event store with the highest ranking; the file store has none (0). Which
 * one the rooms use is chosen with {@code EventStore.target} / {@code SnapshotStore.target} in
 * {@code conf/dev.ludus.rooms.cfg}, for example {@code (ludus.eventstore=jdbc)}.
 */
@Component(service = HealthCheck.class, configurationPid = JdbcEventStoreComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = JdbcEventStoreComponent.Config.class)
public class JdbcEventStoreComponent implements HealthCheck {

    static final String PID = "dev.ludus.eventstore.jdbc";
    static final String KIND = "ludus.eventstore";

    private static final Logger LOG = LoggerFactory.getLogger(JdbcEventStoreComponent.class);

    @ObjectClassDefinition(name = "Ludus event store: PostgreSQL",
            description = "Game event streams and snapshots in PostgreSQL, shared by every node pointed at the same"
                    + " database and schema. A change restarts the store: appends in flight complete or fail with"
                    + " store_closed, and the rooms pause their games until it is back.")
    public @interface Config {
        @AttributeDefinition(name = "JDBC URL", min = "1", description = "jdbc:postgresql://host:port/database (no password in it)")
        String url() default "jdbc:postgresql://127.0.0.1:5432/ludus";

        @AttributeDefinition(name = "User", min = "1")
        String user() default "ludus";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false,
                description = "Stored in property .password, which is never a service property and never logged.")
        String _password() default "";

        @AttributeDefinition(name = "Schema", min = "1", max = "63",
                description = "Schema of the event tables (lower-case letters, digits, _), created if missing.")
        String schema() default "ludus_events";

        @AttributeDefinition(name = "Pool size", min = "2", max = "100",
                description = "Largest number of connections: one for the writer, the rest for reads and snapshots.")
        int poolSize() default 6;

        @AttributeDefinition(name = "Connect timeout (s)", min = "1", max = "600")
        int connectTimeoutSeconds() default 5;

        @AttributeDefinition(name = "Statement timeout (s)", min = "1", max = "3600",
                description = "Longest wait for the database to answer a statement.")
        int socketTimeoutSeconds() default 30;

        @AttributeDefinition(name = "Most events per commit", min = "1", max = "100000")
        int groupMaxEvents() default 2000;

        @AttributeDefinition(name = "Most bytes per commit", min = "1", max = "67108864")
        int groupMaxBytes() default 4 << 20;

        @AttributeDefinition(name = "Most appends waiting", min = "1", max = "10000000",
                description = "Appends waiting beyond this are refused with code overloaded.")
        int maxPendingAppends() default 100_000;

        @AttributeDefinition(name = "Outcome timeout (ms)", min = "0", max = "600000",
                description = "How long to try to find out whether a commit took effect when the connection broke during it.")
        long outcomeTimeoutMillis() default 30_000;

        @AttributeDefinition(name = "Unavailable after (ms)", min = "0", max = "600000",
                description = "The services are withdrawn (games pause) once appends have failed for lack of the"
                        + " database this long; 0: never withdrawn.")
        long unavailableMillis() default 2000;

        @AttributeDefinition(name = "Service ranking",
                description = "The rooms take the highest-ranked event store; the file store's is 0.")
        int ranking() default 0;

        @AttributeDefinition(name = "Migrate from", required = false,
                description = "An LDAP filter naming the event store to move every stream from, under play, for"
                        + " example (ludus.eventstore=file). While set, the store offered is the migrating one (ranked"
                        + " 1000 above this one): streams are moved one at a time and routed to where they are. Empty: no migration.")
        String migrateFrom() default "";

        @AttributeDefinition(name = "Migration drain (ms)", min = "1", max = "600000",
                description = "How long a stream's move waits for its appends in flight to the old store before it is tried later.")
        long migrationDrainMillis() default 5000;
    }

    private final Clock clock;
    private volatile MetricRegistry metrics;
    private BundleContext context;
    private Config config;
    private String where;
    private HikariDataSource pool;
    private ScheduledExecutorService lifecycle;
    private volatile PostgresEventStore store;
    private volatile ServiceRegistration<?> registration;
    private volatile String problem = "starting";
    private volatile Instant problemSince;
    private volatile boolean deactivated;
    /** While migrating: the source's services, the migrating store and the thread that moves the streams. */
    private ServiceReference<EventStore> sourceRef;
    private ServiceReference<SnapshotStore> sourceSnapshotsRef;
    private volatile MigratingEventStore migration;
    private Thread mover;

    public JdbcEventStoreComponent() {
        this(Clock.systemUTC());
    }

    JdbcEventStoreComponent(Clock clock) {
        this.clock = clock;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setMetrics(MetricRegistry r) {
        metrics = r;
    }

    void unsetMetrics(MetricRegistry r) {
        if (metrics == r) {
            metrics = null;
        }
    }

    @Activate
    void activate(Config config, BundleContext context) {
        this.config = config;
        this.context = context;
        where = withoutQuery(config.url()) + " as " + config.user() + ", schema " + config.schema();
        problemSince = clock.instant();
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(config.url());
        pg.setUser(config.user());
        if (config._password() != null && !config._password().isEmpty()) {
            pg.setPassword(config._password());
        }
        pg.setConnectTimeout(config.connectTimeoutSeconds());
        pg.setSocketTimeout(config.socketTimeoutSeconds());
        pg.setReWriteBatchedInserts(true);
        pg.setApplicationName("ludus-eventstore");
        pg.setLogServerErrorDetail(false); // error messages must not carry game data
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("ludus-eventstore-jdbc");
        hc.setDataSource(pg);
        hc.setMaximumPoolSize(Math.max(2, config.poolSize()));
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(config.connectTimeoutSeconds() * 1000L);
        hc.setValidationTimeout(Math.min(config.connectTimeoutSeconds(), 5) * 1000L);
        hc.setInitializationFailTimeout(-1); // start even while the database is away
        hc.setRegisterMbeans(false);
        pool = new HikariDataSource(hc);
        lifecycle = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-eventstore-jdbc-lifecycle");
            t.setDaemon(true);
            return t;
        });
        lifecycle.scheduleWithFixedDelay(this::tend, 0, 500, TimeUnit.MILLISECONDS);
    }

    /**
     * Every half second on the lifecycle thread: opens the store until it opens; withdraws the
     * services while the database has been away {@code unavailableMillis}; offers them again once
     * it answers.
     */
    private void tend() {
        if (deactivated) {
            return;
        }
        try {
            if (store == null) {
                open();
                return;
            }
            if (migrating() && !tendMigration()) {
                return;
            }
            PostgresEventStore.Stats s = store.stats();
            long away = config.unavailableMillis();
            boolean failing = s.failingSinceMillis() != 0 && away > 0 && clock.millis() - s.failingSinceMillis() >= away;
            if (registration != null && failing) {
                unregister("appends have failed for " + (clock.millis() - s.failingSinceMillis()) + " ms: " + s.lastError());
            } else if (registration == null && answers()) {
                register();
            }
        } catch (RuntimeException e) {
            LOG.warn("event store (PostgreSQL): {}", e.toString());
        }
    }

    private boolean migrating() {
        return config.migrateFrom() != null && !config.migrateFrom().isBlank();
    }

    /**
     * While migrating: finds the source and starts the migration; withdraws the migrating store
     * if the source went away. Returns whether the migrating store may be offered now.
     */
    private boolean tendMigration() {
        if (migration != null) {
            if (sourceRef.getBundle() != null && sourceSnapshotsRef.getBundle() != null) {
                return true;
            }
            unregister("the event store migrated from went away");
            endMigration();
            return false;
        }
        String own = "(!(service.bundleid=" + context.getBundle().getBundleId() + "))";
        String filter = config.migrateFrom().strip();
        try {
            org.osgi.framework.FrameworkUtil.createFilter(filter);
            sourceRef = best(EventStore.class, "(&" + filter + own + ")");
            sourceSnapshotsRef = best(SnapshotStore.class, "(&" + filter + own + ")");
        } catch (InvalidSyntaxException e) {
            problem("migrateFrom is not an LDAP filter: " + filter + " (" + e.getMessage() + ")");
            return false;
        }
        if (sourceRef == null || sourceSnapshotsRef == null) {
            problem("waiting for the event store to migrate from: no " + (sourceRef == null ? "EventStore" : "SnapshotStore")
                    + " matches " + filter);
            return false;
        }
        EventStore source = context.getService(sourceRef);
        SnapshotStore sourceSnapshots = context.getService(sourceSnapshotsRef);
        if (source == null || sourceSnapshots == null) {
            endMigration();
            return false;
        }
        MigratingEventStore m = new MigratingEventStore(source, sourceSnapshots, store, store, config.migrationDrainMillis());
        migration = m;
        ServiceReference<EventStore> from = sourceRef;
        mover = new Thread(() -> {
            try {
                // Streams may move only once nobody appends to the source directly: every bundle
                // that held it must have moved to the migrating store (its ranking is higher; a
                // bundle whose target names the source must be pointed at ludus.eventstore=jdbc).
                String others;
                while (!m.stopped() && !(others = othersUsing(from)).isEmpty()) {
                    m.waiting("not begun: " + others + " still use the event store migrated from; a bundle whose"
                            + " EventStore.target names it must be pointed at (ludus.eventstore=jdbc)");
                    Thread.sleep(200);
                }
                if (!m.stopped()) {
                    m.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.error("event store migration failed; streams not moved stay where they are", e);
            }
        }, "ludus-eventstore-migration");
        mover.setDaemon(true);
        mover.start();
        return true;
    }

    /**
     * The bundles other than this one that hold the source's service but not the migrating store
     * (those that would append to it directly), by symbolic name; empty if none. A bundle holding
     * both (a service tracker holds every match) uses the best, the migrating one.
     */
    private String othersUsing(ServiceReference<?> ref) {
        org.osgi.framework.Bundle[] using = ref.getUsingBundles();
        if (using == null) {
            return "";
        }
        java.util.Set<Long> onMigrating = new java.util.HashSet<>();
        ServiceRegistration<?> reg = registration;
        org.osgi.framework.Bundle[] users = null;
        try {
            users = reg == null ? null : reg.getReference().getUsingBundles();
        } catch (IllegalStateException gone) {
            // withdrawn meanwhile
        }
        if (users != null) {
            for (org.osgi.framework.Bundle b : users) {
                onMigrating.add(b.getBundleId());
            }
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (org.osgi.framework.Bundle b : using) {
            if (b.getBundleId() != context.getBundle().getBundleId() && !onMigrating.contains(b.getBundleId())) {
                names.add(b.getSymbolicName());
            }
        }
        return String.join(", ", names);
    }

    private <T> ServiceReference<T> best(Class<T> type, String filter) throws InvalidSyntaxException {
        ServiceReference<T> best = null;
        for (ServiceReference<T> r : context.getServiceReferences(type, filter)) {
            if (best == null || r.compareTo(best) > 0) {
                best = r;
            }
        }
        return best;
    }

    private void endMigration() {
        MigratingEventStore m = migration;
        migration = null;
        if (m != null) {
            m.stop();
        }
        Thread t = mover;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ServiceReference<?> r : new ServiceReference<?>[] {sourceRef, sourceSnapshotsRef}) {
            if (r != null) {
                try {
                    context.ungetService(r);
                } catch (IllegalStateException | IllegalArgumentException gone) {
                    // the source or this bundle is stopping
                }
            }
        }
        sourceRef = null;
        sourceSnapshotsRef = null;
    }

    private void problem(String reason) {
        if (!reason.equals(problem)) {
            LOG.warn("event store (PostgreSQL): {}", reason);
            problem = reason;
            problemSince = clock.instant();
        }
    }

    private void open() {
        try {
            PostgresEventStore.Settings settings = new PostgresEventStore.Settings(config.groupMaxEvents(),
                    config.groupMaxBytes(), config.maxPendingAppends(), config.outcomeTimeoutMillis());
            PostgresEventStore s = new PostgresEventStore(pool, config.schema(), settings, clock, where);
            s.commitListener(this::committed);
            store = s;
            LOG.info("event store (PostgreSQL): open on {}", where);
            register();
        } catch (IllegalArgumentException | EventStoreException e) {
            String reason = e.getMessage();
            if (!reason.equals(problem)) {
                LOG.warn("event store (PostgreSQL) not started, no EventStore service yet (trying again): {}", reason);
                problem = reason;
                problemSince = clock.instant();
            }
        }
    }

    private boolean answers() {
        try (Connection c = pool.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private synchronized void register() {
        if (registration != null || deactivated) {
            return;
        }
        store.answered();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(KIND, "jdbc");
        props.put("ludus.eventstore.schema", config.schema());
        Object service = store;
        if (migrating()) {
            if (migration == null) {
                return;
            }
            service = migration;
            props.put("ludus.eventstore.migrating", Boolean.TRUE);
            props.put(Constants.SERVICE_RANKING, config.ranking() + 1000);
        } else {
            props.put(Constants.SERVICE_RANKING, config.ranking());
        }
        registration = context.registerService(new String[] {EventStore.class.getName(), SnapshotStore.class.getName()},
                service, props);
        if (problemSince != null && !"starting".equals(problem)) {
            LOG.info("event store (PostgreSQL): the database answers again; EventStore offered again");
        }
        problem = null;
        problemSince = null;
    }

    private synchronized void unregister(String reason) {
        if (registration == null) {
            return;
        }
        LOG.warn("event store (PostgreSQL): EventStore withdrawn until the database answers ({}); games pause", reason);
        problem = reason;
        problemSince = clock.instant();
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping
        }
        registration = null;
    }

    private void committed(long micros, int events) {
        MetricRegistry r = metrics;
        if (r != null) {
            r.timer(MetricName.of("ludus_eventstore_jdbc_commit_seconds").toString()).update(micros, TimeUnit.MICROSECONDS);
            r.counter(MetricName.of("ludus_eventstore_jdbc_events").toString()).inc(events);
        }
    }

    @Deactivate
    void deactivate() {
        deactivated = true;
        lifecycle.shutdownNow();
        try {
            lifecycle.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unregister("the bundle is stopping");
        endMigration();
        PostgresEventStore s = store;
        if (s != null) {
            s.close();
        }
        pool.close();
    }

    @Override
    public String name() {
        return "eventstore-jdbc";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("database", where);
        PostgresEventStore s = store;
        if (s != null) {
            PostgresEventStore.Stats st = s.stats();
            d.put("groups", st.groups());
            d.put("appends", st.appends());
            d.put("events", st.events());
            d.put("conflicts", st.conflicts());
            d.put("failedAppends", st.failedAppends());
            d.put("retries", st.retries());
            d.put("pendingAppends", st.pending());
            d.put("lastCommitMicros", st.lastCommitMicros());
            d.put("maxCommitMicros", st.maxCommitMicros());
            if (st.lastError() != null) {
                d.put("lastError", st.lastError());
            }
        }
        if (pool != null && pool.getHikariPoolMXBean() != null) {
            d.put("poolActive", pool.getHikariPoolMXBean().getActiveConnections());
            d.put("poolIdle", pool.getHikariPoolMXBean().getIdleConnections());
        }
        MigratingEventStore m = migration;
        if (m != null) {
            MigratingEventStore.Progress pr = m.progress();
            Map<String, Object> mig = new LinkedHashMap<>();
            mig.put("from", config.migrateFrom());
            mig.put("streams", pr.streams());
            mig.put("moved", pr.moved());
            mig.put("copiedEvents", pr.copiedEvents());
            mig.put("done", pr.done());
            if (pr.done()) {
                mig.put("next", "every stream is in PostgreSQL: set EventStore.target and SnapshotStore.target ="
                        + " (ludus.eventstore=jdbc) in dev.ludus.rooms, then remove migrateFrom here");
            }
            if (pr.lastProblem() != null) {
                mig.put("lastProblem", pr.lastProblem());
            }
            d.put("migration", mig);
        }
        String p = problem;
        if (p != null) {
            d.put("since", String.valueOf(problemSince));
            return HealthResult.down("no EventStore service: " + p, d);
        }
        if (s != null && s.stats().failingSinceMillis() != 0) {
            return HealthResult.degraded("appends fail: " + s.stats().lastError(), d);
        }
        return HealthResult.up(d);
    }

    static String withoutQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
