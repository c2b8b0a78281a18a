package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The console's Ludus pages in headless Chromium against the distribution: values that arrive by
 * the pages' live refresh, hostile room names among them, are shown as text and never run, the
 * Overview's figures move without a reload, and an operator ends a running game from a room's view
 * (the form the page offers, posted by the browser) and its player is told.
 */
public class ConsoleBrowserIT {

    static final String IMG = "<img src=x onerror=window.pwned=1>";

    @Test
    public void liveRefreshShowsNewRoomsAsTextAndMovesTheOverviewsFigures() throws Exception {
        Chromium.require(ConsoleBrowserIT.class, 1);
        try (Distribution d = Distribution.copy()) {
            d.start().awaitHealthy();
            d.awaitGateway();
            URI ws = URI.create(d.base().replace("http://", "ws://") + "/ws");
            Path work = Path.of(System.getProperty("ludus.itest.work"));
            try (Chromium browser = new Chromium(work); ProtocolClient player = ProtocolClient.hello(ws, "Host")) {
                String auth = Base64.getEncoder().encodeToString(("admin:" + d.password())
                        .getBytes(StandardCharsets.UTF_8));
                browser.page().call("Network.enable", Map.of());
                browser.page().call("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization",
                        "Basic " + auth)));
                try {
                    player.ok("create_room", Map.of("game", "liap-tui", "name", "<script>window.pwned=2</script>"));
                    browser.navigate(d.base() + "/system/console/ludus-rooms?q=pwned");
                    waitFor(browser, "the rooms page", "document.querySelectorAll('tbody[data-rows] tr').length === 1",
                            20_000);
                    // A room made after the page loaded arrives by the live refresh, through the script.
                    player.ok("create_room", Map.of("game", "liap-tui", "name", IMG));
                    waitFor(browser, "the new room shown by the refresh", "[...document.querySelectorAll("
                            + "'tbody[data-rows] td a')].some(a => a.textContent === " + Chromium.quote(IMG) + ")",
                            20_000);
                    assertEquals("the names are text, nothing of them ran", Boolean.TRUE, browser.eval(
                            "window.pwned === undefined && document.querySelectorAll('.ludus img, .ludus script').length === 0"));

                    browser.navigate(d.base() + "/system/console/ludus");
                    waitFor(browser, "the overview", "!!document.querySelector('[data-k=\"rooms.waiting\"]')", 20_000);
                    long before = ((Number) browser.eval(
                            "Number(document.querySelector('[data-k=\"rooms.waiting\"]').textContent)")).longValue();
                    player.ok("create_room", Map.of("game", "liap-tui", "name", "one more"));
                    waitFor(browser, "the waiting rooms counted again without a reload", "Number(document.querySelector("
                            + "'[data-k=\"rooms.waiting\"]').textContent) === " + (before + 1), 20_000);
                    assertTrue((Boolean) browser.eval(
                            "document.querySelector('[data-ludus-stamp]').textContent.startsWith('(updated')"));

                    // A form the Web Console's page posts, sent as a browser sends it under the node's
                    // Referrer-Policy: no-referrer (Origin: null, Sec-Fetch-Site: same-origin).
                    browser.navigate(d.base() + "/system/console/configMgr");
                    waitFor(browser, "the configuration page", "document.readyState === 'complete'", 20_000);
                    browser.eval("(() => { const f = document.createElement('form'); f.method = 'POST';"
                            + " f.action = '/system/console/configMgr/dev.ludus.itest.browser';"
                            + " for (const [k, v] of [['apply', 'true'], ['action', 'ajaxConfigManager'],"
                            + " ['propertylist', 'color'], ['color', 'green']]) { const i = document.createElement('input');"
                            + " i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }"
                            + " document.body.appendChild(f); f.submit(); return true; })()");
                    waitFor(browser, "the form's answer", "location.pathname.endsWith('dev.ludus.itest.browser')"
                            + " && document.readyState === 'complete'", 20_000);
                    Object answer = browser.eval("performance.getEntriesByType('navigation')[0].responseStatus + ' '"
                            + " + document.body.textContent.slice(0, 200)");
                    assertTrue("the console's own form post from the browser: " + answer,
                            String.valueOf(answer).startsWith("200 ") || String.valueOf(answer).startsWith("302 "));

                    try (ProtocolClient seated = ProtocolClient.hello(ws, "Seated")) { // Host made its 3 rooms
                        endsARunningGameFromTheRoomsView(d, browser, seated);
                    }
                } catch (Throwable t) {
                    browser.screenshot(work.resolve("console-browser-failure.png"));
                    throw t;
                }
                assertEquals("no script errors in the pages", List.of(), browser.pageErrors());
            }
        }
    }

    /** Opens the player's running game in the Rooms page and ends it with the page's own form. */
    @SuppressWarnings("unchecked")
    private static void endsARunningGameFromTheRoomsView(Distribution d, Chromium browser, ProtocolClient player)
            throws Exception {
        String room = LiapTuiPlayer.startAgainstBots(player, "to be ended", Map.of());
        browser.navigate(d.base() + "/system/console/ludus-rooms?q=" + java.net.URLEncoder.encode("to be ended",
                StandardCharsets.UTF_8));
        waitFor(browser, "the room in the list", "[...document.querySelectorAll('tbody[data-rows] td a')]"
                + ".some(a => a.textContent === 'to be ended')", 20_000);
        browser.eval("[...document.querySelectorAll('tbody[data-rows] td a')].find(a => a.textContent === 'to be ended')"
                + ".click()");
        waitFor(browser, "the room's view with its end form", "!!document.querySelector('#ludus-end-room')", 20_000);
        assertTrue(player.messages().stream().noneMatch(ProtocolClient::isGameOver));
        browser.eval("document.querySelector('#ludus-end-room input[name=reason]').value = 'closing time';"
                + "document.querySelector('#ludus-end-room button').click(); true");
        waitFor(browser, "the page saying the game ended", "!!document.querySelector('.ludus-done') && document"
                + ".querySelector('.ludus-done').textContent.startsWith('Game ended')", 20_000);
        assertTrue(String.valueOf(browser.eval("location.search")), String.valueOf(browser.eval("location.search"))
                .contains("room=" + room));
        Map<String, Object> over = player.await("game_over", ProtocolClient::isGameOver, 10_000);
        Map<String, Object> data = (Map<String, Object>) over.get("data");
        assertEquals("closing time", data.get("reason"));
        assertEquals("admin", data.get("endedBy"));
        waitFor(browser, "the view showing the room finished", "document.querySelector('[data-k=\"room.state\"]')"
                + ".textContent === 'FINISHED'", 20_000);
    }

    private static void waitFor(Chromium browser, String what, String condition, long millis) throws Exception {
        Wait.until(what, millis, () -> Boolean.TRUE.equals(browser.eval(condition)));
    }
}
