package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.api.health.HealthResult;
import dev.ludus.limits.local.LocalRateLimiter;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/** The players' rate limits through the gateway, with the real in-memory limiter. */
public class GatewayRateLimitTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    private TestServer server(TestConfig cfg) throws Exception {
        TestServer s = fixture.server(cfg);
        s.gateway.rateLimits.limiter(new LocalRateLimiter());
        return s;
    }

    private static Map<String, Object> createRoom(ProtocolClient c) throws Exception {
        return c.request("create_room", Map.of("game", TurnGame.TYPE, "name", "t"));
    }

    private static long retryAfter(Map<String, Object> reply) {
        return ((Number) reply.get("retryAfterMillis")).longValue();
    }

    @Test
    public void aRequestOverItsLimitIsRefusedWithTheWaitAndARepeatIsBlocked() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.createRoom = "2/1m block 5m";
        TestServer s = server(cfg);
        ProtocolClient ann = fixture.hello(s, "Ann");
        Map<String, Object> first = createRoom(ann); assertEquals(first.toString(), "ok", first.get("type"));
        assertEquals("ok", createRoom(ann).get("type"));
        Map<String, Object> refused = createRoom(ann);
        assertEquals(refused.toString(), "rate_limited", refused.get("code"));
        assertEquals("create_room", refused.get("policy"));
        assertTrue(refused.toString(), retryAfter(refused) > 25_000 && retryAfter(refused) <= 30_000);
        Map<String, Object> blocked = createRoom(ann);
        assertEquals("rate_limited", blocked.get("code"));
        assertEquals(300_000, retryAfter(blocked));
        assertTrue(blocked.get("message").toString().startsWith("blocked by the limit 'create_room'"));
        assertEquals("others have buckets of their own", "ok", createRoom(fixture.hello(s, "Bob")).get("type"));
        java.util.List<?> rooms = (java.util.List<?>) ann.ok("list_rooms", Map.of()).get("rooms");
        assertEquals("the refusals made no room: Ann's two and Bob's", 3, rooms.size());
        com.codahale.metrics.MetricRegistry registry = new com.codahale.metrics.MetricRegistry();
        s.gateway.metrics.bind(registry, "dev.ludus.gateway", "1");
        long refusals = registry.getCounters().entrySet().stream()
                .filter(e -> e.getKey().startsWith("ludus_gateway_limit_refusals") && e.getKey().contains("policy=\"create_room\""))
                .mapToLong(e -> e.getValue().getCount()).sum();
        assertEquals("both refusals counted under their policy: " + registry.getNames(), 2, refusals);
        assertTrue(registry.getTimers().keySet().stream().anyMatch(k -> k.startsWith("ludus_gateway_limit_decision_seconds")));
    }

    @Test
    public void thePlayersBudgetFollowsThemToANewConnection() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.playerMessages = "3/1m";
        cfg.pingLimit = "off";
        TestServer s = server(cfg);
        ProtocolClient ann = fixture.hello(s, "Ann");
        pingsAnswered(ann, 3);
        assertEquals("rate_limited", ann.request("ping", Map.of()).get("code"));
        ProtocolClient again = fixture.track(ann.resume(s.uri()));
        Map<String, Object> reply = again.request("ping", Map.of());
        assertEquals("a reconnect does not refill the budget: " + reply, "rate_limited", reply.get("code"));
        assertEquals("player_messages", reply.get("policy"));
        assertEquals("another player is not affected", "ok", fixture.hello(s, "Bob").request("ping", Map.of()).get("type"));
    }

    @Test
    public void aPlayerWhoKeepsBeingRefusedIsWarnedThenClosedThenBanned() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.pingLimit = "1/1h";
        cfg.warnAt = 2;
        cfg.closeAt = 4;
        cfg.banAfter = 2;
        cfg.banSeconds = 60;
        TestServer s = server(cfg);
        ProtocolClient ann = fixture.hello(s, "Ann");
        assertEquals("ok", ann.request("ping", Map.of()).get("type"));
        assertEquals("rate_limited", ann.request("ping", Map.of()).get("code"));
        assertEquals("rate_limited", ann.request("ping", Map.of()).get("code"));
        Map<String, Object> warning = ann.await("a warning", m -> "warning".equals(m.get("type")), 5000);
        assertEquals("rate_limited", warning.get("code"));
        assertEquals("rate_limited", ann.request("ping", Map.of()).get("code"));
        ann.send("ping", Map.of());
        assertTrue("closed at the fourth refusal", ann.awaitClosed(5000));
        assertEquals(Codes.CLOSE_FLOOD, ann.closeCode());

        ProtocolClient back = fixture.track(ann.resume(s.uri()));
        for (int i = 0; i < 3; i++) {
            assertEquals("rate_limited", back.request("ping", Map.of()).get("code"));
        }
        back.send("ping", Map.of());
        assertTrue(back.awaitClosed(5000));
        assertEquals(Codes.CLOSE_FLOOD, back.closeCode());
        assertTrue(back.closeReason(), back.closeReason().contains("banned for 60 s"));

        ProtocolClient banned = fixture.track(ProtocolClient.connect(s.uri()));
        Map<String, Object> refused = banned.request("hello", Map.of("token", ann.token()));
        assertEquals(refused.toString(), "banned", refused.get("code"));
        assertTrue(retryAfter(refused) > 50_000 && retryAfter(refused) <= 60_000);
        assertEquals(1, ((Number) limitsHealth(s).get("banned")).intValue());
        GatewayAdmin admin = new GatewayAdmin(() -> s.gateway);
        dev.ludus.api.gateway.RateLimitStatus status = admin.status();
        assertTrue(status.banned().toString(), status.banned().get(ann.playerId()) > 50_000);
        assertEquals("the most refused player", ann.playerId(), status.topRefusedPlayers().get(0).key());
        assertEquals(8, status.topRefusedPlayers().get(0).count());
        assertEquals(8, status.policies().stream().filter(p -> p.name().equals("ping")).findFirst().orElseThrow().refused());
        assertEquals(LocalRateLimiter.class.getName(), status.limiter());
        assertTrue("an unban lets the player back", admin.unban(ann.playerId()));
        assertFalse("once", admin.unban(ann.playerId()));
        ProtocolClient forgiven = fixture.track(ProtocolClient.connect(s.uri()));
        assertEquals("ok", forgiven.request("hello", Map.of("token", ann.token())).get("type"));
    }

    private static void pingsAnswered(ProtocolClient c, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertEquals("ping " + i, "ok", c.request("ping", Map.of()).get("type"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> limitsHealth(TestServer s) {
        return (Map<String, Object>) s.gateway.health().details().get("limits");
    }

    @Test
    public void inShadowModeNothingIsRefusedAndHealthCountsWhatWouldHaveBeen() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.limits = "shadow";
        cfg.pingLimit = "1/1h";
        TestServer s = server(cfg);
        ProtocolClient ann = fixture.hello(s, "Ann");
        pingsAnswered(ann, 5);
        assertEquals(4L, ((Number) limitsHealth(s).get("wouldRefuse")).longValue());
        assertEquals(0L, ((Number) limitsHealth(s).get("refused")).longValue());
        cfg.limits = "enforce";
        cfg.pingLimit = "1/1h shadow";
        s.gateway.configure(cfg);
        assertEquals("one policy in shadow mode", "ok", ann.request("ping", Map.of()).get("type"));
        cfg.pingLimit = "1/1h";
        s.gateway.configure(cfg);
        assertEquals("enforced at once when switched", "rate_limited", ann.request("ping", Map.of()).get("code"));
    }

    @Test
    public void withoutALimiterRequestsPassOrAreRefusedAsConfiguredAndHealthSaysSo() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.pingLimit = "1/1h";
        TestServer s = fixture.server(cfg);
        ProtocolClient ann = fixture.hello(s, "Ann");
        assertEquals("ok", ann.request("ping", Map.of()).get("type"));
        assertEquals("ok", ann.request("ping", Map.of()).get("type"));
        HealthResult h = s.gateway.health();
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("not enforced"));
        cfg.withoutLimiter = "closed";
        s.gateway.configure(cfg);
        Map<String, Object> refused = ann.request("ping", Map.of());
        assertEquals("rate_limited", refused.get("code"));
        assertEquals(1000, retryAfter(refused));
        s.gateway.rateLimits.limiter(new LocalRateLimiter());
        assertEquals("a limiter bound: its buckets count from now", "ok", ann.request("ping", Map.of()).get("type"));
        assertEquals(dev.ludus.api.health.HealthStatus.UP, s.gateway.health().status());
    }

    @Test
    public void aPolicyThatIsNotOneIsRefusedAndThePreviousStays() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.pingLimit = "1/1h";
        TestServer s = server(cfg);
        cfg.pingLimit = "lots";
        cfg.actions = "add=banana, play=20/1m";
        s.gateway.configure(cfg);
        HealthResult h = s.gateway.health();
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("policy ping: 'lots' is not a limit"));
        assertTrue(h.reason(), h.reason().contains("policy act.add: 'banana' is not a limit"));
        ProtocolClient ann = fixture.hello(s, "Ann");
        assertEquals("ok", ann.request("ping", Map.of()).get("type"));
        assertEquals("the previous ping limit holds", "rate_limited", ann.request("ping", Map.of()).get("code"));
        assertNotNull(s.gateway.rateLimits.settings().actions().get("play"));
    }

    /** Plays Ann's adds in a room with bots until one is refused (at most 20); the refusal, or null. */
    private Map<String, Object> addUntilRefused(TestServer s, int[] acted) throws Exception {
        ProtocolClient ann = fixture.hello(s, "Ann");
        GatewayTest.roomWithBots(ann, 200);
        ann.ok("start", Map.of());
        long actedOn = -1;
        for (int i = 0; i < 20; i++) {
            long after = actedOn;
            Map<String, Object> view = ann.await("my next move", m -> GatewayTest.myMove(m)
                    && ((Number) m.get("seq")).longValue() > after, 10_000);
            actedOn = ((Number) view.get("seq")).longValue();
            Map<String, Object> reply = ann.request("act", Map.of("action", "add", "args", Map.of("n", 1)));
            if ("rate_limited".equals(reply.get("code"))) {
                return reply;
            }
            assertEquals(reply.toString(), "ok", reply.get("type"));
            acted[0]++;
        }
        return null;
    }

    @Test
    public void anActionWithALimitOfItsOwnIsRefusedByIt() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.actions = "add=2/1h";
        int[] acted = {0};
        Map<String, Object> refusal = addUntilRefused(server(cfg), acted);
        assertNotNull("the third add was refused", refusal);
        assertEquals(2, acted[0]);
        assertEquals("act.add", refusal.get("policy"));
    }

    @Test
    public void aGameDeclaresItsActionsLimitsAndTheOperatorsSettingWins() throws Exception {
        TestConfig cfg = new TestConfig();
        TestServer s = server(cfg);
        s.gateway.rateLimits.game(TurnGame.TYPE, "add=3/1h");
        int[] acted = {0};
        Map<String, Object> refusal = addUntilRefused(s, acted);
        assertNotNull("the fourth add was refused", refusal);
        assertEquals(3, acted[0]);
        assertEquals("act." + TurnGame.TYPE + ".add", refusal.get("policy"));

        cfg.actions = "add=off";
        s.gateway.configure(cfg);
        acted[0] = 0;
        assertEquals("the operator lifted it", null, addUntilRefused(s, acted));

        s.gateway.rateLimits.game(TurnGame.TYPE, "add=lots");
        HealthResult h = s.gateway.health();
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("'lots' is not a limit"));
        s.gateway.rateLimits.gameGone(TurnGame.TYPE);
        assertEquals(dev.ludus.api.health.HealthStatus.UP, s.gateway.health().status());
    }

    @Test
    public void aRoomsLimitCountsTheActionsOfAllItsPlayers() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.roomMessages = "2/1h";
        TestServer s = server(cfg);
        ProtocolClient ann = fixture.hello(s, "Ann");
        ProtocolClient bob = fixture.hello(s, "Bob");
        String room = GatewayTest.roomId(ann.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "t",
                "options", Map.of("target", 200))));
        ann.ok("join_room", Map.of("room", room));
        bob.ok("join_room", Map.of("room", room));
        ann.ok("add_bot", Map.of());
        ann.ok("add_bot", Map.of());
        ann.ok("start", Map.of());
        // Whoever of the two is to move acts (the first seat to move is the game's choice), until
        // the room's two actions are spent: the third is refused, whoever sends it.
        List<ProtocolClient> both = List.of(ann, bob);
        long[] actedOn = {-1, -1};
        int ok = 0;
        Map<String, Object> refused = null;
        long end = System.currentTimeMillis() + 20_000;
        while (refused == null && System.currentTimeMillis() < end) {
            boolean moved = false;
            for (int i = 0; i < 2 && refused == null; i++) {
                Map<String, Object> view = both.get(i).latestView();
                if (view != null && GatewayTest.myMove(view) && ((Number) view.get("seq")).longValue() > actedOn[i]) {
                    actedOn[i] = ((Number) view.get("seq")).longValue();
                    Map<String, Object> reply = both.get(i).request("act", Map.of("action", "add", "args", Map.of("n", 1)));
                    if ("ok".equals(reply.get("type"))) {
                        ok++;
                    } else {
                        refused = reply;
                    }
                    moved = true;
                }
            }
            if (!moved) {
                Thread.sleep(20);
            }
        }
        assertEquals("two actions of the room went through", 2, ok);
        assertNotNull("the third was refused", refused);
        assertEquals(refused.toString(), "room_messages", refused.get("policy"));
        assertEquals("ok", fixture.hello(s, "Cy").request("ping", Map.of()).get("type"));
    }

    @Test
    public void tooManySessionsFromOneAddressAreRefused() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.helloPerAddress = "3/1h";
        TestServer s = server(cfg);
        for (int i = 0; i < 3; i++) {
            fixture.hello(s, "p" + i);
        }
        ProtocolClient fourth = fixture.track(ProtocolClient.connect(s.uri()));
        Map<String, Object> refused = fourth.request("hello", Map.of("name", "p3"));
        assertEquals("rate_limited", refused.get("code"));
        assertEquals("hello_per_address", refused.get("policy"));
        assertEquals(List.of(new dev.ludus.api.gateway.RateLimitStatus.Count("127.0.0.1", 1)),
                new GatewayAdmin(() -> s.gateway).status().topRefusedAddresses());
    }
}
