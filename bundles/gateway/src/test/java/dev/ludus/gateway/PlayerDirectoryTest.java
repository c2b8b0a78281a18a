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
        // the events of the join may still be on their way, to the session or to the client
        long deadline = System.currentTimeMillis() + 5000;
        while (c.lastSeq() != only(GatewayPlayers.of(s.gateway), c.playerId()).lastSeq()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the client has seen every event up to the seq the session reports",
                only(GatewayPlayers.of(s.gateway), c.playerId()).lastSeq(), c.lastSeq());

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

    @Test
    public void anOperatorDisconnectClosesWith4004AndItsReasonAndRefusesABadReason() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        ProtocolClient c = fixture.hello(s, "Bo");
        GatewayAdmin admin = new GatewayAdmin(() -> s.gateway);
        try {
            admin.disconnect(c.playerId(), " ");
            throw new AssertionError("a blank reason was taken");
        } catch (IllegalArgumentException expected) {
            // nothing changed
        }
        try {
            admin.disconnect(c.playerId(), "line\nbreak");
            throw new AssertionError("a reason with a control character was taken");
        } catch (IllegalArgumentException expected) {
            // nothing changed
        }
        assertFalse(c.isClosed());
        assertFalse("no such player", admin.disconnect("nobody", "why"));

        assertTrue(admin.disconnect(c.playerId(), "abusive chat"));
        assertTrue("closed", c.awaitClosed(5000));
        assertEquals(4004, c.closeCode());
        assertEquals("abusive chat", c.closeReason());
        assertEquals(dev.ludus.api.gateway.PlayerControl.CLOSE_DISCONNECTED, c.closeCode());
    }

    @Test
    public void aCloseReasonIsCutToWhatAFrameCarriesNeverInsideACharacter() {
        assertEquals("short", GatewayAdmin.fit("short"));
        String cut = GatewayAdmin.fit("\u00e9".repeat(100)); // 200 bytes of UTF-8
        assertEquals(60, cut.length());
        assertTrue(cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 120);
    }
}
