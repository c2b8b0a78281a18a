package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
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
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * Statistics end to end in the default distribution: a player finishes a game over the WebSocket;
 * the rooms announce it on the local bus, the stats bundle counts it, and the player reads their
 * profile, the leaderboard and their history; the figures survive a restart of the stats bundle
 * and a rebuild from the archive gives the same.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class StatsIT {

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    ArchiveService archive;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("stats", List.of(), Map.of("dev.ludus.rooms.cfg", "botThinkMillis = 20\n"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> profile(ProtocolClient c, String player) throws Exception {
        Map<String, Object> r = c.ok("profile", player == null ? Map.of() : Map.of("player", player));
        return (Map<String, Object>) r.get("profile");
    }

    private static int played(Map<String, Object> profile) {
        return ((Number) profile.get("gamesPlayed")).intValue();
    }

    @SuppressWarnings("unchecked")
    @Test
    public void aFinishedGameShowsInTheProfileTheLeaderboardAndTheHistoryAndSurvivesRestartAndRebuild() throws Exception {
        URI ws = URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
        ProtocolClient.awaitGateway(ws, 30_000);
        try (ProtocolClient stella = ProtocolClient.hello(ws, "Stella"); ProtocolClient other = ProtocolClient.hello(ws, "Otto")) {
            assertEquals(0, played(profile(stella, null)));
            // Asked before the game: the replies are cached, and must not outlive the game's count.
            assertEquals(List.of(), other.ok("leaderboard", Map.of("game", "liap-tui")).get("players"));
            assertEquals(List.of(), stella.ok("history", Map.of()).get("games"));
            String room = LiapTuiPlayer.startAgainstBots(stella, "stats", Map.of("maxRounds", "1"));
            LiapTuiPlayer.play(stella, 90_000, -1);
            Wait.until("the game counted", 30_000, () -> ((Number) HealthChecks.require(context, "stats").details()
                    .get("games")).intValue() == 1);
            // Counted: every reply shows it at once, none is served from before.
            assertEquals(1, played(profile(stella, null)));

            Map<String, Object> mine = profile(stella, null);
            assertEquals("Stella", mine.get("name"));
            assertEquals(stella.playerId(), mine.get("playerId"));
            assertTrue(mine.toString(), ((Number) mine.get("roundsPlayed")).intValue() == 1);
            assertEquals("someone else sees the same", mine, profile(other, stella.playerId()));

            List<Map<String, Object>> board = (List<Map<String, Object>>) other.ok("leaderboard",
                    Map.of("game", "liap-tui")).get("players");
            assertEquals(1, board.size());
            assertEquals(stella.playerId(), board.get(0).get("playerId"));
            assertEquals(1, ((Number) board.get(0).get("rank")).intValue());

            List<Map<String, Object>> games = (List<Map<String, Object>>) stella.ok("history", Map.of()).get("games");
            assertEquals(1, games.size());
            assertEquals(room, games.get(0).get("roomId"));
            assertEquals(4, ((List<?>) games.get(0).get("players")).size());
            int seat = ((Number) games.get(0).get("seat")).intValue();

            // The figures are on disk: a restart of the stats bundle keeps them.
            Bundle stats = null;
            for (Bundle b : context.getBundles()) {
                if ("dev.ludus.stats".equals(b.getSymbolicName())) {
                    stats = b;
                }
            }
            stats.stop();
            assertEquals("stats_unavailable", stella.request("profile", Map.of()).get("code"));
            stats.start();
            Wait.until("stats back", 30_000, () -> "ok".equals(stella.request("profile", Map.of()).get("type")));
            assertEquals(mine, profile(stella, null));

            // A rebuild from the archive gives the same figures.
            Wait.until("the game archived", 30_000, () -> archive.find(room).isPresent());

            // The finished game, every event of it, for anyone to replay; the second time from the cache.
            for (ProtocolClient asker : List.of(stella, other)) {
                Map<String, Object> game = (Map<String, Object>) asker.ok("replay", Map.of("game", room)).get("game");
                assertEquals(room, game.get("id"));
                assertEquals("liap-tui", game.get("type"));
                assertEquals(List.of(stella.playerId()), game.get("players"));
                List<Map<String, Object>> events = (List<Map<String, Object>>) game.get("events");
                assertTrue("events: " + events.size(), events.size() > 10);
                for (int i = 0; i < events.size(); i++) {
                    assertEquals("in order, none missing", i + 1, ((Number) events.get(i).get("version")).intValue());
                }
                // Move by move, as Stella's seat saw it: the start, then every action, each with its view.
                Map<String, Object> moves = (Map<String, Object>) asker.ok("replay", Map.of("game", room, "seat", seat))
                        .get("game");
                assertEquals(seat, ((Number) moves.get("seat")).intValue());
                assertEquals("Stella", ((List<Map<String, Object>>) moves.get("seats")).get(seat).get("name"));
                List<Map<String, Object>> steps = (List<Map<String, Object>>) moves.get("steps");
                long actions = events.stream().filter(e -> "action".equals(e.get("type"))).count();
                assertEquals(actions + 1, steps.size());
                assertEquals("start", steps.get(0).get("action"));
                assertTrue(steps.get(0).toString(), steps.get(0).get("view") instanceof Map<?, ?> v && !v.isEmpty());
                for (Map<String, Object> step : steps.subList(1, steps.size())) {
                    assertTrue(step.toString(), step.get("viewPatch") instanceof Map<?, ?> v && !v.isEmpty());
                }
                assertTrue(moves.get("result") instanceof Map);
            }
            assertEquals("bad_seat", stella.request("replay", Map.of("game", room, "seat", 4)).get("code"));
            assertEquals("game_not_found", stella.request("replay", Map.of("game", "no-such-game")).get("code"));
            assertEquals("bad_request", stella.request("replay", Map.of()).get("code"));
            Configurations.merge(configAdmin, "dev.ludus.stats", Map.of("rebuildGeneration", 1L));
            Wait.until("rebuilt", 30_000, () -> String.valueOf(HealthChecks.require(context, "stats").details()
                    .get("rebuild")).startsWith("rebuild 1 done: 1 games"),
                    () -> HealthChecks.find(context, "stats"));
            assertEquals(mine, profile(stella, null));
        }
    }
}
