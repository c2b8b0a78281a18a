package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the browser client shows a person through a short game, on a desktop window and on a phone
 * 390 px wide: an axe accessibility scan finds nothing serious or critical in the lobby, the
 * waiting room and the game; on the phone nothing scrolls sideways and the hand and the move
 * buttons are on screen on the player's turn; piece names are legible and inside their pieces;
 * the keyboard's focus is ringed; a countdown runs on the player's move; a won turn is held with
 * its winner marked; the round's summary shows between rounds; the log keeps every event in order;
 * the game's end ranks the players and "Play again" opens a new room with bots. With -Dludus.browser.screenshots=DIR it leaves a picture of each step at
 * both sizes there (the README's pictures come from a run with {@code ../docs/client}).
 */
public class BrowserLookIT {

    private static final int PHONE_WIDTH = 390;
    private static final int PHONE_HEIGHT = 844;
    private static final int DESKTOP_WIDTH = 1280;
    private static final int DESKTOP_HEIGHT = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> serious = new ArrayList<>();

    @Test
    public void theClientIsAccessibleFitsAPhoneAndShowsTurnsRoundsAndTheEnd() throws Exception {
        Chromium.require(BrowserLookIT.class, 1);
        try (Distribution d = Distribution.copy()) {
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 150\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            Path work = Path.of(System.getProperty("ludus.itest.work"));
            try (Chromium browser = new Chromium(work)) {
                Chromium.Page page = browser.page();
                try {
                    walkThrough(page, d.base());
                } catch (Throwable t) {
                    page.screenshot(work.resolve("browser-look-failure.png"));
                    throw t;
                }
                assertEquals("no script errors in the page", List.of(), page.pageErrors());
            }
        }
        assertEquals("serious or critical accessibility violations", List.of(), serious);
    }

    private void walkThrough(Chromium.Page page, String base) throws Exception {
        page.navigate(base + "/");
        waitFor(page, "the lobby", "document.querySelector('#status').dataset.status === 'connected'"
                + " && !!document.querySelector('#create-form')", 20_000);
        page.eval("document.querySelector('#name').value = 'Ann'");
        page.eval("document.querySelector('#room-name').value = 'Look table'");
        page.eval("document.querySelector('#max-rounds').value = '2'");
        checkBothSizes(page, "lobby");
        checkFocusRing(page);
        page.eval("document.querySelector('#create').click()");
        waitFor(page, "the waiting room", "!!document.querySelector('#fill-bots:not([disabled])')", 10_000);
        page.eval("document.querySelector('#fill-bots').click()");
        waitFor(page, "three bots seated", "document.querySelectorAll('.seats .remove-bot').length === 3", 10_000);
        checkBothSizes(page, "waiting-room");
        String firstRoom = (String) page.eval("ludus.state.room.roomId");
        page.eval("document.querySelector('#start').click()");

        waitFor(page, "the player's turn", "!!document.querySelector('#your-move button:not([disabled])')", 20_000);
        checkBothSizes(page, "declaration");
        checkPhoneLayoutOnTurn(page);
        long left = ((Number) page.eval("Number(document.querySelector('#countdown [data-until]').textContent)")).longValue();
        assertTrue("a countdown to the bot's move for an idle player: " + left, left > 0 && left <= 30);
        page.eval("document.querySelector('#rules summary').click()");
        assertTrue("the rules open from the game", (Boolean) page.eval(
                "document.querySelector('#rules').open && document.querySelector('#rules').textContent.includes('Scoring')"));
        page.eval("document.querySelector('#rules summary').click()");

        boolean sawWonTurn = false;
        boolean sawSummary = false;
        boolean phoneOnPlay = false;
        long end = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < end) {
            if (!sawWonTurn && Boolean.TRUE.equals(page.eval("!!document.querySelector('#table.won .play.winning')"))) {
                // The turn stays on the table, its winner marked, for a moment after it is won.
                checkBothSizes(page, "turn-won");
                sawWonTurn = true;
                // The rest of the game may go faster: the pictures are taken.
                page.eval("ludus.pace = 0.25");
            }
            if (!sawSummary && Boolean.TRUE.equals(page.eval("!!document.querySelector('#round-summary')"))) {
                assertEquals("the summary has a line per player", 4L,
                        ((Number) page.eval("document.querySelectorAll('#round-summary tbody tr').length")).longValue());
                assertTrue("it says which round", (Boolean) page.eval(
                        "document.querySelector('#round-summary h3').textContent.includes('Round 1')"));
                waitFor(page, "the next round while the summary shows",
                        "ludus.state.game.round === 2 && !!document.querySelector('#round-summary')", 10_000);
                checkBothSizes(page, "round-summary");
                sawSummary = true;
            }
            if (!phoneOnPlay && Boolean.TRUE.equals(page.eval("!!document.querySelector('#play-selected')"
                    + " && !ludus.state.busy"))) {
                checkPhoneLayoutOnTurn(page);
                phoneOnPlay = true;
            }
            // A round's summary shows until the next round's first turn, which waits for this
            // player's declaration: the page declares only once the summary was looked at (a
            // declaration in the same poll that the summary appeared would hide it unseen).
            String step = (String) page.eval(sawSummary ? BrowserIT.PLAY_STEP
                    : "document.querySelector('#round-summary') ? 'summary' : " + BrowserIT.PLAY_STEP);
            if ("over".equals(step)) {
                break;
            }
            Thread.sleep(40);
        }
        assertTrue("a won turn was held on the table", sawWonTurn);
        assertTrue("the phone layout was checked on a turn to play pieces", phoneOnPlay);
        assertTrue("the round's summary showed before the next round", sawSummary);
        waitFor(page, "the game's end", "!!document.querySelector('#game-over table.ranking')", 10_000);
        List<Long> ranked = longs(page.eval("JSON.stringify(Array.from(document.querySelectorAll('#game-over tbody tr'))"
                + ".map((r) => Number(r.querySelector('.final-score').textContent)))"));
        assertEquals(4, ranked.size());
        for (int i = 1; i < ranked.size(); i++) {
            assertTrue("ranked by score, best first: " + ranked, ranked.get(i - 1) >= ranked.get(i));
        }
        assertTrue("it says why the game ended", (Boolean) page.eval(
                "document.querySelector('#over-reason').textContent.length > 0"));
        checkBothSizes(page, "game-over");
        assertEquals("the log holds every event in the order it was sent", Boolean.TRUE, page.eval(
                "ludus.state.log.every((e, i, all) => i === 0 || e.seq > all[i - 1].seq)"));

        page.eval("document.querySelector('#play-again').click()");
        waitFor(page, "a new room with the player and three bots", "!!ludus.state.room && ludus.state.room.state === 'WAITING'"
                + " && document.querySelectorAll('.seats .remove-bot').length === 3", 15_000);
        assertNotEquals("a new room", firstRoom, page.eval("ludus.state.room.roomId"));
        assertEquals("the same name", "Look table", page.eval("ludus.state.room.name"));
        assertTrue((Boolean) page.eval("document.querySelector('.seats').textContent.includes('Ann you')"));
    }

    /**
     * On a phone, on the player's turn, at the top of the page: nothing is wider than the screen,
     * and the move buttons and the hand are on screen.
     */
    private static void checkPhoneLayoutOnTurn(Chromium.Page page) throws Exception {
        page.viewport(PHONE_WIDTH, PHONE_HEIGHT, true);
        try {
            page.eval("window.scrollTo(0, 0)");
            Thread.sleep(100);
            assertEquals("no horizontal scrolling at " + PHONE_WIDTH + " px", Boolean.TRUE,
                    page.eval("document.documentElement.scrollWidth <= window.innerWidth"));
            for (String what : List.of("#your-move", "#hand")) {
                assertEquals(what + " is on screen without scrolling: " + page.eval("JSON.stringify(document.querySelector('"
                        + what + "').getBoundingClientRect())"), Boolean.TRUE, page.eval("(() => { const r = document.querySelector('"
                        + what + "').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight"
                        + " && r.left >= 0 && r.right <= window.innerWidth; })()"));
            }
            assertEquals("the move buttons are at least 44 px tall", Boolean.TRUE, page.eval(
                    "Array.from(document.querySelectorAll('#your-move button')).every((b) => b.getBoundingClientRect().height >= 44)"));
        } finally {
            page.viewport(DESKTOP_WIDTH, DESKTOP_HEIGHT, false);
        }
    }

    /**
     * Takes the page's picture and scans it, on a desktop window and on a phone (the pictures
     * first: what they show may last only a moment).
     */
    private void checkBothSizes(Chromium.Page page, String name) throws Exception {
        page.viewport(DESKTOP_WIDTH, DESKTOP_HEIGHT, false);
        shot(page, name + "-desktop");
        page.viewport(PHONE_WIDTH, PHONE_HEIGHT, true);
        shot(page, name + "-" + PHONE_WIDTH);
        scan(page, name + " (" + PHONE_WIDTH + " px)");
        assertEquals("no horizontal scrolling at " + PHONE_WIDTH + " px in " + name, Boolean.TRUE,
                page.eval("document.documentElement.scrollWidth <= window.innerWidth"));
        checkPieceLabels(page, name + " at " + PHONE_WIDTH + " px");
        page.viewport(DESKTOP_WIDTH, DESKTOP_HEIGHT, false);
        scan(page, name + " (desktop)");
        checkPieceLabels(page, name + " on the desktop");
    }

    /** A control reached with the Tab key shows a focus ring at least 2 px wide. */
    private static void checkFocusRing(Chromium.Page page) throws Exception {
        page.eval("document.activeElement && document.activeElement.blur()");
        for (String type : List.of("keyDown", "keyUp")) {
            page.call("Input.dispatchKeyEvent", Map.of("type", type, "key", "Tab", "code", "Tab",
                    "windowsVirtualKeyCode", 9));
        }
        assertEquals("a focus ring on " + page.eval("document.activeElement.outerHTML.slice(0, 80)"), Boolean.TRUE,
                page.eval("(() => { const st = getComputedStyle(document.activeElement);"
                        + " return document.activeElement.matches(':focus-visible') && st.outlineStyle === 'solid'"
                        + " && parseFloat(st.outlineWidth) >= 2; })()"));
    }

    /** Every piece's name is at least 9 px and fits inside the piece. */
    private static void checkPieceLabels(Chromium.Page page, String where) throws Exception {
        assertEquals("piece names legible and inside their pieces, " + where + ": ", "[]", page.eval(
                "JSON.stringify(Array.from(document.querySelectorAll('.piece small')).filter((s) =>"
                        + " s.scrollWidth > s.clientWidth || parseFloat(getComputedStyle(s).fontSize) < 9)"
                        + ".map((s) => s.textContent + ' ' + getComputedStyle(s).fontSize + ' ' + s.scrollWidth + '>' + s.clientWidth))"));
    }

    /** Runs axe-core in the page; prints every violation, keeps the serious and critical ones. */
    private void scan(Chromium.Page page, String where) throws Exception {
        if (Boolean.FALSE.equals(page.eval("typeof axe !== 'undefined'"))) {
            page.eval(axeScript());
        }
        String found = (String) page.eval("axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify("
                + "r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,"
                + " nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + (n.any[0] ? n.any[0].message : '')) }))))");
        List<Map<String, Object>> violations = JSON.readValue(found, new TypeReference<>() {
        });
        System.out.println("axe, " + where + ": " + (violations.isEmpty() ? "no violations" : violations.size() + " violation(s)"));
        for (Map<String, Object> v : violations) {
            String line = where + ": " + v.get("impact") + " " + v.get("id") + " — " + v.get("help") + " " + v.get("nodes");
            System.out.println("  " + line);
            if ("serious".equals(v.get("impact")) || "critical".equals(v.get("impact"))) {
                serious.add(line);
            }
        }
    }

    private static String axeScript() throws Exception {
        String resource = System.getProperty("ludus.axe.script");
        try (InputStream in = BrowserLookIT.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError("axe-core is not on the test class path at " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<Long> longs(Object json) throws Exception {
        return JSON.readValue((String) json, new TypeReference<>() {
        });
    }

    private static void shot(Chromium.Page page, String name) throws Exception {
        String dir = System.getProperty("ludus.browser.screenshots");
        if (dir != null && !dir.isBlank()) {
            Files.createDirectories(Path.of(dir));
            page.screenshot(Path.of(dir).resolve(name + ".png"));
        }
    }

    private static void waitFor(Chromium.Page page, String what, String condition, long millis) throws Exception {
        Wait.until(what, millis, () -> Boolean.TRUE.equals(page.eval(condition)));
    }
}
