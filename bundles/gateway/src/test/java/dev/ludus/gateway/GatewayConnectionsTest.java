package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * The gateway's connections over real WebSockets in front of the real rooms runtime, with a small
 * test game: readers that stop reading, players who drop and come back, idle timeouts and pings,
 * a stopping gateway, an overloaded node. (The rest of the protocol is in {@link GatewayTest}; the
 * two classes run in parallel JVMs.)
 */
public class GatewayConnectionsTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    @Test
    public void aReaderThatStopsReadingIsDisconnectedWithoutSlowingOthers() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.outbound = 50;
        cfg.perSecond = 100_000;
        cfg.burst = 100_000;
        cfg.flood = 1_000_000;
        cfg.admitRoomsPercent = 0; // 60 rooms at once: admission pacing is another test's subject
        TestServer s = fixture.server(cfg);
        ProtocolClient maker = fixture.hello(s, "maker");
        for (int i = 0; i < 60; i++) {
            maker.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "room number " + i + " with a long name to fill bytes"));
        }
        ProtocolClient slow = fixture.hello(s, "slow");
        ProtocolClient other = fixture.hello(s, "other");
        slow.stopReading();
        for (int i = 0; i < 3000 && !slow.awaitClosed(0); i++) {
            try {
                slow.send("list_rooms", Map.of());
            } catch (Exception e) {
                break;
            }
            if (i % 200 == 0) {
                long t0 = System.nanoTime();
                assertEquals("ok", other.request("ping", Map.of()).get("type"));
                assertTrue("others are answered promptly", System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
            }
        }
        GatewayTest.waitUntil(() -> ((Number) s.gateway.health().details().get("closedSlow")).longValue() >= 1, 10_000);
        slow.resumeReading();
        assertTrue("the slow connection ends", slow.awaitClosed(10_000));
        assertEquals("ok", other.request("ping", Map.of()).get("type"));
    }

    @Test
    public void healthCountsAPlayerWhoseConnectionDroppedAsAwayUntilTheyAreBack() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        ProtocolClient stays = fixture.hello(s, "Stays");
        ProtocolClient a = fixture.hello(s, "Ann");
        assertEquals(0, away(s));
        a.drop();
        // counted by the gateway's once-a-second pass, not by walking every session at each GET /health
        GatewayTest.waitUntil(() -> away(s) == 1, 5000);
        assertEquals(2, ((Number) s.gateway.health().details().get("players")).intValue());
        ProtocolClient back = ProtocolClient.connect(s.uri());
        fixture.track(back);
        assertEquals("ok", back.request("hello", Map.of("token", a.token(), "lastSeq", a.lastSeq())).get("type"));
        GatewayTest.waitUntil(() -> away(s) == 0, 5000);
        assertEquals("ok", stays.request("ping", Map.of()).get("type"));
    }

    private static int away(TestServer s) {
        return ((Number) s.gateway.health().details().get("playersAway")).intValue();
    }

    @Test
    public void aSilentConnectionIsClosedAfterTheIdleTimeoutWhileAnAnsweringOneStays() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.idle = 2;
        cfg.ping = 1;
        TestServer s = fixture.server(cfg);
        ProtocolClient alive = fixture.hello(s, "alive");
        try (RawClient silent = new RawClient(s.port())) {
            long t0 = System.currentTimeMillis();
            RawClient.Frame close = silent.readUntilClose(8000);
            assertNotNull("a close frame after pings went unanswered", close);
            assertEquals(Codes.CLOSE_IDLE, close.closeCode());
            assertTrue(System.currentTimeMillis() - t0 >= 1500);
        }
        assertFalse("the JDK client answers pings and stays", alive.awaitClosed(0));
        assertEquals("ok", alive.request("ping", Map.of()).get("type"));
    }

    @Test
    public void thePingsOfManyConnectionsAreSpreadOverTheInterval() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.ping = 3;
        TestServer s = fixture.server(cfg);
        int n = 9;
        List<RawClient> clients = new ArrayList<>();
        List<java.util.concurrent.Future<long[]>> firstPings = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                RawClient raw = new RawClient(s.port());
                clients.add(raw);
            }
            long t0 = System.nanoTime();
            for (RawClient raw : clients) {
                firstPings.add(fixture.players.submit(() -> {
                    // When its first ping came, and how many came in 5.5 s: a connection is pinged at its
                    // turn once silent for half the interval (1.5 s), so within 1.5 + 3 s and a bit.
                    long first = -1, count = 0, end = System.nanoTime() + 5_500_000_000L;
                    while (System.nanoTime() < end) {
                        RawClient.Frame f = raw.read((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
                        if (f != null && f.opcode() == 9) {
                            count++;
                            if (first < 0) {
                                first = (System.nanoTime() - t0) / 1_000_000;
                            }
                        }
                    }
                    return new long[] {first, count};
                }));
            }
            long earliest = Long.MAX_VALUE, latest = Long.MIN_VALUE;
            for (java.util.concurrent.Future<long[]> f : firstPings) {
                long[] r = f.get(10, TimeUnit.SECONDS);
                assertTrue("every silent connection is pinged within its interval: " + Arrays.toString(r), r[0] >= 0);
                assertTrue("once per interval, not every second: " + Arrays.toString(r), r[1] <= 2);
                earliest = Math.min(earliest, r[0]);
                latest = Math.max(latest, r[0]);
            }
            assertTrue("the pings came in different seconds, not in one burst: " + earliest + ".." + latest + " ms",
                    latest - earliest >= 900);
        } finally {
            for (RawClient raw : clients) {
                raw.close();
            }
        }
    }

    @Test
    public void stoppingTheGatewayClosesWith1012AndPlayersResumeTheirGameOnTheNextOne() throws Exception {
        TestConfig cfg = new TestConfig();
        TestServer first = new TestServer(cfg, fixture.service(), fixture.key);
        ProtocolClient a = ProtocolClient.hello(first.uri(), "Ann");
        fixture.track(a);
        String room = GatewayTest.roomWithBots(a, 120);
        a.ok("start", Map.of());
        a.await("first move", GatewayTest::myMove, 5000);
        first.close();
        assertTrue(a.awaitClosed(5000));
        assertEquals(Codes.CLOSE_RESTART, a.closeCode());
        long v = fixture.service().get(room).orElseThrow().version();
        GatewayTest.waitUntil(() -> fixture.service().get(room).orElseThrow().version() > v + 4, 10_000);

        TestServer second = fixture.server(cfg);
        ProtocolClient back = ProtocolClient.connect(second.uri());
        fixture.track(back);
        Map<String, Object> welcome = back.request("hello", Map.of("token", a.token(), "lastSeq", a.lastSeq()));
        assertEquals("ok", welcome.get("type"));
        assertEquals("snapshot", ProtocolClient.result(welcome).get("resumed"));
        Map<String, Object> snap = back.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertEquals(room, ((Map<?, ?>) snap.get("room")).get("roomId"));
        assertTrue("seq keeps increasing for the player", ((Number) snap.get("seq")).longValue() > a.lastSeq());
        GatewayTest.playUntilOver(back, 30_000);
        assertTrue(fixture.service().get(room).orElseThrow().seats().get(0).connected());
    }

    @Test
    public void aStopAnswersTheActionsInFlightRefusesNewWorkThenClosesWith1012() throws Exception {
        TestConfig cfg = new TestConfig();
        TestServer first = new TestServer(cfg, fixture.service(), fixture.key);
        ProtocolClient a = fixture.track(ProtocolClient.hello(first.uri(), "Ann"));
        ProtocolClient b = fixture.track(ProtocolClient.hello(first.uri(), "Bo"));
        String room = GatewayTest.roomWithBots(a, 120);
        a.ok("start", Map.of());
        a.await("first move", GatewayTest::myMove, 5000);
        long before = fixture.service().get(room).orElseThrow().version();
        fixture.events.appendDelayMillis(700); // a slow disk: the action is in flight when the stop begins
        String act = a.send("act", Map.of("action", "add", "args", Map.of("n", 1)));
        Thread.sleep(150);
        Future<?> stopping = fixture.players.submit(() -> {
            first.close();
            return null;
        });
        GatewayTest.waitUntil(first.gateway::draining, 2000);

        Map<String, Object> refused = b.request("create_room", Map.of("game", TurnGame.TYPE, "name", "late", "options", Map.of()));
        assertEquals(refused.toString(), Codes.DRAINING, refused.get("code"));
        assertTrue(refused.toString(), ((Number) refused.get("retryAfterMillis")).longValue() > 0);
        try {
            ProtocolClient late = ProtocolClient.connect(first.uri());
            late.awaitClosed(2000);
            fail("a new connection is refused while draining, but one opened and stayed open");
        } catch (Exception expected) {
            // 503: the upgrade is refused
        }

        Map<String, Object> reply = a.await("the reply to the action in flight", m -> act.equals(m.get("id")), 5000);
        assertEquals("the action handed over before the stop is answered: " + reply, "ok", reply.get("type"));
        stopping.get(10, TimeUnit.SECONDS);
        assertTrue(a.awaitClosed(5000));
        assertEquals(Codes.CLOSE_RESTART, a.closeCode());
        assertEquals(Codes.CLOSE_RESTART, b.closeCode());
        fixture.events.appendDelayMillis(0);
        assertTrue("the answered action is in the room", fixture.service().get(room).orElseThrow().version() > before);
    }

    @Test
    public void anOverloadedNodeRefusesNewWorkWhileRunningGamesGoOnAndTakesItAgainAfterwards() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.lobbyThreads = 1;
        cfg.shedExecutorLagMillis = 100;
        TestServer s = fixture.server(cfg);
        ProtocolClient a = fixture.hello(s, "Ann");
        ProtocolClient b = fixture.hello(s, "Bo");
        ProtocolClient quiet = fixture.track(ProtocolClient.connect(s.uri())); // connected, no hello yet
        String room = GatewayTest.roomWithBots(a, 120);
        a.ok("start", Map.of());
        a.await("first move", GatewayTest::myMove, 5000);

        // Lobby requests that wait for a slow disk hold the one request thread: tasks queue behind them.
        fixture.events.appendDelayMillis(300);
        for (int i = 0; i < 8; i++) {
            b.send("create_room", Map.of("game", TurnGame.TYPE, "name", "slow " + i, "options", Map.of()));
        }
        GatewayTest.waitUntil(s.gateway.pressure::overloaded, 5000);
        assertTrue(s.gateway.pressure.reason(), s.gateway.pressure.reason().startsWith("executor lag"));

        Map<String, Object> refused = a.request("create_room", Map.of("game", TurnGame.TYPE, "name", "x", "options", Map.of()));
        assertEquals(refused.toString(), Codes.OVERLOADED, refused.get("code"));
        assertTrue(refused.toString(), ((Number) refused.get("retryAfterMillis")).longValue() >= 2000);
        Map<String, Object> newPlayer = quiet.request("hello", Map.of("name", "late"));
        assertEquals(newPlayer.toString(), Codes.OVERLOADED, newPlayer.get("code"));
        try {
            ProtocolClient late = ProtocolClient.connectOnce(s.uri());
            late.close();
            fail("a new connection is refused (503) while overloaded");
        } catch (Exception expected) {
            // the upgrade answered 503
        }
        // The running game goes on: the player's move is taken (after the slow disk's 300 ms).
        Map<String, Object> latest = a.latestView();
        if (GatewayTest.myMove(latest)) {
            Map<String, Object> moved = a.request("act", Map.of("action", "add", "args", Map.of("n", 1)));
            assertTrue(moved.toString(), "ok".equals(moved.get("type")) || "not_your_turn".equals(moved.get("code")));
        }
        long before = fixture.service().get(room).orElseThrow().version();
        GatewayTest.waitUntil(() -> fixture.service().get(room).orElseThrow().version() > before, 5000);
        Map<String, Object> load = (Map<String, Object>) s.gateway.health().details().get("load");
        assertEquals(true, load.get("overloaded"));
        assertTrue(load.toString(), ((Map<?, ?>) load.get("shed")).containsKey("create_room"));
        assertEquals(dev.ludus.api.health.HealthStatus.DEGRADED, s.gateway.health().status());

        // Once the queue has drained and stayed short for a second, new work is taken again.
        fixture.events.appendDelayMillis(0);
        GatewayTest.waitUntil(() -> !s.gateway.pressure.overloaded(), 15_000);
        assertEquals("ok", a.request("leave_room", Map.of("room", room)).get("type"));
        assertEquals("ok", a.request("create_room", Map.of("game", TurnGame.TYPE, "name", "after", "options", Map.of())).get("type"));
    }
}
