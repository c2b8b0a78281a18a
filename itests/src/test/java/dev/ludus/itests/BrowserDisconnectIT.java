package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The browser client at {@code /} when an operator disconnects its player from the console (close
 * code 4004): it shows the operator's reason as text, does not reconnect by itself, and comes back
 * (the same player, its seat) only when the player presses Reconnect.
 */
public class BrowserDisconnectIT {

    private static final String STATUS = "document.querySelector('#status').dataset.status";
    private static final String REASON = "<img src=x onerror=window.pwned=1> spam & 'abuse'";

    @Test
    public void anOperatorsDisconnectShowsTheReasonAsTextAndTheClientWaitsForThePlayer() throws Exception {
        Chromium.require(BrowserDisconnectIT.class, 1);
        Path work = Path.of(System.getProperty("ludus.itest.work"));
        try (Distribution d = Distribution.copy()) {
            d.start().awaitHealthy();
            d.awaitGateway();
            try (Chromium browser = new Chromium(work)) {
                try {
                    browser.navigate(d.base() + "/");
                    waitFor(browser, "connected", STATUS + " === 'connected'", 20_000);
                    waitFor(browser, "the lobby", "!!document.querySelector('#create-form')", 10_000);
                    browser.eval("document.querySelector('#name').value = 'Kicked'");
                    browser.eval("document.querySelector('#create').click()");
                    waitFor(browser, "the waiting room", "!!document.querySelector('#fill-bots')", 10_000);
                    String player = (String) browser.eval("ludus.state.playerId");

                    HttpResponse<String> r = disconnect(d, player);
                    assertEquals(r.body(), 200, r.statusCode());
                    assertEquals(4004, new ObjectMapper().readTree(r.body()).get("closeCode").asInt());

                    waitFor(browser, "the client says it was disconnected", STATUS + " === 'disconnected'", 5_000);
                    assertEquals("the reason, as text", "Disconnected by an operator: " + REASON + ".",
                            browser.eval("document.querySelector('#kicked-reason').textContent"));
                    assertEquals("nothing of the reason ran or became an element", Boolean.TRUE, browser.eval(
                            "window.pwned === undefined && document.querySelectorAll('#banner img').length === 0"));
                    // A drop would be retried within a second; the client waits for the player.
                    Thread.sleep(3000);
                    assertEquals("still disconnected", "disconnected", browser.eval(STATUS));
                    assertEquals("no socket of its own", Boolean.TRUE, browser.eval("ludus.socket === null"));
                    String state = new ObjectMapper().readTree(players(d, player)).at("/players/0/state").asText();
                    assertTrue("the gateway holds the player as away, not connected: " + state, state.startsWith("away"));
                    browser.eval("window.dispatchEvent(new Event('online'))");
                    Thread.sleep(500);
                    assertEquals("the browser's online event does not bring it back either", "disconnected",
                            browser.eval(STATUS));

                    browser.eval("document.querySelector('#reconnect').click()");
                    waitFor(browser, "connected again", STATUS + " === 'connected'", 10_000);
                    assertEquals("the same player resumed", player, browser.eval("ludus.state.playerId"));
                    waitFor(browser, "back in the waiting room", "!!document.querySelector('#fill-bots')", 10_000);
                    assertEquals(Boolean.TRUE, browser.eval("document.querySelector('#banner').hidden"));
                } catch (Throwable t) {
                    browser.screenshot(work.resolve("browser-disconnect-failure.png"));
                    throw t;
                }
                assertEquals("no script errors in the page", List.of(), browser.pageErrors());
            }
        }
    }

    private static HttpResponse<String> disconnect(Distribution d, String player) throws Exception {
        String body = "action=disconnect&player=" + java.net.URLEncoder.encode(player, StandardCharsets.UTF_8)
                + "&reason=" + java.net.URLEncoder.encode(REASON, StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(d.base() + "/system/console/ludus-players.json"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", auth(d))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static String players(Distribution d, String player) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(d.base() + "/system/console/ludus-players.json?q="
                        + java.net.URLEncoder.encode(player, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).header("Authorization", auth(d)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String auth(Distribution d) throws Exception {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + d.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static void waitFor(Chromium browser, String what, String condition, long millis) throws Exception {
        Wait.until(what, millis, () -> Boolean.TRUE.equals(browser.eval(condition)));
    }
}
