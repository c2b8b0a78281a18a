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

import dev.ludus.testing.services.Service;
import dev.ludus.testing.services.WithServices;

/**
 * The swap suite ({@link SwapSuite}) over the opt-in {@code archive-jdbc} and {@code eventstore-jdbc}
 * features: every move is appended to PostgreSQL and games are archived there while the event
 * store's and the archive backend's bundles are stopped, updated and reinstalled.
 */
@RunWith(WithServices.class)
@WithServices.Needs(value = Service.POSTGRESQL, runner = PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapJdbcIT extends SwapSuite {

    static final List<String> BUNDLES = List.of("dev.ludus.archive.jdbc", "dev.ludus.eventstore.jdbc");

    @Inject
    BundleContext context;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        String schema = "ludus_swap_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String archive = ExamPostgres.archiveJdbcConfig(SwapJdbcIT.class, schema);
        // The event store in the same database, a schema of its own, ranked above the file store
        // (so that the suite's own count of acknowledged moves reads it too), and chosen by the rooms.
        String events = archive.replace("schema = " + schema, "schema = " + schema + "_events") + "ranking = 10\n";
        return ExamConfig.defaultFeatureSet("swap-jdbc", List.of("archive-jdbc", "eventstore-jdbc"), Map.of(
                "dev.ludus.archive.jdbc.cfg", archive,
                "dev.ludus.eventstore.jdbc.cfg", events,
                "dev.ludus.archive.cfg", "backend.target = (ludus.archive.backend=jdbc)\n",
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\nEventStore.target = (ludus.eventstore=jdbc)\n"
                        + "SnapshotStore.target = (ludus.eventstore=jdbc)\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"),
                frameworkProperty("ludus.itest.schema").value(schema));
    }

    @Test
    public void theJdbcEventStoreAndArchiveBackendSwapUnderPlayWithNothingLostOrArchivedTwice() throws Exception {
        run("Swap suite, eventstore-jdbc and archive-jdbc features (moves appended to and games archived in PostgreSQL)", BUNDLES, "-archive-jdbc.md");
    }
}
