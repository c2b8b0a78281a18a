package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.itests.fixture.PickyConsumer;

/**
 * Dead letters an operator can act on: a consumer bundle that fails on one message, its dead letter
 * naming the bundle and version that failed, the bus restarted with the letter kept, a fixed
 * version hot-deployed, the replay through ConfigAdmin, and the fix's effect.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BusDeadLetterIT {

    static final String CONSUMER = "dev.ludus.itests.picky";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("deadletter", List.of());
    }

    /** The consumer bundle at {@code version}: the fixture class alone, with an activator. */
    private static byte[] consumerJar(String version) throws Exception {
        return FixtureBundles.jar(CONSUMER, version, "dev.ludus.api.bus;version=\"[1.0,2)\",org.osgi.framework",
                List.of(PickyConsumer.class));
    }

    private MessageBus bus() throws Exception {
        ServiceTracker<MessageBus, MessageBus> t = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + MessageBus.class.getName() + ")(ludus.bus=local))"), null);
        t.open();
        MessageBus b = t.waitForService(30_000);
        t.close();
        if (b == null) {
            throw new AssertionError("no local bus");
        }
        return b;
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    @Test
    public void aFailingConsumersDeadLetterIsReplayedToItsHotDeployedFix() throws Exception {
        Path effects = Files.createTempFile("picky", ".effects");
        System.setProperty("ludus.picky.effects", effects.toString());
        Bundle consumer = context.installBundle("picky-consumer", new ByteArrayInputStream(consumerJar("1.0.0")));
        consumer.start();

        MessageBus bus = bus();
        for (String[] m : List.of(new String[] {"m1", "{\"n\":1}"}, new String[] {"m2", "{\"poison\":true}"},
                new String[] {"m3", "{\"n\":3}"})) {
            bus.publish(OutgoingMessage.of("picky.events", m[0], m[1]).withId(m[0])).toCompletableFuture().get();
        }
        Wait.until("a dead letter", 30_000, () -> bus().deadLetters("picky", 10).size() == 1);
        DeadLetter d = bus().deadLetters("picky", 10).get(0);
        assertEquals("m2", d.message().id());
        assertEquals(CONSUMER, d.handlerBundle());
        assertEquals("1.0.0", d.handlerVersion());
        assertEquals(2, d.attempts());
        assertTrue(d.error(), d.error().contains("cannot digest poison"));
        Wait.until("the others applied", 30_000, () -> Files.readAllLines(effects).containsAll(List.of("m1", "m3")));
        assertEquals(List.of("m1", "m3"), Files.readAllLines(effects).stream().sorted().toList());

        // The dead letter is on disk: a restart of the bus keeps it.
        Bundle busBundle = bundle("dev.ludus.bus.local");
        busBundle.stop();
        busBundle.start();
        Wait.until("the dead letter after a restart", 30_000, () -> bus().deadLetters("picky", 10).size() == 1);
        Wait.until("health names it", 30_000, () -> String.valueOf(HealthChecks.require(context, "bus-local").details()
                .get("group.picky")).contains("dead letters 1"));

        // The fix, deployed over the running bundle; then the operator replays through ConfigAdmin.
        consumer.update(new ByteArrayInputStream(consumerJar("1.0.1")));
        Wait.until("the fixed consumer runs", 30_000, () -> consumer.getState() == Bundle.ACTIVE
                && "1.0.1".equals(consumer.getVersion().toString()));
        Configurations.merge(configAdmin, "dev.ludus.bus.local", Map.of("replayGroups", "picky",
                "replayGeneration", 1L));
        Wait.until("the fix applied the dead letter", 30_000, () -> Files.readAllLines(effects).contains("m2"));
        Wait.until("no dead letter left", 30_000, () -> bus().deadLetters("picky", 10).isEmpty());
        assertEquals(List.of("m1", "m2", "m3"), Files.readAllLines(effects).stream().sorted().toList());

        // The replay number is kept: another restart does not replay the letter again.
        busBundle.stop();
        busBundle.start();
        bus();
        Thread.sleep(1000);
        assertEquals(1, Files.readAllLines(effects).stream().filter("m2"::equals).count());
        assertEquals(List.of("m1", "m2", "m3"), Files.readAllLines(effects).stream().distinct().sorted().toList());
    }
}
