package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.time.Duration;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The opt-in {@code redis} feature: Lettuce (repackaged by bundles/lettuce) and its Netty and
 * Reactor bundles resolve and start beside the default set, and a client made from the bundle's
 * classes talks to a real Redis from inside the framework; shut down, it leaves no thread behind,
 * and neither does the node's Redis connector (bundles/redis) when it stops.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RedisStackIT {

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("redis-stack", List.of("redis"), Map.of(),
                frameworkProperty("ludus.itest.redis").value(ExamRedis.url(RedisStackIT.class, 1)));
    }

    @Test
    public void lettuceFromItsBundleTalksToRedisAndLeavesNoThreadWhenShutDown() throws Exception {
        Bundle lettuce = FrameworkUtil.getBundle(RedisClient.class);
        assertEquals("Lettuce's classes come from its bundle", "io.lettuce.core", lettuce == null ? null : lettuce.getSymbolicName());
        assertEquals(Bundle.ACTIVE, lettuce.getState());
        assertEquals("Netty from its own bundle", "io.netty.transport",
                FrameworkUtil.getBundle(lettuce.loadClass("io.netty.channel.Channel")).getSymbolicName());

        String key = "ludus:itest:" + System.nanoTime();
        // Lettuce looks for JFR through the thread's context class loader the first time it records
        // an event; with the probe's (which sees jdk.jfr) its JFR recorder fails every connect in the
        // framework (argument type mismatch). Its own bundle does not import jdk.jfr: with that
        // loader as the context, Lettuce records no JFR events and connects. A bundle that makes
        // clients does the same.
        Thread me = Thread.currentThread();
        ClassLoader before = me.getContextClassLoader();
        me.setContextClassLoader(RedisClient.class.getClassLoader());
        RedisClient client;
        StatefulRedisConnection<String, String> connection;
        try {
            client = RedisClient.create(context.getProperty("ludus.itest.redis"));
            connection = client.connect();
        } finally {
            me.setContextClassLoader(before);
        }
        try (StatefulRedisConnection<String, String> c = connection) {
            assertEquals("PONG", c.sync().ping());
            assertEquals("OK", c.sync().setex(key, 30, "value"));
            assertEquals("value", c.sync().get(key));
            assertEquals("the async API too", "value", c.async().get(key).get(5, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals("and the reactive one (Reactor)", "value", c.reactive().get(key).block(Duration.ofSeconds(5)));
            assertEquals(Long.valueOf(1), c.sync().del(key));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        // The feature's own user of Lettuce, the node's Redis connector, holds a client too: stopped,
        // it must leave no thread either.
        for (Bundle b : context.getBundles()) {
            if ("dev.ludus.redis".equals(b.getSymbolicName())) {
                b.stop();
            }
        }
        Wait.until("no Lettuce thread left", 10_000, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("lettuce-")),
                () -> Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith("lettuce-")).toList());
    }
}
