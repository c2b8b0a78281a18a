package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The web defences (bundle ludus-web-security) against real HTTP requests on raw sockets: the Web
 * Console refuses cross-site writes and locks out an address after wrong passwords, every page
 * carries security headers, TRACE is refused, and a connection that dribbles its request head is
 * closed. Lockout tests connect from their own loopback address (127.0.0.x) so they lock out no
 * other test.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WebSecurityIT {

    private static final String EVIL = "http://evil.example";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("websecurity", List.of());
    }

    /**
     * Short limits so the test runs in seconds, applied live through ConfigAdmin (which also
     * proves the components follow a configuration change).
     */
    @Before
    public void shortLimits() throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.web", "?");
        Dictionary<String, Object> wanted = shortLimitSettings();
        Dictionary<String, Object> stored = c.getProperties();
        boolean same = stored != null;
        for (String key : java.util.Collections.list(wanted.keys())) {
            same &= stored != null && wanted.get(key).equals(stored.get(key));
        }
        if (!same) {
            Configurations.save(configAdmin, "dev.ludus.web", wanted);
        }
        Wait.until("dev.ludus.web applied", 10_000,
                () -> Long.valueOf(2).equals(health("http-connections").details().get("headerTimeoutSeconds"))
                        && Long.valueOf(2).equals(health("web").details().get("lockoutSeconds")), this::configurationState);
    }

    private static Dictionary<String, Object> shortLimitSettings() {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("maxLoginFailures", 5);
        p.put("loginFailureWindowSeconds", 60);
        p.put("lockoutSeconds", 2);
        p.put("maxLockoutSeconds", 4);
        p.put("headerTimeoutSeconds", 2);
        return p;
    }

    @Test
    public void aBadSettingIsRefusedShownInHealthAndTheLastGoodSettingsStay() throws Exception {
        // Out of its metatype's type: the configuration guard refuses it before the bundle sees it.
        Dictionary<String, Object> bad = shortLimitSettings();
        bad.put("maxLoginFailures", "banana");
        Configurations.save(configAdmin, "dev.ludus.web", bad);
        try {
            Wait.until("refusal in health", 10_000, () -> health("configuration").details().get("dev.ludus.web") != null);
            String refusal = String.valueOf(health("configuration").details().get("dev.ludus.web"));
            assertTrue(refusal, refusal.contains("maxLoginFailures = 'banana'"));
            assertEquals("the last good value stays", 5, ((Number) health("web").details().get("maxLoginFailures")).intValue());
            Reply page = send("127.0.0.1", "GET", "/", Map.of(), null);
            assertEquals("the defences stay on", "DENY", page.header("X-Frame-Options"));
        } finally {
            // A value that differs from the last good one shows when this configuration has reached the
            // bundle (a refused one changes nothing that health shows, hence save() waits for its delivery).
            Dictionary<String, Object> good = shortLimitSettings();
            good.put("lockoutSeconds", 3);
            Configurations.save(configAdmin, "dev.ludus.web", good);
        }
        Wait.until("refusal cleared", 30_000, () -> health("configuration").details().get("dev.ludus.web") == null
                && Long.valueOf(3).equals(health("web").details().get("lockoutSeconds")), this::configurationState);

        // Well typed but meaningless (no metatype rule can say so): the bundle refuses it itself.
        bad = shortLimitSettings();
        bad.put("allowedOrigins", new String[] {"not an origin"});
        Configurations.save(configAdmin, "dev.ludus.web", bad);
        try {
            Wait.until("refusal in health", 10_000, () -> health("web").status().name().equals("DEGRADED"));
            HealthResult web = health("web");
            assertTrue(web.reason(), web.reason().startsWith("bad_setting: dev.ludus.web allowedOrigins"));
            assertEquals("the last good value stays", 5, ((Number) web.details().get("maxLoginFailures")).intValue());
            Reply page = send("127.0.0.1", "GET", "/", Map.of(), null);
            assertEquals("the defences stay on", "DENY", page.header("X-Frame-Options"));
        } finally {
            Configurations.save(configAdmin, "dev.ludus.web", shortLimitSettings());
        }
        Wait.until("refusal cleared", 30_000, () -> health("web").status().name().equals("UP")
                && Long.valueOf(2).equals(health("web").details().get("lockoutSeconds")), this::configurationState);
    }

    /**
     * A bad save fixed at once, again and again, as a script might: every good save reaches the
     * bundle's components. Felix SCR can record a save that lands while it reads the one before as
     * delivered with the older values; the configuration guard notices a component left on them
     * and saves the configuration again (saves here do not wait for the one before on purpose).
     */
    @Test
    public void aBadSaveFixedAtOnceReachesTheComponentsEveryTime() throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.web", "?");
        for (int i = 0; i < 150; i++) {
            Dictionary<String, Object> bad = shortLimitSettings();
            bad.put("maxLoginFailures", "banana");
            c.update(bad);
            // Asked without pause, so the good save follows the refusal's first sight as closely as it can.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (health("configuration").details().get("dev.ludus.web") == null) {
                assertTrue("refusal in health within 10 s", System.nanoTime() < deadline);
            }
            Dictionary<String, Object> good = shortLimitSettings();
            long want = 3 + i % 2;
            good.put("lockoutSeconds", want);
            c.update(good);
            int round = i;
            Wait.until("round " + round + ": lockoutSeconds " + want + " in force", 10_000,
                    () -> Long.valueOf(want).equals(health("web").details().get("lockoutSeconds"))
                            && health("configuration").details().get("dev.ludus.web") == null, this::configurationState);
        }
        System.out.println("150 bad saves fixed at once: saves a component missed, saved again by the configuration guard: "
                + health("configuration").details().get("missedDeliveriesSavedAgain"));
        Configurations.save(configAdmin, "dev.ludus.web", shortLimitSettings());
        Wait.until("short limits again", 10_000,
                () -> Long.valueOf(2).equals(health("web").details().get("lockoutSeconds")), this::configurationState);
    }

    @Test
    public void aValidSaveClearsARefusalWhileTheBundleIsStopped() throws Exception {
        Dictionary<String, Object> bad = shortLimitSettings();
        bad.put("lockoutSeconds", "soon");
        Configurations.save(configAdmin, "dev.ludus.web", bad);
        Wait.until("refusal in health", 10_000, () -> health("configuration").details().get("dev.ludus.web") != null,
                this::configurationState);
        org.osgi.framework.Bundle webSecurity = null;
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if ("dev.ludus.web.security".equals(b.getSymbolicName())) {
                webSecurity = b;
            }
        }
        assertNotNull(webSecurity);
        webSecurity.stop();
        try {
            // No component receives this save: the guard checks it as stored.
            Dictionary<String, Object> good = shortLimitSettings();
            good.put("lockoutSeconds", 3);
            Configurations.save(configAdmin, "dev.ludus.web", good);
            Wait.until("refusal cleared with the bundle stopped", 10_000,
                    () -> health("configuration").details().get("dev.ludus.web") == null, this::configurationState);
        } finally {
            webSecurity.start();
        }
        Wait.until("the saved settings in force", 10_000,
                () -> Long.valueOf(3).equals(health("web").details().get("lockoutSeconds")), this::configurationState);
        Configurations.save(configAdmin, "dev.ludus.web", shortLimitSettings());
        Wait.until("short limits again", 10_000,
                () -> Long.valueOf(2).equals(health("web").details().get("lockoutSeconds")), this::configurationState);
    }

    /** What a configuration wait sees: the stored settings and both health checks that show them. */
    private Object configurationState() throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.web", "?");
        return "stored (change " + c.getChangeCount() + "): " + c.getProperties() + "; configuration health: "
                + health("configuration").details() + "; web health: " + health("web").status() + " "
                + health("web").details() + "; http-connections: " + health("http-connections").details();
    }

    /** A raw HTTP/1.1 exchange: status, headers (lower-case names) and body. */
    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private int port() {
        return Integer.parseInt(context.getProperty("org.osgi.service.http.port"));
    }

    private String password() {
        return context.getProperty("ludus.itest.password");
    }

    private String self() {
        return "http://127.0.0.1:" + port();
    }

    private Reply send(String from, String method, String path, Map<String, String> headers, String body) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port()
                    + "\r\nConnection: close\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                req.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ").append(content.length)
                        .append("\r\n");
            }
            req.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            String raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = raw.indexOf("\r\n\r\n");
            String[] lines = raw.substring(0, end).split("\r\n");
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                h.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), h, raw.substring(end + 4));
        }
    }

    private static Map<String, String> auth(String password, String... more) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i + 1 < more.length; i += 2) {
            h.put(more[i], more[i + 1]);
        }
        return h;
    }

    /** What the console's configuration page posts to create a configuration. */
    private static String createForm(String value) {
        return "apply=true&action=ajaxConfigManager&propertylist=color&color=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private boolean configExists(String pid) throws Exception {
        return configAdmin.listConfigurations("(service.pid=" + pid + ")") != null;
    }

    @Test
    public void crossSiteConsolePostIsRefusedAndChangesNothing() throws Exception {
        String pid = "dev.ludus.itest.csrf.evil";
        Reply r = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid, auth(password(), "Origin", EVIL), createForm("red"));
        assertEquals(r.toString(), 403, r.status());
        Reply byReferer = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid,
                auth(password(), "Referer", EVIL + "/attack.html"), createForm("red"));
        assertEquals(byReferer.toString(), 403, byReferer.status());
        Reply opaque = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid, auth(password(), "Origin", "null"), createForm("red"));
        assertEquals(opaque.toString(), 403, opaque.status());
        Reply opaqueCrossSite = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid,
                auth(password(), "Origin", "null", "Sec-Fetch-Site", "cross-site"), createForm("red"));
        assertEquals(opaqueCrossSite.toString(), 403, opaqueCrossSite.status());
        Reply otherPort = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid,
                auth(password(), "Origin", "http://127.0.0.1:1"), createForm("red"));
        assertEquals(otherPort.toString(), 403, otherPort.status());
        Thread.sleep(300);
        assertFalse("a refused cross-site post created no configuration", configExists(pid));
    }

    @Test
    public void sameOriginConsolePostWorks() throws Exception {
        String pid = "dev.ludus.itest.csrf.same";
        Reply r = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid, auth(password(), "Origin", self()), createForm("blue"));
        assertTrue(r.toString(), r.status() < 400);
        Wait.until("configuration created", 5000, () -> configExists(pid));
        String pid2 = "dev.ludus.itest.csrf.referer";
        Reply viaReferer = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid2,
                auth(password(), "Referer", self() + "/system/console/configMgr"), createForm("blue"));
        assertTrue(viaReferer.toString(), viaReferer.status() < 400);
        Wait.until("configuration created", 5000, () -> configExists(pid2));
        // What a browser sends with the console's own posts under Referrer-Policy: no-referrer.
        String pid3 = "dev.ludus.itest.csrf.opaque-same";
        Reply opaqueSameOrigin = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid3,
                auth(password(), "Origin", "null", "Sec-Fetch-Site", "same-origin"), createForm("blue"));
        assertTrue(opaqueSameOrigin.toString(), opaqueSameOrigin.status() < 400);
        Wait.until("configuration created", 5000, () -> configExists(pid3));
    }

    @Test
    public void scriptPostWithoutOriginOrRefererWorks() throws Exception {
        String pid = "dev.ludus.itest.csrf.script";
        Reply r = send("127.0.0.1", "POST", "/system/console/configMgr/" + pid, auth(password()), createForm("green"));
        assertTrue(r.toString(), r.status() < 400);
        Wait.until("configuration created", 5000, () -> configExists(pid));
    }

    @Test
    public void consolePagesCannotBeFramed() throws Exception {
        Reply r = send("127.0.0.1", "GET", "/system/console/bundles", auth(password()), null);
        assertEquals(200, r.status());
        // Only the console itself may frame its pages (its Licenses viewer does); no other site.
        assertEquals("SAMEORIGIN", r.header("X-Frame-Options"));
        assertEquals("frame-ancestors 'self'", r.header("Content-Security-Policy"));
        assertEquals("no-referrer", r.header("Referrer-Policy"));
        Reply challenge = send("127.0.0.1", "GET", "/system/console/bundles", Map.of(), null);
        assertEquals(401, challenge.status());
        assertEquals("the login challenge cannot be framed either", "SAMEORIGIN", challenge.header("X-Frame-Options"));
    }

    @Test
    public void clientPageSendsSecurityHeaders() throws Exception {
        Reply r = send("127.0.0.1", "GET", "/", Map.of(), null);
        assertEquals(200, r.status());
        String csp = r.header("Content-Security-Policy");
        assertNotNull("CSP on /", csp);
        for (String directive : List.of("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "frame-ancestors 'none'")) {
            assertTrue(csp + " has " + directive, csp.contains(directive));
        }
        assertFalse("no inline script allowed: " + csp, csp.contains("unsafe-inline"));
        assertEquals("DENY", r.header("X-Frame-Options"));
        assertEquals("no-referrer", r.header("Referrer-Policy"));
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        Reply health = send("127.0.0.1", "GET", "/health", Map.of(), null);
        assertEquals("DENY", health.header("X-Frame-Options"));
        Reply missing = send("127.0.0.1", "GET", "/no-such-file.js", Map.of(), null);
        assertEquals(404, missing.status());
        assertNotNull("error pages carry the CSP too", missing.header("Content-Security-Policy"));
    }

    @Test
    public void traceIsRefusedOnEveryPath() throws Exception {
        for (String path : List.of("/", "/index.html", "/health", "/ws", "/system/console", "/system/console/bundles", "/no/such/path")) {
            Reply r = send("127.0.0.1", "TRACE", path, Map.of("X-Secret", "echo-me"), null);
            assertEquals("TRACE " + path + ": " + r, 405, r.status());
            assertFalse("TRACE " + path + " echoes nothing", r.body().contains("echo-me"));
        }
        Reply withAuth = send("127.0.0.1", "TRACE", "/system/console", auth(password()), null);
        assertEquals(405, withAuth.status());
        for (String path : List.of("/", "/health")) {
            Reply options = send("127.0.0.1", "OPTIONS", path, Map.of(), null);
            String allow = String.valueOf(options.header("Allow"));
            assertTrue("OPTIONS " + path + " lists what is served: " + allow, allow.contains("GET"));
            assertFalse("OPTIONS " + path + " does not offer TRACE: " + allow, allow.toUpperCase(Locale.ROOT).contains("TRACE"));
        }
    }

    @Test
    public void repeatedWrongPasswordsLockTheAddressOutForAWhile() throws Exception {
        String attacker = "127.0.0.2";
        for (int i = 1; i <= 5; i++) {
            Reply r = send(attacker, "GET", "/system/console/bundles", auth("wrong-" + i), null);
            assertEquals("wrong password " + i, 401, r.status());
        }
        Reply locked = send(attacker, "GET", "/system/console/bundles", auth("wrong-6"), null);
        assertEquals("6th wrong password: " + locked, 429, locked.status());
        assertEquals("2", locked.header("Retry-After"));
        Reply right = send(attacker, "GET", "/system/console/bundles", auth(password()), null);
        assertEquals("the right password is refused too while locked", 429, right.status());
        Reply bystander = send("127.0.0.1", "GET", "/system/console/bundles", auth(password()), null);
        assertEquals("another address is not locked", 200, bystander.status());
        Reply noCredentials = send(attacker, "GET", "/health", Map.of(), null);
        assertTrue("requests without credentials go on: " + noCredentials, noCredentials.status() < 400);

        Thread.sleep(2300);
        for (int i = 1; i <= 5; i++) {
            assertEquals("after the lock, wrong password " + i, 401,
                    send(attacker, "GET", "/system/console/bundles", auth("again-" + i), null).status());
        }
        Reply second = send(attacker, "GET", "/system/console/bundles", auth(password()), null);
        assertEquals(429, second.status());
        assertEquals("the second lockout doubles (capped at 4 s)", "4", second.header("Retry-After"));
        Thread.sleep(4300);
        Reply after = send(attacker, "GET", "/system/console/bundles", auth(password()), null);
        assertEquals("the lock ends", 200, after.status());

        HealthResult web = health("web");
        assertTrue(web.toString(), ((Number) web.details().get("lockouts")).longValue() >= 2);
    }

    @Test
    public void connectionsThatDribbleTheirRequestHeadAreClosed() throws Exception {
        List<Socket> dribblers = new ArrayList<>();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket("127.0.0.1", port());
                s.setSoTimeout(200);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1));
                dribblers.add(s);
            }
            Socket silent = new Socket("127.0.0.1", port());
            silent.setSoTimeout(200);
            dribblers.add(silent);
            long[] closedAt = new long[dribblers.size()];
            while (System.nanoTime() - start < 8_000_000_000L && java.util.Arrays.stream(closedAt).anyMatch(t -> t == 0)) {
                for (int i = 0; i < dribblers.size(); i++) {
                    if (closedAt[i] != 0) {
                        continue;
                    }
                    Socket s = dribblers.get(i);
                    try {
                        if (i < 3) {
                            s.getOutputStream().write('X'); // one header byte at a time, faster than any idle timeout
                            s.getOutputStream().flush();
                        }
                        InputStream in = s.getInputStream();
                        if (in.read() == -1) {
                            closedAt[i] = System.nanoTime();
                        }
                    } catch (SocketTimeoutException e) {
                        // still open
                    } catch (IOException e) {
                        closedAt[i] = System.nanoTime();
                    }
                }
                // A normal client is served meanwhile.
                assertEquals(200, send("127.0.0.1", "GET", "/", Map.of(), null).status());
            }
            for (int i = 0; i < closedAt.length; i++) {
                assertTrue("connection " + i + " was closed", closedAt[i] != 0);
                double seconds = (closedAt[i] - start) / 1e9;
                assertTrue("connection " + i + " closed after " + seconds + " s, deadline 2 s", seconds >= 1.5 && seconds < 4.5);
            }
        } finally {
            for (Socket s : dribblers) {
                s.close();
            }
        }
        HealthResult h = health("http-connections");
        assertEquals(h.toString(), "UP", h.status().name());
        assertTrue(h.toString(), ((Number) h.details().get("slowHeaderClosed")).longValue() >= 4);
    }

    @Test
    public void keepAliveAndWebSocketConnectionsOutliveTheHeaderDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertTrue(readResponseHead(s.getInputStream()).startsWith("HTTP/1.1 200"));
            drainBody(s);
            Thread.sleep(3000); // idle between requests: Jetty's idle timeout governs, not the header deadline
            out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertTrue(readResponseHead(s.getInputStream()).startsWith("HTTP/1.1 200"));
        }
        ProtocolClient ws = ProtocolClient.hello(URI.create("ws://127.0.0.1:" + port() + "/ws"), "patient");
        try {
            Thread.sleep(3000);
            assertNull("the WebSocket is still open", ws.ok("list_rooms", Map.of()).get("error"));
        } finally {
            ws.close();
        }
    }

    private static String readResponseHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        lastContentLength = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                lastContentLength = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text;
    }

    private static int lastContentLength;

    private static void drainBody(Socket s) throws IOException {
        s.getInputStream().readNBytes(lastContentLength);
    }

    private HealthResult health(String name) throws Exception {
        HealthResult h = HealthChecks.find(context, name);
        if (h == null) {
            throw new IllegalStateException("no health check " + name);
        }
        return h;
    }
}
