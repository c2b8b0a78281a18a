package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import dev.ludus.testing.fixtures.TcpRelay;

/**
 * The browser client when the page, the tab or the network goes away, in headless Chromium
 * against one distribution: a reload (in the waiting room and in the middle of the player's move)
 * brings the seat and the state back, a second tab shows the player's room and the first can take
 * it back, a network cut ends within a second of the network returning, a connection that goes
 * silent without closing is given up and replaced, the browser's offline and online events are
 * acted on at once, a double click sends one move, and the keyboard
 * plays without losing the focus; a move a bot made for the player while they were away is pointed
 * out. Bots think {@value #BOT_THINK_MILLIS} ms and a disconnected player's seat waits
 * {@value #DISCONNECT_GRACE_SECONDS} s, so a move of the player's that a bot made during a reload
 * would show, and a player away for a few seconds has a move made for them. The network breaks
 * in a {@link TcpRelay} between the browser and the gateway, so the page is loaded through it too.
 */
public class BrowserResumeIT {

    private static final long BOT_THINK_MILLIS = 2000;
    /** Short, so a test can stay away long enough for a bot to move for the player. */
    private static final int DISCONNECT_GRACE_SECONDS = 1;
    private static final String STATUS = "document.querySelector('#status').dataset.status";
    private static final String CONNECTED = STATUS + " === 'connected'";
    /** What identifies the player's state: where the game is, and the hand. */
    private static final String STATE = "JSON.stringify([ludus.state.game && ludus.state.game.phase, ludus.state.game"
            + " && ludus.state.game.round, ludus.state.game && ludus.state.game.hand])";
    /** The player's hand as the page shows it. */
    private static final String SHOWN_HAND = "JSON.stringify(Array.from(document.querySelectorAll('#hand .piece'))"
            + ".map((p) => p.title))";

    private static Distribution dist;
    private static Path work;

    @BeforeClass
    public static void startServer() throws Exception {
        Chromium.require(BrowserResumeIT.class, 11);
        work = Path.of(System.getProperty("ludus.itest.work"));
        dist = Distribution.copy();
        Files.writeString(dist.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = " + BOT_THINK_MILLIS
                + "\ndisconnectGraceSeconds = " + DISCONNECT_GRACE_SECONDS + "\n");
        dist.start().awaitHealthy();
        dist.awaitGateway();
    }

    @AfterClass
    public static void stopServer() throws Exception {
        if (dist != null) {
            dist.close();
        }
    }

    @Test
    public void aReloadInTheWaitingRoomKeepsTheSeatAndTheYouMarkerForTheWholeGame() throws Exception {
        inBrowser("reload-waiting", (browser, page) -> {
            enterWaitingRoom(page, dist.base(), "Reloader");
            page.reload();
            waitFor(page, "the waiting room after the reload", "!!document.querySelector('.seats')", 10_000);
            assertTrue("the page marks the player's seat after the reload",
                    (Boolean) page.eval("document.querySelector('.seats').textContent.includes('Reloader you')"));
            startGame(page);
            assertEquals("the score table marks the player", 1L,
                    ((Number) page.eval("document.querySelectorAll('table.scores tr.me').length")).longValue());
            assertTrue((Boolean) page.eval("document.querySelector('table.scores tr.me').textContent.includes('(you)')"));
            waitFor(page, "the hand", "document.querySelectorAll('#hand .piece').length === 8", 10_000);
        });
    }

