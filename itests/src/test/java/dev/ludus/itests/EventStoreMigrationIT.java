package dev.ludus.itests;

import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.testing.services.Service;
import dev.ludus.testing.services.WithServices;

/**
 * A node playing on its file store moves every game to the shared store (PostgreSQL) under play,
 * the way an operator does it (bundles/eventstore-jdbc/README.md): set {@code migrateFrom}, wait
 * for health to say every stream moved, point the rooms at the shared store, clear
 * {@code migrateFrom}. The swap suite's load plays throughout and its end checks count: every game
 * finished, every acknowledged move in the shared store (the highest-ranked store at the end),
 * every game archived once.
 */
@RunWith(WithServices.class)
@WithServices.Needs(value = Service.POSTGRESQL, runner = PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EventStoreMigrationIT extends SwapSuite {

    private static final String JDBC = "dev.ludus.eventstore.jdbc";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        String schema = "ludus_mig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        // Ranked above the file store, so that the suite's end count reads it; the rooms are told
        // to use the file store until they are pointed at the shared one.
        String jdbc = ExamPostgres.archiveJdbcConfig(EventStoreMigrationIT.class, schema) + "ranking = 10\n";
        return ExamConfig.defaultFeatureSet("eventstore-migration", List.of("eventstore-jdbc"), Map.of(
                "dev.ludus.eventstore.jdbc.cfg", jdbc,
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\nEventStore.target = (ludus.eventstore=file)\n"
                        + "SnapshotStore.target = (ludus.eventstore=file)\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"),
                frameworkProperty("ludus.itest.schema").value(schema));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> migration() {
        try {
            for (ServiceReference<HealthCheck> ref : context.getServiceReferences(HealthCheck.class, null)) {
                HealthCheck h = context.getService(ref);
                try {
                    if (h != null && "eventstore-jdbc".equals(h.name())
                            && h.check().details().get("migration") instanceof Map<?, ?> m) {
                        return (Map<String, Object>) m;
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return Map.of();
    }

    private boolean registered(String filter) throws Exception {
        var refs = context.getServiceReferences(EventStore.class, filter);
        return refs != null && !refs.isEmpty();
    }

    @Test
    public void everyGameMovesToTheSharedStoreUnderPlayWithNothingLost() throws Exception {
        runSteps("Live migration of the event store, file → PostgreSQL, under play", List.of(
                new Step("event store", "migrate file → PostgreSQL", () -> {
                    long t0 = System.nanoTime();
                    Configurations.merge(configAdmin, JDBC, Map.of("migrateFrom", "(ludus.eventstore=file)"));
                    Wait.until("the migrating store is offered", 30_000, () -> registered("(ludus.eventstore.migrating=true)"));
                    // the rooms follow it: it is the store with property ludus.eventstore=jdbc now
                    Configurations.merge(configAdmin, "dev.ludus.rooms", Map.of(
                            "EventStore.target", "(ludus.eventstore=jdbc)", "SnapshotStore.target", "(ludus.eventstore=jdbc)"));
                    Wait.until("every stream moved", 120_000, () -> Boolean.TRUE.equals(migration().get("done")), this::migration);
                    Map<String, Object> m = migration();
                    return "moved " + m.get("moved") + " of " + m.get("streams") + " streams (" + m.get("copiedEvents")
                            + " events copied) in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
                }),
                new Step("event store", "migration ended (migrateFrom cleared)", () -> {
                    long t0 = System.nanoTime();
                    Configurations.merge(configAdmin, JDBC, Map.of("migrateFrom", ""));
                    Wait.until("the shared store is offered on its own", 30_000,
                            () -> registered("(&(ludus.eventstore=jdbc)(!(ludus.eventstore.migrating=true)))")
                                    && !registered("(ludus.eventstore.migrating=true)"));
                    return "switched in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
                })), "-eventstore-migration.md");
    }
}
