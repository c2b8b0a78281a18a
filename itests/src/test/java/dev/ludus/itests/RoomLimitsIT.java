package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * What keeps players from filling the lobby and the event log, in the default feature set: the
 * per-player room cap, the paged lobby, the argument checks of Liap Tui actions, and a finished
 * game shown to a player who comes back after it ended.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RoomLimitsIT {

    @Inject
    BundleContext context;

    @Inject
    RoomService rooms;

    @Inject
    EventStore events;

    @Configuration
    public Option[] config() throws Exception {
        // No disconnect grace: a test drops its player and waits for the bots to finish the game;
        // the grace (tested in the rooms module) would only add its 15 s to that wait.
        return ExamConfig.defaultFeatureSet("room-limits", List.of(),
                Map.of("dev.ludus.rooms.cfg", "botThinkMillis = 20\nmaxOpenRoomsPerPlayer = 2\ndisconnectGraceSeconds = 0\n"));
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    private void awaitGateway() throws Exception {
        ProtocolClient.awaitGateway(ws(), 20_000);
    }

    @SuppressWarnings("unchecked")
    private static String roomOf(Map<String, Object> result) {
        return (String) ((Map<String, Object>) result.get("room")).get("roomId");
    }

    @Test
    public void aPlayersRoomsAreCappedAndTheLobbyPagesJoinableRoomsNewestFirst() throws Exception {
        awaitGateway();
        try (ProtocolClient ann = ProtocolClient.hello(ws(), "Ann")) {
            String mine = roomOf(ann.ok("create_room", Map.of("game", "liap-tui", "name", "ann 1")));
            ann.ok("create_room", Map.of("game", "liap-tui", "name", "ann 2"));
            assertEquals("too_many_rooms", ann.requestUnlessOverloaded("create_room", Map.of("game", "liap-tui", "name", "ann 3")).get("code"));
            for (int i = 0; i < 12; i++) {
                rooms.create("liap-tui", "lobby " + i, Map.of());
                Thread.sleep(2);
            }
            ann.ok("join_room", Map.of("room", mine));
            for (int i = 0; i < 3; i++) {
                ann.ok("add_bot", Map.of());
            }
            List<String> walked = new ArrayList<>();
            Object cursor = null;
            do {
                Map<String, Object> fields = new HashMap<>(Map.of("game", "liap-tui", "limit", 5));
                if (cursor != null) {
                    fields.put("cursor", cursor);
                }
                Map<String, Object> page = ann.ok("list_rooms", fields);
                for (Object r : (List<?>) page.get("rooms")) {
                    walked.add((String) ((Map<?, ?>) r).get("name"));
                }
                cursor = page.get("next");
            } while (cursor != null);
            assertEquals("newest joinable first", "lobby 11", walked.get(0));
            assertEquals("the full room last", "ann 1", walked.get(walked.size() - 1));
            assertEquals(walked.size(), walked.stream().distinct().count());
            assertTrue(walked.containsAll(List.of("ann 2", "lobby 0")));
        }
    }

    @Test
    public void junkInLiapTuiActionArgumentsIsRefusedAndNeverStored() throws Exception {
        awaitGateway();
        try (ProtocolClient bo = ProtocolClient.hello(ws(), "Bo")) {
            String room = roomOf(bo.ok("create_room", Map.of("game", "liap-tui", "name", "argument checks",
                    "options", Map.of("redealTimeoutMillis", 3_600_000))));
            bo.ok("join_room", Map.of("room", room));
            for (int i = 0; i < 3; i++) {
                bo.ok("add_bot", Map.of());
            }
            bo.ok("start", Map.of());
            assertEquals("bad_arguments", bo.request("act", Map.of("action", "declare",
                    "args", Map.of("piles", 2, "smuggled", "x".repeat(100)))).get("code"));
            assertEquals("bad_arguments", bo.request("act", Map.of("action", "play", "args", Map.of("pieces", "RED_GENERAL"))).get("code"));
            assertEquals("unknown_action", bo.request("act", Map.of("action", "redeal_timeout",
                    "args", Map.of("seat", 0, "round", 1, "deal", 0))).get("code"));
            String deep = "[".repeat(900) + "]".repeat(900);
            bo.sendRaw("{\"id\":\"deep\",\"type\":\"act\",\"action\":\"declare\",\"args\":{\"piles\":" + deep + "}}");
            Map<String, Object> answer = bo.await("deep answer", m -> "deep".equals(m.get("id")), 10_000);
            assertEquals("bad_arguments", answer.get("code"));
            for (RecordedEvent e : events.read("room-" + room, 1, 10_000)) {
                String data = new String(e.data(), StandardCharsets.UTF_8);
                assertFalse("stored: " + data, data.contains("smuggled") || data.contains("[[[["));
            }
        }
    }

    @Test
    public void aPlayerWhoseGameEndedWhileTheGatewayRestartedSeesTheResult() throws Exception {
        awaitGateway();
        ProtocolClient cy = ProtocolClient.hello(ws(), "Cy");
        String room = roomOf(cy.ok("create_room", Map.of("game", "liap-tui", "name", "away", "options", Map.of("maxRounds", 1))));
        cy.ok("join_room", Map.of("room", room));
        for (int i = 0; i < 3; i++) {
            cy.ok("add_bot", Map.of());
        }
        cy.ok("start", Map.of());
        cy.drop();
        Wait.until("the bots finish the game", 90_000, () -> "FINISHED".equals(rooms.get(room).orElseThrow().state().name()));
        Bundle gateway = null;
        for (Bundle b : context.getBundles()) {
            if ("dev.ludus.gateway".equals(b.getSymbolicName())) {
                gateway = b;
            }
        }
        assertNotNull(gateway);
        gateway.stop(); // the gateway forgets every session
        gateway.start();
        awaitGateway();
        try (ProtocolClient back = cy.resume(ws())) {
            assertEquals("snapshot", back.welcome().get("resumed"));
            Map<String, Object> snap = back.await("snapshot", m -> "snapshot".equals(m.get("type")), 10_000);
            assertNotNull("the finished room", snap.get("room"));
            assertEquals(room, ((Map<?, ?>) snap.get("room")).get("roomId"));
            assertEquals("FINISHED", ((Map<?, ?>) snap.get("room")).get("state"));
            assertNotNull("and its result", snap.get("result"));
        }
    }
}
