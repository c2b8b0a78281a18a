package dev.ludus.stats;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.Message;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.api.stats.GameRecord;
import dev.ludus.api.stats.PlayerProfile;
import dev.ludus.api.stats.Standing;

/** Statistics from game.finished: totals, ranks, history, once per message id, across restarts. */
public class StatsTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder(new File("target"));

    private final ObjectMapper json = new ObjectMapper();
    private final List<StatsStore> stores = new ArrayList<>();

    @After
    public void close() {
        stores.forEach(StatsStore::close);
    }

    /** A Liap Tui game.finished as the rooms runtime writes it; {@code seats} are player ids (null: bot). */
    private String finished(String room, String minute, List<String> seats, List<Integer> scores, List<Integer> winners,
                            List<Integer> exact, int rounds) throws Exception {
        List<Map<String, Object>> players = new ArrayList<>();
        for (int i = 0; i < seats.size(); i++) {
            Map<String, Object> p = new java.util.LinkedHashMap<>();
            p.put("seat", i);
            p.put("playerId", seats.get(i));
            p.put("name", seats.get(i) == null ? "bot " + (i + 1) : seats.get(i).toUpperCase());
            p.put("bot", seats.get(i) == null);
            players.add(p);
        }
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("completed", true);
        result.put("rounds", rounds);
        result.put("scores", scores);
        result.put("winners", winners);
        if (exact != null) {
            result.put("declaredExactly", exact);
        }
        return json.writeValueAsString(Map.of("roomId", room, "gameType", "liap-tui", "players", players,
                "result", result, "startedAt", "2026-12-01T10:00:00Z", "finishedAt", "2026-12-01T10:" + minute + ":00Z"));
    }

    private static Delivery delivery(String id, String payload) {
        return new Delivery(new Message(id, "game.finished", "liap-tui", payload, Map.of(), Instant.now(), 1), "stats", 1,
                false);
    }

    private StatsService service(Path dir) {
        StatsService s = new StatsService();
        StatsModel m = new StatsModel(50);
        StatsStore store = StatsStore.open(dir, m);
        stores.add(store);
        s.useForTests(store, m);
        return s;
    }

    @Test
    public void profilesLeaderboardsAndHistoriesFollowTheGamesOncePerMessage() throws Exception {
        Path dir = tmp.newFolder().toPath();
        StatsService s = service(dir);
        s.handle(delivery("game.finished:r1", finished("r1", "10", java.util.Arrays.asList("ann", "bob", null, null),
                List.of(52, 10, -3, 7), List.of(0), List.of(3, 1, 0, 2), 4)));
        s.handle(delivery("game.finished:r2", finished("r2", "20", java.util.Arrays.asList("bob", "ann", null, "cat"),
                List.of(55, 30, 1, 55), List.of(0, 3), List.of(2, 2, 1, 4), 5)));
        // The same fact again (a redelivery): nothing changes.
        s.handle(delivery("game.finished:r2", finished("r2", "20", java.util.Arrays.asList("bob", "ann", null, "cat"),
                List.of(55, 30, 1, 55), List.of(0, 3), List.of(2, 2, 1, 4), 5)));

        PlayerProfile ann = s.profile("ann").orElseThrow();
        assertEquals("ANN", ann.name());
        assertEquals(2, ann.gamesPlayed());
        assertEquals(1, ann.gamesWon());
        assertEquals(82, ann.points());
        assertEquals(9, ann.roundsPlayed());
        assertEquals(5, ann.roundsExact());
        assertEquals(5.0 / 9, ann.declarationAccuracy(), 1e-9);
        assertEquals(Instant.parse("2026-12-01T10:20:00Z"), ann.lastPlayedAt());
        assertEquals(2, ann.byGameType().get("liap-tui").gamesPlayed());
        assertTrue(s.profile("nobody").isEmpty());

        List<Standing> board = s.leaderboard("liap-tui", 10);
        assertEquals(List.of("ann", "bob", "cat"), board.stream().map(Standing::playerId).toList());
        assertEquals(List.of(1, 2, 3), board.stream().map(Standing::rank).toList());
        assertEquals(2, board.get(0).gamesPlayed());
        assertEquals(List.of(), s.leaderboard("chess", 10));
        assertEquals(1, s.leaderboard("liap-tui", 1).size());

        List<GameRecord> history = s.history("ann", 10);
        assertEquals(List.of("r2", "r1"), history.stream().map(GameRecord::roomId).toList());
        assertEquals(1, history.get(0).seat());
        assertEquals(30, history.get(0).score());
        assertFalse(history.get(0).won());
        assertEquals(List.of("BOB", "ANN", "bot 3", "CAT"), history.get(0).players());

        // A restart reads the same figures back from the log.
        stores.forEach(StatsStore::close);
        stores.clear();
        StatsService again = service(dir);
        assertEquals(ann, again.profile("ann").orElseThrow());
        assertEquals(board, again.leaderboard("liap-tui", 10));
        again.handle(delivery("game.finished:r1", finished("r1", "10", java.util.Arrays.asList("ann", "bob", null, null),
                List.of(52, 10, -3, 7), List.of(0), List.of(3, 1, 0, 2), 4)));
        assertEquals(2, again.profile("ann").orElseThrow().gamesPlayed());
    }

    @Test
    public void revisionsChangeWithEveryCountedGameAndAgreeAcrossServicesThatCountedTheSame() throws Exception {
        StatsService s = service(tmp.newFolder().toPath());
        String annBefore = s.playerRevision("ann");
        String boardBefore = s.leaderboardRevision("liap-tui");
        s.handle(delivery("game.finished:r1", finished("r1", "10", java.util.Arrays.asList("ann", "bob", null, null),
                List.of(52, 10, -3, 7), List.of(0), List.of(3, 1, 0, 2), 4)));
        String ann1 = s.playerRevision("ann");
        String bob1 = s.playerRevision("bob");
        String board1 = s.leaderboardRevision("liap-tui");
        assertFalse(ann1.equals(annBefore));
        assertFalse(board1.equals(boardBefore));
        assertEquals(s.playerRevision("cat"), annBefore); // nobody's games: the empty revision
        assertEquals(s.leaderboardRevision("chess"), boardBefore);

        // A copy of the same game changes nothing; a game without ann leaves her revision alone.
        s.handle(delivery("game.finished:r1", finished("r1", "10", java.util.Arrays.asList("ann", "bob", null, null),
                List.of(52, 10, -3, 7), List.of(0), List.of(3, 1, 0, 2), 4)));
        assertEquals(ann1, s.playerRevision("ann"));
        s.handle(delivery("game.finished:r2", finished("r2", "20", java.util.Arrays.asList("bob", "cat", null, null),
                List.of(5, 30, 1, 55), List.of(3), null, 0)));
        assertEquals(ann1, s.playerRevision("ann"));
        assertFalse(bob1.equals(s.playerRevision("bob")));
        assertFalse(board1.equals(s.leaderboardRevision("liap-tui")));

        // Another service counting the same games in the same order names the same revisions;
        // in another order (its histories differ), other revisions.
        StatsService same = service(tmp.newFolder().toPath());
        StatsService other = service(tmp.newFolder().toPath());
        String g1 = finished("r1", "10", java.util.Arrays.asList("ann", "bob", null, null), List.of(52, 10, -3, 7),
                List.of(0), List.of(3, 1, 0, 2), 4);
        String g2 = finished("r2", "20", java.util.Arrays.asList("bob", "cat", null, null), List.of(5, 30, 1, 55),
                List.of(3), null, 0);
        same.handle(delivery("game.finished:r1", g1));
        same.handle(delivery("game.finished:r2", g2));
        other.handle(delivery("game.finished:r2", g2));
        other.handle(delivery("game.finished:r1", g1));
        assertEquals(s.playerRevision("bob"), same.playerRevision("bob"));
        assertEquals(s.leaderboardRevision("liap-tui"), same.leaderboardRevision("liap-tui"));
        assertFalse(s.playerRevision("bob").equals(other.playerRevision("bob")));
        assertEquals(s.playerRevision("ann"), other.playerRevision("ann")); // ann's own games: the same one
    }

    @Test
    public void playersEqualInWinsPointsAndGamesShareARank() throws Exception {
        StatsService s = service(tmp.newFolder().toPath());
        s.handle(delivery("g1", finished("r1", "10", List.of("a", "b", "c", "d"), List.of(50, 50, 0, 0),
                List.of(0, 1), null, 0)));
        List<Standing> board = s.leaderboard("liap-tui", 10);
        assertEquals(List.of(1, 1, 3, 3), board.stream().map(Standing::rank).toList());
        PlayerProfile a = s.profile("a").orElseThrow();
        assertEquals(0, a.roundsPlayed()); // a game without declaration counts adds no rounds
        assertEquals(0.0, a.declarationAccuracy(), 0);
    }

    @Test
    public void anUnreadableMessageIsPoisonAndChangesNothing() throws Exception {
        StatsService s = service(tmp.newFolder().toPath());
        for (String bad : List.of("{}", "[1,2]", "{\"roomId\":\"r\",\"gameType\":\"g\",\"finishedAt\":\"yesterday\","
                + "\"players\":[{}]}", "{\"roomId\":\"r\",\"gameType\":\"g\",\"finishedAt\":\"2026-12-01T10:00:00Z\","
                + "\"players\":[]}", "not json")) {
            try {
                s.handle(delivery("bad", bad));
                fail("accepted " + bad);
            } catch (PoisonMessageException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("not a game.finished"));
            }
        }
        assertEquals(0, s.leaderboard("g", 10).size());
        assertEquals(0L, s.check().details().get("games"));
    }
}
