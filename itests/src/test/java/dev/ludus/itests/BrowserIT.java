package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

/**
 * The browser client as a person uses it, in headless Chromium against the distribution: create a
 * room, fill the seats with bots, play a whole game of Liap Tui by clicking, lose the connection
 * halfway and carry on after the client reconnects by itself, and read the final scores.
 */
public class BrowserIT {

    /**
     * One step of a person playing: answers whatever the page asks, by clicking what the server
     * offered. Returns what it did.
     */
    static final String PLAY_STEP = """
            (() => {
              const q = (s) => document.querySelector(s);
              if (q('#game-over')) return 'over';
              if (ludus.state.busy) return 'busy';
              if (q('#redeal-decline')) { q('#redeal-decline').click(); return 'kept hand'; }
              const declare = document.querySelectorAll('button.declare');
              if (declare.length) { declare[Math.floor(declare.length / 2)].click(); return 'declared'; }
              const option = q('button.play-option');
              if (option) { option.click(); return 'played an option'; }
              if (q('#play-selected')) {
                for (let i = 0; i < 8 && q('#play-selected').disabled; i++) {
                  const pieces = document.querySelectorAll('#hand .piece:not([data-selected])');
                  if (!pieces.length) break;
                  pieces[pieces.length - 1].click();
                }
                if (!q('#play-selected').disabled) { q('#play-selected').click(); return 'played a selection'; }
                return 'cannot select';
              }
              return 'waiting';
            })()""";

    @Test
    public void aPersonCreatesARoomFillsItWithBotsPlaysAWholeGameThroughADropAndSeesTheScores() throws Exception {
        Chromium.require(BrowserIT.class, 1);
        try (Distribution d = Distribution.copy()) {
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 30\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            Path work = Path.of(System.getProperty("ludus.itest.work"));
            try (Chromium browser = new Chromium(work)) {
                try {
                    play(browser, d.base());
                } catch (Throwable t) {
                    browser.screenshot(work.resolve("browser-failure.png"));
                    throw t;
                }
                assertEquals("no script errors in the page", java.util.List.of(), browser.pageErrors());
            }
        }
    }

    /**
     * Opens the client at {@code base}, waits for the lobby, and creates a table of {@code rounds}
     * rounds as {@code player}; returns in its waiting room. The page's pauses between moves are cut
     * to a tenth, so a whole game is short.
     */
    static void createTable(Chromium browser, String base, String player, String table, int rounds, long millis)
            throws Exception {
        browser.navigate(base + "/");
        waitFor(browser, "connected", "document.querySelector('#status').dataset.status === 'connected'", millis);
        waitFor(browser, "the lobby", "!!document.querySelector('#create-form')", millis);
        browser.eval("ludus.pace = 0.1");
        browser.eval("document.querySelector('#name').value = " + Chromium.quote(player));
        browser.eval("document.querySelector('#room-name').value = " + Chromium.quote(table));
        browser.eval("document.querySelector('#max-rounds').value = '" + rounds + "'");
        browser.eval("document.querySelector('#create').click()");
        waitFor(browser, "the waiting room", "!!document.querySelector('#fill-bots')", millis);
    }

    private static void play(Chromium browser, String base) throws Exception {
        createTable(browser, base, "Tester", "Browser table", 2, 20_000);
        assertTrue((Boolean) browser.eval("document.querySelector('.seats').textContent.includes('Tester')"));
        browser.eval("document.querySelector('#fill-bots').click()");
        waitFor(browser, "three bots seated", "document.querySelectorAll('.seats .remove-bot').length === 3", 10_000);
        shot(browser, "waiting-room");
        browser.eval("document.querySelector('#start').click()");
        waitFor(browser, "the game", "!!document.querySelector('#game-phase')", 10_000);
        assertEquals("eight pieces dealt", 8L, ((Number) browser.eval("document.querySelectorAll('#hand .piece').length")).longValue());

        long end = System.currentTimeMillis() + 150_000;
        int moves = 0;
        boolean dropped = false;
        String last = "";
        while (System.currentTimeMillis() < end) {
            String step = (String) browser.eval(PLAY_STEP);
            if ("over".equals(step)) {
                break;
            }
            assertTrue("the page could always make a legal choice", !"cannot select".equals(step));
            if (!step.equals("waiting") && !step.equals("busy")) {
                moves++;
                last = step;
            }
            if (moves == 3) {
                shot(browser, "game");
            }
            if (!dropped && moves >= 4) {
                // The network drops: the client notices, reconnects by itself and resumes its seat.
                // (The client may be back before a poll could see it away: wait for its new connection.)
                browser.eval("window.droppedSocket = ludus.socket; ludus.socket.close(3000, 'network drop')");
                waitFor(browser, "connected again on a new connection", "ludus.socket !== window.droppedSocket"
                        + " && document.querySelector('#status').dataset.status === 'connected'", 20_000);
                dropped = true;
            }
            Thread.sleep(60);
        }
        assertTrue("the game ended (last move: " + last + ")", (Boolean) browser.eval("!!document.querySelector('#game-over')"));
        assertTrue("the player made moves through the page: " + moves, moves >= 8);
        assertTrue(dropped);
        assertEquals("final scores for four seats", 4L,
                ((Number) browser.eval("document.querySelectorAll('#game-over .final-score').length")).longValue());
        assertTrue((Boolean) browser.eval("document.querySelector('#game-over').textContent.includes('Final scores')"));
        shot(browser, "game-over");
        browser.eval("document.querySelector('#back-to-lobby').click()");
        waitFor(browser, "the lobby again", "!!document.querySelector('#create-form')", 10_000);
    }

    /** With -Dludus.browser.screenshots=DIR, leaves pictures of the client along the way. */
    private static void shot(Chromium browser, String name) {
        String dir = System.getProperty("ludus.browser.screenshots");
        if (dir != null && !dir.isBlank()) {
            browser.screenshot(Path.of(dir).resolve(name + ".png"));
        }
    }

    static void waitFor(Chromium browser, String what, String condition, long millis) throws Exception {
        Wait.until(what, millis, () -> Boolean.TRUE.equals(browser.eval(condition)));
    }
}
