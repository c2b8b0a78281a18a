package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;


/**
 * The gateway's defences against clients that hurt others by what they make the server hold or
 * do: slow readers, floods after a close, foreign origins, many connections from one address,
 * bogus resume positions. Real Jetty, real WebSocket clients, the real rooms runtime.
 */
public class GatewayLimitsTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    private TestServer server(TestConfig cfg) throws Exception {
        return fixture.server(cfg);
    }

    private ProtocolClient hello(TestServer s, String name) throws Exception {
        return fixture.hello(s, name);
    }

    private static long detail(TestServer s, String name) {
        return ((Number) s.gateway.health().details().get(name)).longValue();
    }

    /**
     * Three clients that never read ask for large lobby pages as fast as the budget lets them. Each
     * reply is a few hundred KiB, so the message-count limit alone lets each hold hundreds of MiB.
     * The bytes waiting stay bounded, the three are closed with 4000, and a game goes on meanwhile.
     */
    private void slowReadersAreClosedWithBoundedMemory(TestConfig cfg, long bound) throws Exception {
        cfg.perSecond = 100_000;
        cfg.burst = 100_000;
        cfg.flood = 1_000_000;
        cfg.admitRoomsPercent = 0; // 400 rooms at once: admission pacing is another test's subject
        TestServer s = server(cfg);
        ProtocolClient maker = hello(s, "maker");
        String longName = "a lobby name long enough to make every page of the lobby weigh something ".repeat(1);
        for (int i = 0; i < 400; i++) {
            maker.ok("create_room", Map.of("game", TurnGame.TYPE, "name", longName.repeat(2).substring(0, 90) + i));
        }
        ProtocolClient good = hello(s, "good");
        GatewayTest.roomWithBots(good, 40);
        good.ok("start", Map.of());

        List<ProtocolClient> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProtocolClient c = hello(s, "slow" + i);
            c.stopReading();
            slow.add(c);
        }
        AtomicLong most = new AtomicLong();
        long end = System.currentTimeMillis() + 60_000;
        int sent = 0;
        boolean[] gone = new boolean[slow.size()];
        while (System.currentTimeMillis() < end && detail(s, "closedSlow") < 3) {
            for (int i = 0; i < slow.size(); i++) {
                if (gone[i]) {
                    continue;
                }
                try {
                    slow.get(i).send("list_rooms", Map.of("limit", 500));
                    sent++;
                } catch (Exception e) {
                    gone[i] = true; // the server dropped it
                }
            }
            most.accumulateAndGet(detail(s, "outboundBytes"), Math::max);
        }
        assertTrue("all three slow readers were closed (sent " + sent + " requests)", detail(s, "closedSlow") >= 3);
        assertTrue("outbound bytes stayed under " + bound + ": at most " + most.get(), most.get() <= bound);
        for (ProtocolClient c : slow) {
            c.resumeReading();
            assertTrue("the slow connection ends", c.awaitClosed(10_000));
            assertTrue("closed as a slow reader, or dropped: " + c.closeCode(),
                    c.closeCode() == Codes.CLOSE_SLOW_CONSUMER || c.closeCode() == 1006);
        }
        GatewayTest.playUntilOver(good, 30_000);
        GatewayTest.assertContiguous(good.seqs(), 1);
    }

    @Test
    public void slowReadersAskingForLargeRepliesAreClosedAtThePerConnectionByteLimit() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.outboundBytes = 256 * 1024;
        // Each reply is about 60 KiB: at most one reply over the limit per connection, plus what Jetty holds.
        slowReadersAreClosedWithBoundedMemory(cfg, 3L * (256 + 128) * 1024);
    }

    @Test
    public void slowReadersAreClosedWhenTheWholeGatewayHoldsTooMuch() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.outboundBytes = 1 << 30;
        cfg.outboundTotalMb = 1;
        slowReadersAreClosedWithBoundedMemory(cfg, (1 << 20) + 3L * 128 * 1024);
    }

    @Test
    public void aFloodAfterItsCloseIsLoggedAndCountedOnce() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.flood = 20;
        TestServer s = server(cfg);
        try (RawClient raw = new RawClient(s.port())) {
            raw.sendText("{\"id\":0,\"type\":\"hello\",\"name\":\"flood\"}");
            for (int i = 1; i < 3000; i++) {
                try {
                    raw.sendText("{\"id\":" + i + ",\"type\":\"ping\"}");
                } catch (java.io.IOException e) {
                    break; // the server dropped the connection
                }
            }
            raw.readUntilClose(5000);
        }
        Thread.sleep(200);
        assertEquals("one flood close for one connection", 1, detail(s, "closedFlood"));
        assertTrue("refusals stop with the close: " + detail(s, "rateLimited"), detail(s, "rateLimited") < 200);
    }

    @Test
    public void upgradesFromForeignOriginsAndRebindingHostsAreRefused() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.origins = new String[] {"https://play.example.com"};
        TestServer s = server(cfg);
        int port = s.port();
        String self = "127.0.0.1:" + port;
        assertEquals("no Origin: a native client", 101, RawClient.upgradeStatus(port, self, Map.of()));
        assertEquals("own origin", 101, RawClient.upgradeStatus(port, self, Map.of("Origin", "http://" + self)));
        assertEquals("localhost", 101, RawClient.upgradeStatus(port, "localhost:" + port,
                Map.of("Origin", "http://localhost:" + port)));
        assertEquals("allowed origin", 101, RawClient.upgradeStatus(port, self, Map.of("Origin", "https://play.example.com")));
        assertEquals(403, RawClient.upgradeStatus(port, self, Map.of("Origin", "http://evil.example")));
        assertEquals(403, RawClient.upgradeStatus(port, self, Map.of("Origin", "null")));
        assertEquals("same port, other host", 403, RawClient.upgradeStatus(port, self, Map.of("Origin", "http://127.0.0.1:1")));
        // DNS rebinding: a foreign name that resolves to this loopback address is "same origin" with itself.
        assertEquals(403, RawClient.upgradeStatus(port, "evil.example:" + port, Map.of("Origin", "http://evil.example:" + port)));
        assertEquals(403, RawClient.upgradeStatus(port, "evil.example:" + port, Map.of()));
        assertEquals(2, detail(s, "refusedHost"));
        assertEquals(3, detail(s, "refusedOrigin"));
        assertEquals("nothing was opened by the refused ones", 0, s.gateway.connectionCount());

        cfg.hosts = new String[] {"game.test"};
        s.gateway.configure(cfg);
        assertEquals("an allowed name", 101, RawClient.upgradeStatus(port, "game.test:" + port, Map.of()));
        cfg.origins = new String[] {"*"};
        s.gateway.configure(cfg);
        assertEquals("any origin when allowed", 101, RawClient.upgradeStatus(port, self, Map.of("Origin", "http://evil.example")));
    }

    @Test
    public void oneAddressGetsAtMostItsShareOfConnections() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.perAddress = 3;
        TestServer s = server(cfg);
        List<RawClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(new RawClient(s.port()));
            }
            GatewayTest.waitUntil(() -> s.gateway.connectionCount() == 3, 5000);
            assertEquals(429, RawClient.upgradeStatus(s.port(), "127.0.0.1:" + s.port(), Map.of()));
            assertEquals(1, detail(s, "refusedPerAddress"));
            held.remove(0).close();
            GatewayTest.waitUntil(() -> s.gateway.connectionCount() == 2, 5000);
            assertEquals("a freed slot is usable again", 101, RawClient.upgradeStatus(s.port(), "127.0.0.1:" + s.port(), Map.of()));
        } finally {
            for (RawClient c : held) {
                c.close();
            }
        }
    }

    @Test
    public void theDefaultConnectionLimitStaysBelowTheDescriptorLimit() throws Exception {
        assertEquals(18_000, ConnectionLimits.effectiveMax(0, 20_000));
        assertEquals(768, ConnectionLimits.effectiveMax(0, 1024));
        assertEquals(500, ConnectionLimits.effectiveMax(500, 20_000));
        TestServer s = server(new TestConfig());
        long fds = detail(s, "fileDescriptorLimit");
        long max = detail(s, "maxConnections");
        assertTrue("limit " + max + " below descriptors " + fds, fds <= 0 || max < fds);
    }

    @Test
    public void aResumeClaimingMoreThanWasSentGetsASnapshotAfterItsLastSeq() throws Exception {
        TestServer s = server(new TestConfig());
        ProtocolClient a = hello(s, "Ann");
        a.ok("ping", Map.of());
        long claimed = a.lastSeq() + 1000;
        a.drop();
        ProtocolClient back = ProtocolClient.connect(s.uri());
        fixture.track(back);
        Map<String, Object> welcome = back.request("hello", Map.of("token", a.token(), "lastSeq", claimed));
        assertEquals("snapshot", ProtocolClient.result(welcome).get("resumed"));
        Map<String, Object> snap = back.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertEquals(claimed + 1, ((Number) snap.get("seq")).longValue());

        // A seq past what a client can count is refused, and one at the edge does not overflow.
        ProtocolClient huge = ProtocolClient.connect(s.uri());
        fixture.track(huge);
        assertEquals("bad_request", huge.request("hello", Map.of("token", a.token(), "lastSeq", Long.MAX_VALUE)).get("code"));
        s.gateway.stop();
        TestServer s2 = server(new TestConfig());
        ProtocolClient edge = ProtocolClient.connect(s2.uri());
        fixture.track(edge);
        Map<String, Object> w = edge.request("hello", Map.of("token", a.token(), "lastSeq", Protocol.MAX_SEQ - 1));
        assertEquals(w.toString(), "ok", w.get("type"));
        Map<String, Object> snap2 = edge.await("snapshot", m -> "snapshot".equals(m.get("type")), 5000);
        assertEquals(Protocol.MAX_SEQ, ((Number) snap2.get("seq")).longValue());
    }
}