    @Test
    public void aReloadDuringThePlayersMoveBringsTheSeatTheHandAndTheMoveBack() throws Exception {
        inBrowser("reload-game", (browser, page) -> {
            enterWaitingRoom(page, dist.base(), "Mover");
            startGame(page);
            waitFor(page, "the player's move", "!!document.querySelector('#your-move')", 30_000);
            String before = (String) page.eval(STATE);
            String handBefore = (String) page.eval(SHOWN_HAND);
            long reloadAt = System.currentTimeMillis();
            page.reload();
            waitFor(page, "the game after the reload", "!!document.querySelector('#game-phase')", 10_000);
            waitFor(page, "the player's move after the reload", "!!document.querySelector('#your-move')", 5_000);
            System.out.println("BrowserResumeIT: the move was back on the page " + (System.currentTimeMillis() - reloadAt)
                    + " ms after the reload began");
            assertEquals("the same phase, round and hand: no bot moved for the player", before, page.eval(STATE));
            assertEquals("the hand is drawn again", handBefore, page.eval(SHOWN_HAND));
            shot(page, "after-reload");
            assertTrue("the score table marks the player",
                    (Boolean) page.eval("document.querySelector('table.scores tr.me').textContent.includes('(you)')"));
            String did = (String) page.eval(MOVE);
            assertTrue("the player can make the move: " + did, did.startsWith("clicked"));
            waitFor(page, "the move's answer", "!ludus.state.busy && !document.querySelector('#notice.error')", 5_000);
        });
    }

    @Test
    public void aSecondTabShowsThePlayersRoomAndTheFirstCanTakeItBack() throws Exception {
        inBrowser("second-tab", (browser, first) -> {
            enterWaitingRoom(first, dist.base(), "Twotabs");
            Chromium.Page second = browser.newPage();
            second.navigate(dist.base() + "/");
            waitFor(second, "the second tab connected", CONNECTED, 10_000);
            waitFor(second, "the player's room in the second tab", "!!document.querySelector('.seats')", 10_000);
            assertTrue("the second tab marks the player's seat",
                    (Boolean) second.eval("document.querySelector('.seats').textContent.includes('Twotabs you')"));
            waitFor(first, "the first tab replaced", STATUS + " === 'replaced'", 5_000);
            shot(first, "replaced-tab");
            assertTrue("the replaced tab says so", (Boolean) first.eval(
                    "!document.querySelector('#banner').hidden && document.querySelector('#banner').textContent.includes('another tab')"));
            assertTrue("the replaced tab's buttons are disabled",
                    (Boolean) first.eval("document.querySelector('#start').disabled && document.querySelector('#leave').disabled"));

            first.eval("document.querySelector('#play-here').click()");
            waitFor(first, "the first tab connected again", CONNECTED, 5_000);
            waitFor(first, "the room in the first tab", "!!document.querySelector('#start') && !document.querySelector('#start').disabled", 5_000);
            assertTrue((Boolean) first.eval("document.querySelector('.seats').textContent.includes('Twotabs you')"));
            waitFor(second, "the second tab replaced in turn", STATUS + " === 'replaced'", 5_000);
            Thread.sleep(1500);
            assertEquals("the tabs do not take the seat from each other by themselves", "connected", first.eval(STATUS));
            assertEquals("no script errors in the second tab", List.of(), second.pageErrors());
        });
    }

    @Test
    public void afterAFiveSecondNetworkCutThePageIsBackWithinASecondOfTheNetwork() throws Exception {
        try (TcpRelay relay = new TcpRelay(dist.port)) {
            inBrowser("network-cut", (browser, page) -> {
                enterWaitingRoom(page, "http://127.0.0.1:" + relay.port(), "Cutter");
                startGame(page);
                waitFor(page, "the hand", "document.querySelectorAll('#hand .piece').length === 8", 10_000);
                page.eval("""
                        (() => {
                          window.statusLog = [];
                          new MutationObserver(() => statusLog.push([document.querySelector('#status').dataset.status, Date.now()]))
                            .observe(document.querySelector('#status'), {attributes: true, attributeFilter: ['data-status']});
                        })()""");
                long cutAt = System.currentTimeMillis();
                relay.cut();
                waitFor(page, "the page notices the cut", STATUS + " !== 'connected'", 3_000);
                Thread.sleep(1000);
                boolean saysOffline = (Boolean) page.eval("(() => { const b = document.querySelector('#banner');"
                        + " return !!b && !b.hidden && b.textContent.includes('reconnecting'); })()");
                boolean buttonsDisabled = (Boolean) page.eval(
                        "Array.from(document.querySelectorAll('#main button')).every((b) => b.disabled)");
                shot(page, "offline");
                Thread.sleep(Math.max(0, cutAt + 5000 - System.currentTimeMillis()));
                relay.restore();
                long back = System.currentTimeMillis();
                waitFor(page, "connected through the relay again", CONNECTED, 15_000);
                Number connectedAt = (Number) page.eval(
                        "(statusLog.filter((e) => e[0] === 'connected' && e[1] >= " + back + ")[0] || [0, 0])[1]");
                long took = connectedAt.longValue() - back;
                System.out.println("BrowserResumeIT: after a 5 s cut the page was connected " + took
                        + " ms after the relay accepted again (status changes: " + page.eval("JSON.stringify(statusLog)") + ")");
                assertTrue("connected within 1 s of the network returning, took " + took + " ms", took >= 0 && took <= 1000);
                assertTrue("offline, the page said it was reconnecting", saysOffline);
                assertTrue("offline, every button was disabled", buttonsDisabled);
                waitFor(page, "the game and hand after the cut", "document.querySelectorAll('#hand .piece').length > 0", 5_000);
                assertTrue("the banner is gone", (Boolean) page.eval("document.querySelector('#banner').hidden"));
            });
        }
    }

