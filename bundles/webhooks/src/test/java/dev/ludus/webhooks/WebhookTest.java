package dev.ludus.webhooks;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.PoisonMessageException;

/** A webhook against a real local HTTP receiver that fails on purpose. */
public class WebhookTest {

    private static final String SECRET = "a secret of sixteen+";

    private HttpServer receiver;
    private final AtomicInteger failFirst = new AtomicInteger();
    private volatile int failWith = 503;
    private final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();

    @Before
    public void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            seen.add(Map.of("body", new String(body, StandardCharsets.UTF_8),
                    "signature", exchange.getRequestHeaders().getFirst("X-Ludus-Signature"),
                    "timestamp", exchange.getRequestHeaders().getFirst("X-Ludus-Timestamp"),
                    "id", exchange.getRequestHeaders().getFirst("X-Ludus-Id"),
                    "delivery", exchange.getRequestHeaders().getFirst("X-Ludus-Delivery")));
            int status = failFirst.getAndDecrement() > 0 ? failWith : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @After
    public void stop() {
        receiver.stop(0);
    }

    private static WebhookConfig config(String name, String url, String secret) {
        return new WebhookConfig() {
            @Override public Class<? extends Annotation> annotationType() { return WebhookConfig.class; }
            @Override public String name() { return name; }
            @Override public String url() { return url; }
            @Override public String _secret() { return secret; }
            @Override public String topics() { return "game.finished"; }
            @Override public int timeoutMillis() { return 2000; }
            @Override public int maxDeliveries() { return 3; }
            @Override public long backoffMillis() { return 10; }
        };
    }

    private Webhook hook() {
        Webhook w = new Webhook();
        w.configure(config("scores", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook", SECRET));
        return w;
    }

    private static Delivery delivery(int attempt) {
        return new Delivery(new Message("game.finished:r1", "game.finished", "liap-tui", "{\"roomId\":\"r1\",\"n\":[1,2]}",
                Map.of(), Instant.parse("2026-12-01T10:00:00Z"), 7), "webhook.scores", attempt, false);
    }

    @Test
    public void aDeliveryIsASignedJsonPostAndFailuresAreRetriedUntilTheReceiverTakesIt() throws Exception {
        Webhook w = hook();
        failFirst.set(2);
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                w.handle(delivery(attempt));
                fail("a 503 must fail the delivery");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("HTTP 503"));
            }
        }
        w.handle(delivery(3)); // taken
        assertEquals(3, seen.size());
        Map<String, String> last = seen.get(2);
        assertEquals("game.finished:r1", last.get("id"));
        assertEquals("3", last.get("delivery"));
        assertEquals("sha256=" + Webhook.sign(SECRET.getBytes(StandardCharsets.UTF_8), last.get("timestamp") + "." + last.get("body")),
                last.get("signature"));
        assertTrue(Math.abs(Long.parseLong(last.get("timestamp")) - System.currentTimeMillis() / 1000) < 60);
        JsonNode body = new ObjectMapper().readTree(last.get("body"));
        assertEquals("game.finished", body.get("topic").asText());
        assertEquals("r1", body.at("/data/roomId").asText());
        assertEquals(2, body.at("/data/n").size());
        assertEquals("2026-12-01T10:00:00Z", body.get("publishedAt").asText());
        assertEquals(1L, w.check().details().get("delivered"));
        assertEquals(2L, w.check().details().get("failedDeliveries"));
    }

    @Test
    public void aReceiverThatRefusesTheMessageItselfMakesADeadLetterAtOnce() throws Exception {
        Webhook w = hook();
        failFirst.set(1);
        failWith = 400;
        try {
            w.handle(delivery(1));
            fail("a 400 must make a dead letter");
        } catch (PoisonMessageException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("HTTP 400"));
        }
        failFirst.set(1);
        failWith = 429; // too many requests: try again later, not a dead letter
        try {
            w.handle(delivery(1));
            fail("a 429 must fail the delivery");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("HTTP 429"));
        }
    }

    @Test
    public void throughAResiliencePolicyEachDeliveryIsOnePostARefusalIsNotCountedAndABreakerStopsPostingToADeadReceiver()
            throws Exception {
        dev.ludus.resilience.ResilienceService resilience = new dev.ludus.resilience.ResilienceService();
        resilience.activate(null, Map.of("retryWaitMillis", 1));
        try {
            Webhook w = hook();
            w.bindResilience(resilience);
            failFirst.set(1);
            try {
                w.handle(delivery(1));
                fail("a 503 fails the delivery: the bus tries it again, the policy does not");
            } catch (IllegalStateException e) {
                assertEquals(1, seen.size());
            }
            w.handle(delivery(2)); // taken
            assertEquals(2, seen.size());
            assertEquals(1L, w.check().details().get("delivered"));

            failFirst.set(1);
            failWith = 400;
            try {
                w.handle(delivery(1));
                fail("a 400 must make a dead letter");
            } catch (PoisonMessageException e) {
                assertEquals(3, seen.size());
            }
            assertEquals(dev.ludus.api.resilience.PolicyStatus.State.CLOSED,
                    resilience.policy("webhooks.scores").status().state());
            assertEquals("one failure counted (the 503), not the refusal", 1,
                    resilience.policy("webhooks.scores").status().failures());

            // A breaker that opens after two failed calls (new settings: a new breaker).
            resilience.modified(Map.of("windowCalls", 2, "minimumCalls", 2, "openMillis", 60_000));
            receiver.stop(0);
            for (int i = 0; i < 2; i++) {
                try {
                    w.handle(delivery(1));
                    fail("no receiver: the delivery must fail");
                } catch (java.io.IOException e) {
                    // the receiver's own failure
                }
            }
            try {
                w.handle(delivery(1));
                fail("the breaker is open");
            } catch (dev.ludus.api.resilience.ResilienceException e) {
                assertEquals(dev.ludus.api.resilience.ResilienceException.OPEN, e.code());
            }
            assertTrue(String.valueOf(w.check().details().get("lastFailure")), String.valueOf(
                    w.check().details().get("lastFailure")).contains("resilience_open"));
            w.unbindResilience(resilience);
            try {
                w.handle(delivery(1));
                fail("no receiver");
            } catch (java.io.IOException e) {
                // without the service: straight to the receiver again
            }
        } finally {
            resilience.deactivate();
        }
    }

    @Test
    public void aReceiverThatIsDownFailsTheDeliveryForARetry() throws Exception {
        Webhook w = hook();
        receiver.stop(0);
        try {
            w.handle(delivery(1));
            fail("no receiver: the delivery must fail");
        } catch (java.io.IOException e) {
            assertTrue(String.valueOf(w.check().details().get("lastFailure")).startsWith("could not reach 127.0.0.1"));
        }
    }

    @Test
    public void badSettingsAreRefusedNamingTheSetting() {
        for (Object[] c : new Object[][] {
            {"Bad Name", "http://x/hook", SECRET, "name"},
            {"ok", "ftp://x/hook", SECRET, "url"},
            {"ok", "/relative", SECRET, "url"},
            {"ok", "http://x/hook", "short", ".secret"},
            {"ok", "http://x/hook", null, ".secret"}}) {
            try {
                new Webhook().configure(config((String) c[0], (String) c[1], (String) c[2]));
                fail("accepted " + List.of(c));
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains((String) c[3]));
            }
        }
    }
}
