package dev.ludus.itests;

import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.net.URI;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The swap suite ({@link SwapSuite}) over the broker buses while they carry every finished game:
 * first the NATS client and the NATS bus bundles are stopped, updated, rebuilt and reinstalled with
 * the rooms announcing on NATS; then the RabbitMQ bus bundle, with the rooms announcing on
 * RabbitMQ. Each run counts every game announced and the statistics equal to the archive.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapBusIT extends SwapSuite {

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
        String nats = ExamNats.url(SwapBusIT.class, 1);
        URI amqp = URI.create(ExamAmqp.url(SwapBusIT.class, 1));
        String name = "swap" + Long.toHexString(System.nanoTime());
        return ExamConfig.defaultFeatureSet("swap-bus", List.of("nats", "bus-nats", "bus-rabbitmq"), Map.of(
                "dev.ludus.nats.cfg", "servers = " + nats + "\ncheckSeconds = 1\n",
                "dev.ludus.bus.nats.cfg", "name = " + name + "\n",
                "dev.ludus.bus.rabbitmq.cfg", "host = " + amqp.getHost() + "\nport = " + amqp.getPort() + "\nname = "
                        + name + "\n",
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\narchiveRetrySeconds = 1\nbus.target = (ludus.bus=nats)\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"),
                frameworkProperty("ludus.itest.nats").value(nats), frameworkProperty("ludus.itest.amqp").value(amqp.toString()),
                frameworkProperty("ludus.itest.busname").value(name));
    }

    /**
     * The probe's dynamic imports leave out the packages of the bundles swapped here: Felix counts a
     * bundle that could dynamically import a package into the refresh closure of its exporter, so
     * with the default ({@code *}) refreshing the NATS client would restart the probe too.
     */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        probe.setHeader(Constants.DYNAMICIMPORT_PACKAGE, "org.*,com.*,javax.*,jakarta.*,io.*,dev.ludus.api.*,dev.ludus.testing.*");
        return probe;
    }

    @Test
    public void theBrokerBusesSwapUnderPlayWithEveryGameAnnouncedOnce() throws Exception {
        String name = context.getProperty("ludus.itest.busname");
        try {
            run("Swap suite, the NATS bus carrying every finished game", List.of("dev.ludus.nats", "dev.ludus.bus.nats"),
                    "-nats.md");
            Configurations.merge(configAdmin, "dev.ludus.rooms", Map.of("bus.target", "(ludus.bus=rabbitmq)"));
            run("Swap suite, the RabbitMQ bus carrying every finished game", List.of("dev.ludus.bus.rabbitmq"),
                    "-rabbitmq.md");
        } finally {
            Configurations.merge(configAdmin, "dev.ludus.rooms", Map.of("bus.target", "(ludus.bus=local)"));
            Brokers.deleteRabbitTopology(URI.create(context.getProperty("ludus.itest.amqp")), name,
                    List.of("stats", "swap-check"), List.of());
            Brokers.deleteNatsStreams(context.getProperty("ludus.itest.nats"), name);
        }
    }
}