    /**
     * With the default disconnect grace (15 s), a player cut off for 5 s on their own move finds
     * that move still theirs when the page is back: no bot played it, nothing says one did.
     */
    @Test
    public void withinTheDefaultGraceNoMoveIsPlayedForAPlayerCutOffForFiveSeconds() throws Exception {
        roomsSettings(BOT_THINK_MILLIS, 15);
        try (TcpRelay relay = new TcpRelay(dist.port)) {
            inBrowser("cut-within-grace", (browser, page) -> {
                enterWaitingRoom(page, "http://127.0.0.1:" + relay.port(), "Patient");
                startGame(page);
                waitFor(page, "the player's move", "!!document.querySelector('#your-move button:not([disabled])')", 30_000);
                String hand = (String) page.eval(SHOWN_HAND);
                relay.cut();
                waitFor(page, "the page notices the cut", STATUS + " !== 'connected'", 3_000);
                Thread.sleep(5000);
                relay.restore();
                waitFor(page, "connected again", CONNECTED, 5_000);
                waitFor(page, "the move is still the player's", "!!document.querySelector('#your-move button:not([disabled])')",
                        5_000);
                assertEquals("the hand is as it was: nothing was played from it", hand, page.eval(SHOWN_HAND));
                assertFalse("no move was played for the player", (Boolean) page.eval("document.querySelector('#notice')"
                        + ".textContent.includes('While you were away') || Array.from(document.querySelectorAll('.log li'))"
                        + ".some((li) => li.textContent.endsWith('Played by a bot while away.'))"));
            });
        } finally {
            roomsSettings(BOT_THINK_MILLIS, DISCONNECT_GRACE_SECONDS);
        }
    }

    /** Rewrites the rooms' settings file and waits until the rooms runtime says it applied them. */
    private static void roomsSettings(long botThinkMillis, int graceSeconds) throws Exception {
        roomsSettings(botThinkMillis, graceSeconds, 30_000);
    }

    /** The rooms settings, with how long a connected player may take over a move before a bot makes it. */
    private static void roomsSettings(long botThinkMillis, int graceSeconds, long idleTimeoutMillis) throws Exception {
        Path file = dist.home.resolve("conf/dev.ludus.rooms.cfg");
        Path part = dist.home.resolve("conf/dev.ludus.rooms.cfg.part");
        Files.writeString(part, "botThinkMillis = " + botThinkMillis + "\ndisconnectGraceSeconds = " + graceSeconds
                + "\nidleTimeoutMillis = " + idleTimeoutMillis + "\n");
        String applied = "rooms settings applied: bot think " + botThinkMillis + " ms, idle timeout " + idleTimeoutMillis
                + " ms, disconnect grace " + graceSeconds + " s";
        Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        // On a loaded machine the file watcher can take seconds; a game started before would run
        // with the old idle timeout. The runtime logs the times it applies (also the unchanged ones
        // at its start, as a file with the same settings changes nothing).
        Wait.until("the rooms settings applied (" + applied + ")", 30_000, () -> {
            String out = dist.output();
            int last = out.lastIndexOf("rooms settings applied: ");
            return last >= 0 && out.startsWith(applied, last);
        });
    }

