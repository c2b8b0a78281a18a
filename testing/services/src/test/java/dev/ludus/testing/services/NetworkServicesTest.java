package dev.ludus.testing.services;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.function.Function;

import org.junit.After;
import org.junit.Test;

/**
 * Redis, AMQP and NATS lookups, mostly with the real servers' addresses pointed at a closed port
 * so that the fallbacks are exercised whatever runs on this machine.
 */
public class NetworkServicesTest {

    @After
    public void restore() {
        for (String p : List.of(Redis.URL_VARIABLE, Amqp.URL_VARIABLE, Nats.URL_VARIABLE, Nats.SERVER_VARIABLE)) {
            System.clearProperty(p);
        }
    }

    /**
     * The endpoint of an embedded server; where none can be started here (no nats-server on the
     * PATH, a platform without binaries) these tests follow the rule they test: skip and say so,
     * or fail under LUDUS_TEST_SERVICES=required.
     */
    private ServiceEndpoint embedded(Service service, Availability<?> a) {
        ServiceEndpoint e = (ServiceEndpoint) TestServices.use(service, a, ServicePolicy.current(), getClass(), 1);
        assertTrue(e.embedded());
        return e;
    }

    private static String missing(Availability<?> a) {
        assertTrue(a.toString(), a instanceof Availability.Missing<?>);
        return ((Availability.Missing<?>) a).reason();
    }

    @Test
    public void anUnreachableRedisStartsAnEmbeddedOneThatAnswersPing() {
        System.setProperty(Redis.URL_VARIABLE, "redis://127.0.0.1:1");
        ServiceEndpoint e = embedded(Service.REDIS, Redis.locate(new ServicePolicy(true, true)));
        assertNull(Redis.problemReaching(e));
    }

    @Test
    public void anUnreachableAmqpBrokerStartsAnEmbeddedOneThatSpeaksAmqp091() {
        System.setProperty(Amqp.URL_VARIABLE, "amqp://127.0.0.1:1");
        ServiceEndpoint e = embedded(Service.AMQP, Amqp.locate(new ServicePolicy(true, true)));
        assertNull(Amqp.problemReaching(e));
    }

    @Test
    public void theRealServicesOfThisMachineAreRecognisedByTheirProtocol() {
        // Whatever listens on the default ports must speak the protocol to count as real. CI
        // (LUDUS_TEST_SERVICES=required) runs all of them, so there each must be recognised.
        boolean required = ServicePolicy.current().required();
        for (Function<ServicePolicy, Availability<?>> locate : List.<Function<ServicePolicy, Availability<?>>>of(
                Redis::locate, Amqp::locate, Nats::locate)) {
            Availability<?> a = locate.apply(new ServicePolicy(false, false));
            if (a instanceof Availability.Ready<?> r) {
                assertTrue(r.origin(), r.origin().startsWith("real server at 127.0.0.1:"));
            } else {
                String reason = missing(a);
                assertTrue(reason, !required && reason.startsWith("not reachable at 127.0.0.1:"));
            }
        }
    }

    @Test
    public void anUnreachableNatsStartsTheNatsServerOnThePath() {
        System.setProperty(Nats.URL_VARIABLE, "nats://127.0.0.1:1");
        ServiceEndpoint e = embedded(Service.NATS, Nats.locate(new ServicePolicy(true, true)));
        assertNull(Nats.problemReaching(e));
    }

    @Test
    public void withoutANatsServerProgramTheReasonSaysSo() {
        System.setProperty(Nats.URL_VARIABLE, "nats://127.0.0.1:1");
        System.setProperty(Nats.SERVER_VARIABLE, "/nonexistent/nats-server");
        String reason = missing(Nats.locate(new ServicePolicy(false, true)));
        assertTrue(reason, reason.startsWith("not reachable at 127.0.0.1:1: "));
        assertTrue(reason, reason.contains("embedded failed: no /nonexistent/nats-server on the PATH"));
    }

    @Test
    public void withEmbeddedOffAnUnreachableServiceIsMissingAndSaysWhy() {
        System.setProperty(Redis.URL_VARIABLE, "redis://127.0.0.1:1");
        System.setProperty(Nats.URL_VARIABLE, "nats://127.0.0.1:1");
        System.setProperty(Amqp.URL_VARIABLE, "amqp://127.0.0.1:1");
        for (Function<ServicePolicy, Availability<?>> locate : List.<Function<ServicePolicy, Availability<?>>>of(
                Redis::locate, Amqp::locate, Nats::locate)) {
            String reason = missing(locate.apply(new ServicePolicy(false, false)));
            assertTrue(reason, reason.startsWith("not reachable at 127.0.0.1:1: "));
            assertTrue(reason, reason.endsWith("; embedded disabled by LUDUS_TEST_EMBEDDED=off"));
        }
    }

    @Test
    public void aServerThatSpeaksAnotherProtocolIsNotTakenForIt() {
        // Redis does not greet like NATS nor answer the AMQP header with a method frame.
        System.setProperty(Redis.URL_VARIABLE, "redis://127.0.0.1:1");
        ServiceEndpoint redis = embedded(Service.REDIS, Redis.locate(new ServicePolicy(true, true)));
        assertTrue(Nats.problemReaching(redis), Nats.problemReaching(redis) != null);
        assertTrue(Amqp.problemReaching(redis), Amqp.problemReaching(redis) != null);
    }

    @Test
    public void aMalformedAddressIsRefusedNamingTheVariable() {
        System.setProperty(Redis.URL_VARIABLE, "127.0.0.1:6379");
        try {
            Redis.locate(new ServicePolicy(false, false));
            fail("accepted a malformed address");
        } catch (IllegalStateException e) {
            assertEquals("LUDUS_TEST_REDIS_URL must look like redis://127.0.0.1:6379, was '127.0.0.1:6379'", e.getMessage());
        }
    }
}
