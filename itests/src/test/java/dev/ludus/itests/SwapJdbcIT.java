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
 * The swap suite ({@link SwapSuite}) over the opt-in {@code archive-jdbc} feature: games are
 * archived to PostgreSQL while its backend bundle is stopped, updated and reinstalled.
 */
@RunWith(WithServices.class)
@WithServices.Needs(value = Service.POSTGRESQL, runner = PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapJdbcIT extends SwapSuite {

    static final List<String> BUNDLES = List.of("dev.ludus.archive.jdbc");

    @Inject
    BundleContext context;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        String schema = "ludus_swap_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return ExamConfig.defaultFeatureSet("swap-jdbc", List.of("archive-jdbc"), Map.of(
                "dev.ludus.archive.jdbc.cfg", ExamPostgres.archiveJdbcConfig(SwapJdbcIT.class, schema),
                "dev.ludus.archive.cfg", "backend.target = (ludus.archive.backend=jdbc)\n",
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"),
                frameworkProperty("ludus.itest.schema").value(schema));
    }

    @Test
    public void theJdbcArchiveBackendSwapsUnderPlayWithNothingLostOrArchivedTwice() throws Exception {
        run("Swap suite, archive-jdbc feature (games archived to PostgreSQL)", BUNDLES, "-archive-jdbc.md");
    }
}