    @Test
    public void aMoveABotMadeForThePlayerWhileTheyWereAwayIsPointedOut() throws Exception {
        try (TcpRelay relay = new TcpRelay(dist.port)) {
            inBrowser("played-for-you", (browser, page) -> {
                enterWaitingRoom(page, "http://127.0.0.1:" + relay.port(), "Absent");
                startGame(page);
                waitFor(page, "the player's move", "!!document.querySelector('#your-move button:not([disabled])')", 30_000);
                relay.cut();
                Thread.sleep(DISCONNECT_GRACE_SECONDS * 1000L + BOT_THINK_MILLIS + 1000);
                relay.restore();
                waitFor(page, "connected again", CONNECTED, 5_000);
                waitFor(page, "the page says a bot moved for the player", "document.querySelector('#notice').textContent"
                        + ".includes('While you were away, a bot made a move for you')", 5_000);
                assertTrue("the log says which move the bot made", (Boolean) page.eval("Array.from(document.querySelectorAll('.log li'))"
                        + ".some((li) => li.textContent.startsWith('Absent (you)') && li.textContent.endsWith('Played by a bot while away.'))"));
                shot(page, "played-for-you");
            });
        }
    }

    @Test
    public void aConnectionThatGoesSilentWithoutClosingIsGivenUpAndReplaced() throws Exception {
        try (TcpRelay relay = new TcpRelay(dist.port)) {
            inBrowser("dead-link", (browser, page) -> {
                enterWaitingRoom(page, "http://127.0.0.1:" + relay.port(), "Silent");
                long holeAt = System.currentTimeMillis();
                relay.blackHole();
                waitFor(page, "the page gives up on the silent connection", STATUS + " !== 'connected'", 15_000);
                long noticed = System.currentTimeMillis() - holeAt;
                waitFor(page, "connected on a new connection", CONNECTED, 5_000);
                System.out.println("BrowserResumeIT: a connection that went silent was given up after " + noticed
                        + " ms, and the page was back " + (System.currentTimeMillis() - holeAt) + " ms after it went silent");
                waitFor(page, "the waiting room again", "!!document.querySelector('#start:not([disabled])')", 5_000);
                assertTrue((Boolean) page.eval("document.querySelector('.seats').textContent.includes('Silent you')"));
            });
        }
    }

    @Test
    public void whenTheBrowserSaysItIsOfflineThePageSaysSoAndIsBackAsSoonAsItIsOnline() throws Exception {
        inBrowser("offline-event", (browser, page) -> {
            enterWaitingRoom(page, dist.base(), "Flighty");
            page.call("Network.enable", Map.of());
            page.call("Network.emulateNetworkConditions", Map.of("offline", true, "latency", 0,
                    "downloadThroughput", -1, "uploadThroughput", -1));
            waitFor(page, "the page offline", STATUS + " !== 'connected'", 1_000);
            assertTrue("offline, the page says it is reconnecting", (Boolean) page.eval(
                    "!document.querySelector('#banner').hidden && document.querySelector('#start').disabled"));
            Thread.sleep(2000);
            long online = System.currentTimeMillis();
            page.call("Network.emulateNetworkConditions", Map.of("offline", false, "latency", 0,
                    "downloadThroughput", -1, "uploadThroughput", -1));
            waitFor(page, "connected again", CONNECTED, 3_000);
            System.out.println("BrowserResumeIT: connected " + (System.currentTimeMillis() - online)
                    + " ms after the browser was online again");
            waitFor(page, "the waiting room again", "!!document.querySelector('#start:not([disabled])')", 5_000);
        });
    }

