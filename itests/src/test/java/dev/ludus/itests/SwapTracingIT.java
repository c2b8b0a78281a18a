package dev.ludus.itests;

import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

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

/**
 * The swap suite ({@link SwapSuite}) over the opt-in {@code tracing-otlp} feature: the bundle that
 * publishes the node's OpenTelemetry SDK is stopped, updated and reinstalled while players play and
 * every action is traced and exported to an OTLP/HTTP receiver in the test. The gateway, the rooms
 * runtime and the event store rebind to the no-op and back each time; no move may be lost or
 * doubled, no player left behind.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapTracingIT extends SwapSuite {

    static final List<String> BUNDLES = List.of("dev.ludus.tracing.otlp");

    @Inject
    BundleContext context;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        int port = Ports.free();
        return ExamConfig.defaultFeatureSet("swap-tracing", List.of("tracing-otlp"), Map.of(
                "dev.ludus.tracing.otlp.cfg", "endpoint = http://127.0.0.1:" + port + "/v1/traces\nbatchDelayMillis = 100\n",
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"),
                frameworkProperty("ludus.itest.otlp.port").value(String.valueOf(port)));
    }

    @Test
    public void theTracingBundleSwapsUnderPlayWithNothingLostOrDoubled() throws Exception {
        try (TracingOtlpIT.Receiver receiver = new TracingOtlpIT.Receiver(
                Integer.parseInt(context.getProperty("ludus.itest.otlp.port")))) {
            run("Swap suite, tracing-otlp feature (every action traced, exported over OTLP/HTTP)", BUNDLES,
                    "-tracing-otlp.md");
            assertTrue("spans were exported", receiver.posts() > 0);
        }
    }
}
