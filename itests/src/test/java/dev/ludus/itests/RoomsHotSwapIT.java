package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
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
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomOperations;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;

/**
 * Swaps the bundles games depend on while games run — the game itself, the rooms runtime, the
 * event store, the active game store — and checks that every game comes back at the same state
 * and goes on, with every recorded action applied exactly once.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RoomsHotSwapIT {

    static final int ROOMS = 12;

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("rooms", List.of());
    }

    private <T> T service(Class<T> type) throws Exception {
        Wait.until(type.getSimpleName() + " registered", 20_000, () -> context.getServiceReference(type) != null);
        ServiceReference<T> ref = context.getServiceReference(type);
        return context.getService(ref);
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    private void botThink(long millis) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.rooms", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("botThinkMillis", millis);
        p.put("snapshotEvery", 10);
        c.update(p);
    }

    /** Starts all-bot games and lets them run. */
    private List<String> startGames(int n) throws Exception {
        botThink(5);
        RoomService rooms = service(RoomService.class);
        Wait.until("the game is installed", 20_000, () -> {
            try {
                rooms.create("liap-tui", "probe", Map.of());
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // No redeal timer may fire while a test holds the games still.
            RoomInfo r = rooms.create("liap-tui", "swap " + i, Map.of("redealTimeoutMillis", "3600000"));
            rooms.start(r.roomId());
            ids.add(r.roomId());
        }
        Wait.until("games under way", 30_000, () -> {
            for (String id : ids) {
                if (rooms.get(id).orElseThrow().version() < 20) {
                    return false;
                }
            }
            return true;
        });
        return ids;
    }

    /** Stops the bots and waits until every game holds still. */
    private Map<String, Object> freeze(List<String> ids) throws Exception {
        botThink(600_000);
        RoomService rooms = service(RoomService.class);
        Map<String, Object> views = new LinkedHashMap<>();
        Wait.until("games hold still", 20_000, () -> {
            Map<String, Object> now = new LinkedHashMap<>();
            for (String id : ids) {
                now.put(id, rooms.view(id, "observer"));
            }
            Thread.sleep(300);
            for (String id : ids) {
                if (!now.get(id).equals(rooms.view(id, "observer"))) {
                    return false;
                }
            }
            views.putAll(now);
            return true;
        });
        return views;
    }

    /** Every recorded action was applied exactly once, and the room is at its stream's version. */
    private void assertConsistent(List<String> ids) throws Exception {
        RoomService rooms = service(RoomService.class);
        EventStore events = service(EventStore.class);
        for (String id : ids) {
            Map<String, Object> view = rooms.view(id, "observer");
            long version = ((RoomInfo) view.get("room")).version();
            long actions = 0;
            for (RecordedEvent e : events.read("room-" + id, 1, Integer.MAX_VALUE)) {
                if (e.version() <= version && e.type().equals("action")) {
                    actions++;
                }
            }
            assertEquals("room " + id + ": engine actions vs recorded actions", actions,
                    ((Number) view.get("gameVersion")).longValue());
            assertTrue(version <= events.version("room-" + id));
        }
    }

    private void assertGoOn(List<String> ids) throws Exception {
        RoomService rooms = service(RoomService.class);
        Map<String, Long> before = new LinkedHashMap<>();
        for (String id : ids) {
            before.put(id, rooms.get(id).orElseThrow().version());
        }
        botThink(5);
        Wait.until("every game moves on", 30_000, () -> {
            for (String id : ids) {
                RoomInfo r = rooms.get(id).orElseThrow();
                if (r.state() != RoomState.FINISHED && r.version() <= before.get(id)) {
                    return false;
                }
            }
            return true;
        });
    }

    private String roomsHealth() throws Exception {
        for (ServiceReference<HealthCheck> ref : context.getServiceReferences(HealthCheck.class, null)) {
            HealthCheck c = context.getService(ref);
            if (c != null && c.name().equals("rooms")) {
                return c.check().status().name() + " " + c.check().reason();
            }
        }
        return "absent";
    }

    @Test
    public void updatingTheGameBundleMidGamePausesAndResumesEveryGameAtTheSameState() throws Exception {
        List<String> ids = startGames(ROOMS);
        Map<String, Object> before = freeze(ids);
        Bundle game = bundle("dev.ludus.game.liaptui");
        game.stop();
        RoomService rooms = service(RoomService.class);
        Wait.until("games paused", 10_000,
                () -> ids.stream().allMatch(id -> rooms.get(id).orElseThrow().state() == RoomState.PAUSED));
        assertTrue(roomsHealth(), roomsHealth().startsWith("DEGRADED"));
        game.update(); // a new class loader: the old engines must be gone, the games rebuilt
        game.start();
        Wait.until("games resumed", 20_000,
                () -> ids.stream().allMatch(id -> rooms.get(id).orElseThrow().state() == RoomState.PLAYING));
        for (String id : ids) {
            assertEquals("room " + id + " resumed at the same state", before.get(id), rooms.view(id, "observer"));
        }
        assertConsistent(ids);
        assertGoOn(ids);
    }

    @Test
    public void restartingTheRoomsBundleRecoversEveryGameAtTheSameState() throws Exception {
        List<String> ids = startGames(ROOMS);
        Map<String, Object> before = freeze(ids);
        Bundle runtime = bundle("dev.ludus.rooms");
        runtime.stop();
        runtime.start();
        RoomService rooms = service(RoomService.class);
        Wait.until("rooms recovered", 20_000, () -> ids.stream().allMatch(id -> rooms.get(id).isPresent()));
        for (String id : ids) {
            // The restarted runtime has the configuration that stops bots: the state must be exact.
            assertEquals("room " + id + " recovered at the same state", before.get(id), rooms.view(id, "observer"));
        }
        assertConsistent(ids);
        assertGoOn(ids);
    }

    /**
     * An operator's pause is a record of the room's stream: an update of the rooms bundle (new class
     * loader, rooms rebuilt from snapshots and records) keeps the game paused, bots still, until an
     * operator resumes it.
     */
    @Test
    public void anOperatorsPauseOutlivesAnUpdateOfTheRoomsBundle() throws Exception {
        List<String> ids = startGames(1);
        String id = ids.get(0);
        RoomInfo paused = service(RoomOperations.class).pause(id, "under review", "ops");
        assertEquals(RoomState.PAUSED, paused.state());
        Bundle runtime = bundle("dev.ludus.rooms");
        runtime.update();
        RoomService rooms = service(RoomService.class);
        Wait.until("the room recovered", 20_000, () -> rooms.get(id).isPresent());
        RoomInfo after = rooms.get(id).orElseThrow();
        assertEquals(RoomState.PAUSED, after.state());
        assertEquals("ops", after.pausedBy());
        assertEquals("under review", after.pauseReason());
        assertEquals("the pause is the stream's last record", paused.version(), after.version());
        Thread.sleep(500); // bots think 5 ms: they would have moved
        assertEquals("no bot moved", paused.version(), rooms.get(id).orElseThrow().version());
        service(RoomOperations.class).resume(id, "ops");
        Wait.until("the bots play again", 20_000, () -> rooms.get(id).orElseThrow().version() > paused.version() + 2);
        assertEquals(RoomState.FINISHED, service(RoomOperations.class).end(id, "test over", "ops").state());
    }

    @Test
    public void restartingTheEventStoreAndTheGameStoreUnderTrafficLosesNothing() throws Exception {
        List<String> ids = startGames(ROOMS);
        Bundle events = bundle("dev.ludus.eventstore");
        events.stop();
        Thread.sleep(500);
        assertTrue(roomsHealth(), roomsHealth().startsWith("DEGRADED"));
        events.start();
        Bundle store = bundle("dev.ludus.store.memory");
        store.stop();
        Thread.sleep(300);
        store.start();
        RoomService rooms = service(RoomService.class);
        Wait.until("every game playing again", 30_000,
                () -> ids.stream().allMatch(id -> rooms.get(id).orElseThrow().state() != RoomState.PAUSED));
        assertNotNull(rooms.get(ids.get(0)).orElseThrow());
        freeze(ids);
        assertConsistent(ids);
        assertGoOn(ids);
        Wait.until("rooms health UP", 20_000, () -> roomsHealth().startsWith("UP"));
    }

    @Test
    public void finishedGamesAreHandedToTheArchiveExactlyOnce() throws Exception {
        botThink(2);
        RoomService rooms = service(RoomService.class);
        ArchiveService archive = service(ArchiveService.class);
        EventStore events = service(EventStore.class);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            RoomInfo r = rooms.create("liap-tui", "short " + i, Map.of("maxRounds", "1"));
            rooms.start(r.roomId());
            ids.add(r.roomId());
        }
        for (String id : ids) {
            // The bus's "announced" record may land before or after "archived": look at the whole stream.
            Wait.until("game " + id + " archived", 60_000, () -> archive.find(id).isPresent()
                    && events.read("room-" + id, 1, Integer.MAX_VALUE).stream()
                            .anyMatch(e -> e.type().equals("archived")));
            CompletedGame g = archive.find(id).orElseThrow();
            assertEquals("liap-tui", g.gameType());
            String record = new String(g.record(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(record.contains("\"format\":\"ludus-room-record/1\""));
            long archivedRecords = events.read("room-" + id, 1, Integer.MAX_VALUE).stream()
                    .filter(e -> e.type().equals("archived")).count();
            assertEquals("one hand-over per game", 1, archivedRecords);
            assertEquals(RoomState.FINISHED, rooms.get(id).orElseThrow().state());
        }
    }
}