    @Test
    public void theKeyboardMakesMovesAndPicksPiecesAndTheFocusStaysInTheGame() throws Exception {
        inBrowser("keyboard", (browser, page) -> {
            enterWaitingRoom(page, dist.base(), "Keys");
            startGame(page);
            waitFor(page, "the player's move", "!!document.querySelector('#your-move button:not([disabled])')", 30_000);
            assertTrue("the tab's title says it is the player's move", (Boolean) page.eval("document.title.includes('Your turn')"));
            assertEquals("Your turn.", page.eval("document.querySelector('#announce').textContent"));
            page.eval("(document.querySelector('#redeal-decline') || document.querySelector('button.declare')).focus()");
            press(page, "Enter");
            waitFor(page, "the move's answer", "!ludus.state.busy && !document.querySelector('#your-move button[aria-disabled]')", 5_000);
            Thread.sleep(200);
            assertTrue("after the move the focus is still in the game, not on the page's body: "
                    + page.eval("document.activeElement.outerHTML.slice(0, 80)"),
                    (Boolean) page.eval("document.querySelector('.game').contains(document.activeElement)"));

            long end = System.currentTimeMillis() + 40_000;
            while (!Boolean.TRUE.equals(page.eval("ludus.state.allowed.includes('play')")) && System.currentTimeMillis() < end) {
                if (Boolean.TRUE.equals(page.eval("!!document.querySelector('#your-move button:not([disabled]):not([aria-disabled])')"))) {
                    page.eval(MOVE);
                }
                Thread.sleep(100);
            }
            waitFor(page, "pieces to pick", "!!document.querySelector('#hand .piece[role=button]')", 5_000);
            page.eval("document.querySelector('#hand .piece[role=button]').focus()");
            press(page, " ");
            assertTrue("Space picks the piece and keeps the focus on it", (Boolean) page.eval(
                    "document.activeElement.dataset.index === '0' && document.activeElement.dataset.selected === 'true'"));
            press(page, "Enter");
            assertTrue("Enter puts it back", (Boolean) page.eval(
                    "document.activeElement.dataset.index === '0' && !document.activeElement.dataset.selected"));

            // Leaving a running game asks first.
            page.eval("document.querySelector('#leave').click()");
            assertTrue("leaving asks first", (Boolean) page.eval("!!document.querySelector('#confirm-leave')"));
            assertTrue("the player still sits", (Boolean) page.eval("ludus.state.seat >= 0 && !!ludus.state.room"));
            assertEquals("leave-cancel", page.eval("document.activeElement.id"));
            press(page, "Enter");
            assertTrue("staying puts the Leave button back", (Boolean) page.eval("document.activeElement.id === 'leave'"));
        });
    }

    /**
     * A whole game played with the keyboard alone: every move (redeal answer, declaration, play,
     * and a discard: pieces picked in the hand with Space) is reached with Tab and made with Enter,
     * from the first deal to the final ranking.
     */
    @Test
    public void aWholeGameIsPlayedWithTheKeyboardAlone() throws Exception {
        // Finding a move with Tab takes a browser round trip per key press: on a loaded machine one
        // move's search can outlast the 30 s a player has before a bot moves for them, which is not
        // what this test is about.
        roomsSettings(200, DISCONNECT_GRACE_SECONDS, 140_000);
        try {
            inBrowser("keyboard-game", (browser, page) -> {
                enterWaitingRoom(page, dist.base(), "Keyboard");
                startGame(page);
                page.eval("ludus.pace = 0.1");
                int moves = 0;
                int picked = 0;
                long end = System.currentTimeMillis() + 150_000;
                while (!Boolean.TRUE.equals(page.eval("!!document.querySelector('#game-over')"))) {
                    assertTrue("the game ended within 150 s; moves made so far: " + moves, System.currentTimeMillis() < end);
                    Object key = page.eval(MARK_MOVE);
                    if (!(key instanceof String)) {
                        Thread.sleep(100);
                        continue;
                    }
                    boolean reached = false;
                    for (int tab = 0; tab < 80 && !reached; tab++) {
                        press(page, "Tab");
                        reached = Boolean.TRUE.equals(page.eval(
                                "!!document.activeElement && document.activeElement.dataset.keyTarget === '1'"));
                    }
                    if (reached) {
                        press(page, (String) key);
                        if (" ".equals(key)) {
                            picked++;
                        }
                        if ("Enter".equals(key)) {
                            moves++;
                            waitFor(page, "the move's answer", "!ludus.state.busy", 10_000);
                        }
                    }
                }
                assertTrue("a declaration and plays were made by keyboard: " + moves, moves >= 2);
                assertTrue("the final ranking is shown", (Boolean) page.eval("!!document.querySelector('#game-over table.ranking')"));
                assertFalse("every move of the player's was the player's own", (Boolean) page.eval(
                        "Array.from(document.querySelectorAll('.log li')).some((li) => li.textContent.startsWith('Keyboard (you)')"
                        + " && li.textContent.includes('bot'))"));
                System.out.println("BrowserResumeIT: a whole game by keyboard, " + moves + " moves with Tab and Enter ("
                        + picked + " pieces picked with Space for discards)");
            });
        } finally {
            roomsSettings(BOT_THINK_MILLIS, DISCONNECT_GRACE_SECONDS);
        }
    }

