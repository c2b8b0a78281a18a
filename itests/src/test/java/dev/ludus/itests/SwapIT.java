package dev.ludus.itests;

import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/** The swap suite ({@link SwapSuite}) over every swappable bundle of the default distribution. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapIT extends SwapSuite {

    /** The default distribution's bundles that can be swapped while people play. */
    static final List<String> BUNDLES = List.of("dev.ludus.game.liaptui", "dev.ludus.eventstore", "dev.ludus.store.memory",
            "dev.ludus.rooms", "dev.ludus.gateway", "dev.ludus.archive", "dev.ludus.archive.fs", "dev.ludus.health",
            "dev.ludus.web.security", "dev.ludus.config.guard", "dev.ludus.metrics", "dev.ludus.limits.local", "dev.ludus.resilience", "dev.ludus.bus.local", "dev.ludus.stats", "dev.ludus.webhooks",
            "dev.ludus.console", "dev.ludus.deploy.guard", "dev.ludus.log.bridge");

    @Inject
    BundleContext context;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("swap", List.of(), Map.of("dev.ludus.rooms.cfg", "botThinkMillis = 30\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"));
    }

    @Test
    public void everyBundleSwapsUnderPlayWithNoPlayerLeftBehindAndNothingLost() throws Exception {
        run("Swap suite, default distribution", BUNDLES, "-default.md");
    }
}
