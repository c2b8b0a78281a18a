package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * The test client's bounded history, against the real gateway: a client that plays for long (the
 * swap suite's players) must not hold, and look through, every message it ever received.
 */
public class ProtocolClientTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    @Test
    public void aLongLivedClientKeepsItsRecentMessagesOnlyYetKnowsItsViewItsSeqAndItsReplies() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.perSecond = 10_000;
        cfg.burst = 10_000;
        cfg.flood = 10_000;
        TestServer s = fixture.server(cfg);
        ProtocolClient c = fixture.hello(s, "Ann").keepAtMost(10);
        String room = GatewayTest.roomId(c.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "long")));
        c.ok("join_room", Map.of("room", room));
        c.await("the room's snapshot", m -> "snapshot".equals(m.get("type")) && m.get("room") != null, 5000);
        // the join's events may still be on their way; pings bring none
        long deadline = System.currentTimeMillis() + 5000;
        while (c.lastSeq() != s.gateway.session(c.playerId()).seq() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        long seq = s.gateway.session(c.playerId()).seq();
        assertEquals(seq, c.lastSeq());
        Map<String, Object> view = c.latestView();
        assertNotNull(view);

        for (int i = 0; i < 200; i++) {
            assertEquals("ok", c.request("ping", Map.of()).get("type"));
        }
        assertTrue("every message counted: " + c.count(), c.count() >= 203);
        assertTrue("at most twice the bound kept: " + c.kept(), c.kept() <= 20);
        assertEquals("the view outlives the messages forgotten", view, c.latestView());
        assertEquals("so does the last seq", seq, c.lastSeq());

        List<Object> news = new ArrayList<>();
        int next = c.forEachFrom(0, m -> news.add(m.get("type")));
        assertEquals(c.count(), next);
        assertEquals("only the kept messages are read", c.kept(), news.size());
        assertEquals(next, c.forEachFrom(next, m -> news.add("again")));
        assertEquals(c.kept(), news.size());

        // A resumed client keeps as few, and resumes from the seq of a forgotten message.
        ProtocolClient again = fixture.track(c.resume(s.uri()));
        assertEquals("events", again.welcome().get("resumed"));
        for (int i = 0; i < 50; i++) {
            assertEquals("ok", again.request("ping", Map.of()).get("type"));
        }
        assertTrue("the resumed client keeps as few: " + again.kept(), again.kept() <= 20);
        assertNotNull(again.welcome().get("token"));
    }
}