    /** Marks the move to make next (data-key-target) and says whether there is one. */
    /**
     * Marks the element the keyboard should reach next for the player's move and says which key
     * makes it ({@code Enter}; a space picks a piece), or false while there is no move to make. A
     * follower with no play of the lead's type discards: as many pieces as the turn asks are
     * picked in the hand, then "Play selected pieces".
     */
    private static final String MARK_MOVE = """
            (() => {
              const free = ':not([disabled]):not([aria-disabled])';
              let b = document.querySelector('#redeal-decline' + free) || document.querySelector('button.declare' + free)
                || document.querySelector('button.play-option' + free);
              let key = 'Enter';
              const g = ludus.state.game;
              if (!b && (ludus.state.allowed || []).includes('play') && g && g.turn && g.turn.pieceCount) {
                const picked = document.querySelectorAll('#hand .piece[data-selected=true]').length;
                if (picked < g.turn.pieceCount) {
                  b = document.querySelector('#hand .piece[role=button]:not([data-selected=true])');
                  key = ' ';
                } else {
                  b = document.querySelector('#play-selected' + free);
                }
              }
              document.querySelectorAll('[data-key-target]').forEach((e) => { if (e !== b) delete e.dataset.keyTarget; });
              if (!b || ludus.state.busy) return false;
              b.dataset.keyTarget = '1';
              return key;
            })()""";

    @Test
    public void aDoubleClickSendsOneMoveAndARefusalNamesSeatsAsThePageDoes() throws Exception {
        inBrowser("double-click", (browser, page) -> {
            enterWaitingRoom(page, dist.base(), "Clicker");
            startGame(page);
            page.eval("""
                    (() => {
                      window.actFrames = 0;
                      const send = WebSocket.prototype.send;
                      WebSocket.prototype.send = function (data) {
                        if (JSON.parse(data).type === 'act') actFrames++;
                        return send.call(this, data);
                      };
                    })()""");
            waitFor(page, "the player's move", "!!document.querySelector('#your-move button:not([disabled])')", 30_000);
            String did = (String) page.eval(MOVE.replace("b.click()", "(b.click(), b.click())"));
            assertTrue(did, did.startsWith("clicked"));
            waitFor(page, "the move's answer", "!ludus.state.busy", 5_000);
            Thread.sleep(300);
            assertEquals("one act frame for a double click", 1L, ((Number) page.eval("actFrames")).longValue());
            assertFalse("no refusal shown: " + page.eval("document.querySelector('#notice').textContent"),
                    (Boolean) page.eval("!!document.querySelector('#notice.error')"));

            // Out of turn, the refusal names the player to move as the page does, not by the server's seat index.
            waitFor(page, "another seat's move", "ludus.state.allowed.length === 0 && ludus.state.game.toMove !== ludus.state.seat"
                    + " && ['DECLARATION', 'TURN'].includes(ludus.state.game.phase)", 15_000);
            @SuppressWarnings("unchecked")
            Map<String, Object> refusal = (Map<String, Object>) page.eval("""
                    (() => {
                      const g = ludus.state.game;
                      const toMove = ludus.state.room.seats[g.toMove].name;
                      const move = g.phase === 'DECLARATION' ? ludus.actions.act('declare', {piles: 1})
                        : ludus.actions.act('play', {pieces: [g.hand[0]]});
                      return move.then(() => ({}), (e) => ({
                        code: e.code, message: e.message, toMove: toMove, shown: document.querySelector('#notice').textContent
                      }));
                    })()""");
            System.out.println("BrowserResumeIT: an out-of-turn move was answered " + refusal);
            assertEquals("not_your_turn", refusal.get("code"));
            String shown = (String) refusal.get("shown");
            assertTrue(shown, shown.contains((String) refusal.get("toMove")));
            assertFalse(shown, shown.matches(".*\\bseat \\d.*"));
        });
    }

