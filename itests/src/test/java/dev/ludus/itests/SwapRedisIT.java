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
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import org.osgi.framework.Constants;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.ProbeBuilder;

/**
 * The swap suite ({@link SwapSuite}) over the opt-in {@code redis} and {@code limits-redis}
 * features: every player's request is decided by the Redis limiter (in shadow mode, so a decision
 * is made for each and none is refused) while the Redis client bundle and the limiter bundle are
 * stopped, updated, rebuilt and reinstalled.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SwapRedisIT extends SwapSuite {

    static final List<String> BUNDLES = List.of("dev.ludus.redis", "dev.ludus.limits.redis");

    @Inject
    BundleContext context;

    @Override
    BundleContext context() {
        return context;
    }

    @Configuration
    public Option[] config() throws Exception {
        URI redis = URI.create(ExamRedis.url(SwapRedisIT.class, 1));
        return ExamConfig.defaultFeatureSet("swap-redis", List.of("redis", "limits-redis"), Map.of(
                "dev.ludus.redis.cfg", "host = " + redis.getHost() + "\nport = " + redis.getPort() + "\n",
                "dev.ludus.limits.redis.cfg", "keyPrefix = ludus:swap:" + System.nanoTime() + ":\n",
                "dev.ludus.rooms.cfg", "botThinkMillis = 30\n",
                "dev.ludus.gateway.cfg", "maxConnectionsPerAddress = 1000\nlimits = shadow\n"
                        + "limiter.target = (ludus.limiter=redis)\n"),
                frameworkProperty("ludus.itest.redis").value(redis.toString()));
    }

    /**
     * The probe's dynamic imports leave out {@code dev.ludus.redis.*}: Felix counts a bundle that
     * could dynamically import a package into the refresh closure of the bundle exporting it, so with
     * the probe's default ({@code *}) refreshing the Redis client bundle would restart the probe too.
     */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        probe.setHeader(Constants.DYNAMICIMPORT_PACKAGE, "org.*,com.*,javax.*,jakarta.*,io.*,dev.ludus.api.*,dev.ludus.testing.*");
        return probe;
    }

    @Test
    public void theRedisClientAndLimiterSwapUnderPlayWithNoPlayerLeftBehind() throws Exception {
        run("Swap suite, redis and limits-redis features (every request decided by the Redis limiter)", BUNDLES, "-redis.md");
        Wait.until("the gateway deciding with the Redis limiter again, and Redis answering it", 30_000, () -> {
            HealthResult g = HealthChecks.find(context, "gateway");
            HealthResult l = HealthChecks.find(context, "limits-redis");
            return g != null && l != null && l.status() == HealthStatus.UP
                    && "redis".equals(((Map<?, ?>) g.details().get("limits")).get("limiter"));
        }, () -> HealthChecks.find(context, "gateway") + " / " + HealthChecks.find(context, "limits-redis"));
    }
}
