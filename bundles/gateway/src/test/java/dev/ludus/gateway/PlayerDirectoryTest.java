package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.api.gateway.PlayerSessionInfo;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/** What the gateway tells operators about its players ({@code PlayerDirectory}), over real WebSockets. */
public class PlayerDirectoryTest {

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    private static PlayerSessionInfo only(List<PlayerSessionInfo> players, String playerId) {
        return players.stream().filter(p -> p.playerId().equals(playerId)).findFirst()
                .orElseThrow(() -> new AssertionError(playerId + " not in " + players));
    }

    @Test
    public void eachSessionShowsItsRoomItsConnectionsCountsAndThenItsResumeWindow() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        ProtocolClient c = fixture.hello(s, "Ann");
        String room = GatewayTest.roomId(c.ok("create_room", Map.of("game", TurnGame.TYPE, "name", "t")));
        c.ok("join_room", Map.of("room", room));

        PlayerSessionInfo p = only(GatewayPlayers.of(s.gateway), c.playerId());
        assertEquals("Ann", p.name());
        assertEquals(room, p.roomId());
        assertTrue(p.connected());
        assertNotNull(p.connectedAt());
        assertNull(p.awaySince());
        assertEquals("hello, create_room, join_room", 3, p.messagesIn());
        assertTrue(p.bytesIn() > 3 * 10);
        assertTrue("replies and events went out: " + p, p.messagesOut() >= 3 && p.bytesOut() > p.bytesIn());
        // the events of the join may still be on their way to the client
        long deadline = System.currentTimeMillis() + 5000;
        while (c.lastSeq() < p.lastSeq() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the client has seen every event up to the seq the session reports", p.lastSeq(), c.lastSeq());

        c.close();
        deadline = System.currentTimeMillis() + 5000;
        while (only(GatewayPlayers.of(s.gateway), c.playerId()).connected() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        PlayerSessionInfo away = only(GatewayPlayers.of(s.gateway), c.playerId());
        assertFalse(away.connected());
        assertNull(away.connectedAt());
        assertEquals(0, away.messagesIn());
        assertNotNull(away.awaySince());
        assertEquals(Duration.ofSeconds(s.gateway.config().gracePeriodSeconds()),
                Duration.between(away.awaySince(), away.resumableUntil()));
        assertEquals(room, away.roomId());
    }
}
