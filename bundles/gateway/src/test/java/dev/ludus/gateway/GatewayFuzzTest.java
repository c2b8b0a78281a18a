package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * A hostile player's requests, generated: every request type of the protocol (and types that are
 * not) with random fields of random kinds (strings empty, long, with control characters or lone
 * surrogates; numbers huge, negative, fractional; nulls, lists, nested objects), from a player
 * sitting in a room, the connection's rate limits lifted so each request reaches its handler.
 * Each must be answered once, with {@code ok} or a stable error code, never
 * {@code internal_error}; the connection stays open and the gateway healthy.
 */
public class GatewayFuzzTest {

    private static final List<String> TYPES = List.of("hello", "list_rooms", "create_room", "join_room", "leave_room",
            "add_bot", "remove_bot", "start", "act", "sync", "ping", "profile", "leaderboard", "history", "replay",
            "resume", "spectate", "", "ACT", "act ", "__proto__");
    private static final List<String> FIELDS = List.of("name", "token", "game", "state", "cursor", "limit", "room",
            "seat", "action", "args", "player", "options", "lastSeq", "traceparent", "joinable", "batch", "filter");

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    @Test
    public void randomRequestsOfEveryTypeGetOneStableAnswerEach() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.limits = "off";
        cfg.perSecond = 100_000;
        cfg.burst = 100_000;
        cfg.flood = 100_000;
        TestServer s = fixture.server(cfg);
        ProtocolClient c = fixture.hello(s, "fuzzer");
        String room = GatewayTest.roomWithBots(c, 50);
        assertTrue(room != null);

        Random random = new Random(20261205);
        Map<String, String> sent = new HashMap<>();
        int hellos = 0;
        for (int i = 0; i < 1_500; i++) {
            String type = TYPES.get(random.nextInt(TYPES.size()));
            if (type.equals("hello") && hellos++ > 3) {
                continue; // a new identity each time would only test the per-address hello limit
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            int n = random.nextInt(4);
            for (int k = 0; k < n; k++) {
                fields.put(FIELDS.get(random.nextInt(FIELDS.size())), value(random, 0));
            }
            if (JSON.writeValueAsBytes(fields).length > 7_000) {
                continue; // over maxMessageBytes: answered too_large unread, without its id (GatewayLimitsTest)
            }
            sent.put(c.send(type, fields), type + " " + fields);
        }
        // Lone surrogates, escaped as JSON allows (the frame is valid UTF-8; the text is not).
        for (String type : List.of("join_room", "create_room", "profile", "act", "replay")) {
            String id = "lone-" + type;
            c.sendRaw("{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"room\":\"\\ud800\",\"game\":\"\\udfff\","
                    + "\"name\":\"\\ud800x\",\"player\":\"\\ud800\",\"action\":\"\\udbff\"}");
            sent.put(id, type + " with lone surrogates");
        }
        long end = System.currentTimeMillis() + 30_000;
        Set<String> missing = unanswered(c, sent.keySet());
        while (!missing.isEmpty() && System.currentTimeMillis() < end) {
            Thread.sleep(100);
            missing = unanswered(c, sent.keySet());
        }
        assertTrue("no answer to " + missing.size() + " requests: "
                + missing.stream().limit(10).map(id -> id + " " + sent.get(id).length() + " chars: "
                        + sent.get(id).substring(0, Math.min(80, sent.get(id).length()))).toList(), missing.isEmpty());

        Map<String, Integer> codes = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> m : c.messages()) {
            Object id = m.get("id");
            if (!(id instanceof String key) || !sent.containsKey(key)) {
                continue;
            }
            assertTrue("one answer per request: " + key + " " + sent.get(key), seen.add(key));
            String code = "error".equals(m.get("type")) ? String.valueOf(m.get("code")) : String.valueOf(m.get("type"));
            codes.merge(code, 1, Integer::sum);
            assertFalse("an internal error for " + sent.get(key) + ": " + m, "internal_error".equals(code));
            assertTrue("a code for " + sent.get(key) + ": " + m, code.matches("[a-z_]+"));
        }
        System.out.println("GatewayFuzzTest: " + sent.size() + " requests answered " + codes);
        assertTrue("some were accepted: " + codes, codes.getOrDefault("ok", 0) > 0);
        assertTrue("some were refused: " + codes, codes.getOrDefault("bad_request", 0) > 0);
        assertFalse("the connection stays open", c.isClosed());
        assertEquals("ok", c.request("ping", Map.of()).get("type"));
        assertEquals(HealthStatus.UP, s.gateway.health().status());
    }

    private static Set<String> unanswered(ProtocolClient c, Set<String> ids) {
        Set<String> missing = new HashSet<>(ids);
        for (Map<String, Object> m : c.messages()) {
            missing.remove(m.get("id"));
        }
        return missing;
    }

    private static Object value(Random r, int depth) {
        switch (r.nextInt(depth > 2 ? 9 : 12)) {
            case 0:
                return null;
            case 1:
                return r.nextBoolean();
            case 2:
                return List.of(0, 1, -1, 2.5, 1e308, -1e308, Long.MAX_VALUE, (1L << 53) + 1, Integer.MIN_VALUE, 4)
                        .get(r.nextInt(10));
            case 3:
                return List.of("", "liaptui", "x".repeat(300), "\u0000\u202e", "../../etc/passwd", "r-1", "*", "%s%n",
                        "\uD83C\uDFB2", "{\"a\":1}", "WAITING", "PLAYING", "play", "declare").get(r.nextInt(14));
            case 4:
                return "p" + r.nextInt(1000);
            case 5:
                return r.nextInt(10) - 3;
            case 6:
                return "r-" + r.nextInt(5);
            case 7:
                return r.nextLong();
            case 8:
                return "x".repeat(r.nextInt(5000));
            case 9: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    m.put(FIELDS.get(r.nextInt(FIELDS.size())), value(r, depth + 1));
                }
                return m;
            }
            case 10: {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    l.add(value(r, depth + 1));
                }
                return l;
            }
            default: {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("seat", value(r, depth + 1));
                m.put("pieces", java.util.Arrays.asList(value(r, depth + 1), value(r, depth + 1)));
                m.put("count", value(r, depth + 1));
                return m;
            }
        }
    }
}