    /** Clicks one of the choices of the player's move (keeps the hand, declares, or plays an option). */
    private static final String MOVE = """
            (() => {
              const b = document.querySelector('#redeal-decline') || document.querySelector('button.declare')
                || document.querySelector('button.play-option');
              if (!b) return 'nothing to click';
              b.click();
              return 'clicked ' + b.textContent;
            })()""";

    private interface BrowserSteps {
        void run(Chromium browser, Chromium.Page page) throws Exception;
    }

    /** Runs steps in a fresh browser profile (a new player), leaving a screenshot if they fail. */
    private static void inBrowser(String name, BrowserSteps steps) throws Exception {
        try (Chromium browser = new Chromium(work)) {
            try {
                steps.run(browser, browser.page());
            } catch (Throwable t) {
                browser.screenshot(work.resolve("browser-resume-" + name + "-failure.png"));
                throw t;
            }
            assertEquals("no script errors in the page", List.of(), browser.pageErrors());
        }
    }

    private static void enterWaitingRoom(Chromium.Page page, String base, String name) throws Exception {
        page.navigate(base + "/");
        waitFor(page, "connected", CONNECTED, 20_000);
        waitFor(page, "the lobby", "!!document.querySelector('#create-form')", 10_000);
        page.eval("document.querySelector('#name').value = " + Chromium.quote(name));
        page.eval("document.querySelector('#max-rounds').value = '1'");
        page.eval("document.querySelector('#create').click()");
        waitFor(page, "the waiting room", "!!document.querySelector('#fill-bots')", 10_000);
    }

    private static void startGame(Chromium.Page page) throws Exception {
        waitFor(page, "the fill button", "!!document.querySelector('#fill-bots:not([disabled])')", 10_000);
        page.eval("document.querySelector('#fill-bots').click()");
        waitFor(page, "three bots seated", "document.querySelectorAll('.seats .remove-bot').length === 3 && !ludus.state.busy", 10_000);
        page.eval("document.querySelector('#start').click()");
        waitFor(page, "the game", "!!document.querySelector('#game-phase')", 10_000);
    }

    /** Presses Enter or Space on the focused element, as a keyboard does. */
    private static void press(Chromium.Page page, String key) throws Exception {
        if ("Tab".equals(key)) {
            page.call("Input.dispatchKeyEvent", Map.of("type", "keyDown", "key", "Tab", "code", "Tab", "windowsVirtualKeyCode", 9));
            page.call("Input.dispatchKeyEvent", Map.of("type", "keyUp", "key", "Tab", "code", "Tab", "windowsVirtualKeyCode", 9));
            return;
        }
        boolean space = " ".equals(key);
        Map<String, Object> down = Map.of("type", "keyDown", "key", key, "code", space ? "Space" : key,
                "windowsVirtualKeyCode", space ? 32 : 13, "text", space ? " " : "\r");
        page.call("Input.dispatchKeyEvent", down);
        page.call("Input.dispatchKeyEvent", Map.of("type", "keyUp", "key", key, "code", space ? "Space" : key,
                "windowsVirtualKeyCode", space ? 32 : 13));
    }

    /** With -Dludus.browser.screenshots=DIR, leaves pictures of the client along the way. */
    private static void shot(Chromium.Page page, String name) {
        String dir = System.getProperty("ludus.browser.screenshots");
        if (dir != null && !dir.isBlank()) {
            page.screenshot(Path.of(dir).resolve("resume-" + name + ".png"));
        }
    }

    private static void waitFor(Chromium.Page page, String what, String condition, long millis) throws Exception {
        Wait.until(what, millis, () -> Boolean.TRUE.equals(page.eval(condition)));
    }
}
