package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * A finished game replayed move by move in the browser client, in headless Chromium against one
 * distribution. A player finishes a one-round game against bots over the protocol; the page then
 * resumes as that player (their token in its storage), finds the game in the lobby's history and
 * replays it: the start, forwards and back one move at a time (the hand and the words above the
 * table follow), the end with the final scores, and playing by itself. A link to the replay
 * opens it on a fresh page, as another seat saw it, and a link to a game that does not exist says
 * so and leaves the lobby usable.
 */
public class BrowserReplayIT {

    private static final String STEP = "document.querySelector('#replay-step')";

    @Test
    public void aFinishedGameReplaysMoveByMoveFromTheHistoryAndFromALink() throws Exception {
        Chromium.require(BrowserReplayIT.class, 1);
        try (Distribution d = Distribution.copy()) {
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 20\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            URI ws = URI.create("ws://127.0.0.1:" + d.port + "/ws");
            String room;
            String token;
            try (ProtocolClient ann = ProtocolClient.hello(ws, "Ann")) {
                token = (String) ann.welcome().get("token");
                room = LiapTuiPlayer.startAgainstBots(ann, "Replayed", Map.of("maxRounds", "1"));
                LiapTuiPlayer.play(ann, 90_000, -1);
                Wait.until("the game archived", 30_000, () -> "ok".equals(ann.request("replay", Map.of("game", room))
                        .get("type")));
                ann.ok("leave_room", Map.of()); // back in the lobby, where the history is
            }
            Path work = Path.of(System.getProperty("ludus.itest.work"));
            try (Chromium browser = new Chromium(work)) {
                Chromium.Page page = browser.page();
                try {
                    fromTheHistory(page, d.base(), token, room);
                    fromALink(page, d.base(), room);
                } catch (Throwable t) {
                    page.screenshot(work.resolve("browser-replay-failure.png"));
                    throw t;
                }
                assertEquals("no script errors in the page", List.of(), page.pageErrors());
            }
        }
    }

    private static void fromTheHistory(Chromium.Page page, String base, String token, String room) throws Exception {
        page.navigate(base + "/");
        page.eval("localStorage.setItem('ludus.token', " + js(token) + "); localStorage.setItem('ludus.name', 'Ann')");
        page.reload();
        waitFor(page, "Ann's history with the game", "!!document.querySelector('button.replay-game[data-key=\"replay-"
                + room + "\"]')", 20_000);
        assertEquals("Ann", page.eval("document.querySelector('#player').textContent"));
        page.eval("document.querySelector('button.replay-game[data-key=\"replay-" + room + "\"]').click()");
        waitFor(page, "the replay at its start", "!!" + STEP + " && " + STEP + ".dataset.at === '0'", 10_000);
        assertTrue(String.valueOf(page.eval(STEP + ".textContent")).startsWith("Move 0 of "));
        assertTrue("the address names the replay", String.valueOf(page.eval("location.hash"))
                .startsWith("#replay=" + room + "&seat="));
        assertEquals(true, page.eval("document.querySelector('#replay-back').disabled"));
        assertEquals("eight pieces dealt", 8L, ((Number) page.eval("document.querySelectorAll('#hand .piece').length"))
                .longValue());
        long last = ((Number) page.eval("ludus.state.replay.game.steps.length - 1")).longValue();
        assertTrue("a round has many moves: " + last, last > 10);
        assertFalse("no move buttons in a replay", (Boolean) page.eval("!!document.querySelector('#your-move')"));

        // Forwards to the first play, then back: the page follows each step's own view.
        String text0 = (String) page.eval(STEP + ".textContent");
        int firstPlay = ((Number) page.eval("ludus.state.replay.game.steps.findIndex((x) => x.action === 'play')"))
                .intValue();
        assertTrue(firstPlay > 0);
        for (int i = 0; i < firstPlay; i++) {
            page.eval("document.querySelector('#replay-next').click()");
        }
        waitFor(page, "the first play", STEP + ".dataset.at === '" + firstPlay + "'", 5_000);
        assertTrue(String.valueOf(page.eval(STEP + ".textContent")).contains(" plays "));
        assertTrue("the table shows the play", (Boolean) page.eval("!!document.querySelector('#table .play')"));
        page.screenshot(Path.of(System.getProperty("ludus.itest.work")).resolve("browser-replay.png"));
        page.eval("document.querySelector('#replay-back').click()");
        waitFor(page, "one step back", STEP + ".dataset.at === '" + (firstPlay - 1) + "'", 5_000);
        page.eval("document.querySelector('#replay-first').click()");
        waitFor(page, "the start again", STEP + ".dataset.at === '0'", 5_000);
        assertEquals(text0, page.eval(STEP + ".textContent"));

        // The end: the final scores, nothing to play.
        page.eval("document.querySelector('#replay-last').click()");
        waitFor(page, "the end", STEP + ".dataset.at === '" + last + "'", 5_000);
        assertTrue((Boolean) page.eval("!!document.querySelector('#game-over .ranking')"));
        assertFalse("no play-again in a replay", (Boolean) page.eval("!!document.querySelector('#play-again')"));
        assertEquals(true, page.eval("document.querySelector('#replay-next').disabled"));

        // Playing by itself from the start.
        page.eval("document.querySelector('#replay-first').click()");
        page.eval("document.querySelector('#replay-play').click()");
        waitFor(page, "two moves played by themselves", "Number(" + STEP + ".dataset.at) >= 2", 10_000);
        page.eval("document.querySelector('#replay-play').click()");
        String paused = (String) page.eval(STEP + ".dataset.at");
        Thread.sleep(2_000);
        assertEquals("paused", paused, page.eval(STEP + ".dataset.at"));

        page.eval("document.querySelector('#replay-close').click()");
        waitFor(page, "back in the lobby", "!!document.querySelector('#create-form') && location.hash === ''", 5_000);
    }

    private static void fromALink(Chromium.Page page, String base, String room) throws Exception {
        // A fresh visitor: no token, so a new player; the link alone opens the replay.
        page.eval("localStorage.clear()");
        page.navigate(base + "/?fresh=1#replay=" + room + "&seat=2"); // another document: a load, not a jump
        waitFor(page, "the linked replay", "!!" + STEP + " && " + STEP + ".dataset.at === '0'", 20_000);
        assertEquals(2L, ((Number) page.eval("ludus.state.replay.game.seat")).longValue());
        assertNotEquals("Ann", page.eval("document.querySelector('#player').textContent"));
        assertTrue(String.valueOf(page.eval("document.querySelector('#replay .game h2').textContent")).contains("saw it"));

        page.eval("localStorage.clear()");
        page.navigate(base + "/?fresh=2#replay=no-such-game&seat=0");
        waitFor(page, "the lobby, with a notice", "!!document.querySelector('#create-form')"
                + " && document.querySelector('#notice').textContent.includes('not in the archive')", 20_000);
    }

    private static String js(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void waitFor(Chromium.Page page, String what, String condition, long millis) throws Exception {
        Wait.until(what, millis, () -> Boolean.TRUE.equals(page.eval(condition)), () -> page.eval(
                "JSON.stringify({hash: location.hash, notice: document.querySelector('#notice').textContent,"
                + " status: document.querySelector('#status').dataset.status, replay: !!ludus.state.replay})"));
    }
}
