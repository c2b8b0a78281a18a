package dev.ludus.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Headless Chromium (Debian's {@code chromium}) driven through the DevTools protocol: one browser
 * profile, its first page and any further pages (tabs sharing the profile's storage), JavaScript
 * evaluated in a page, and every uncaught page error recorded.
 */
final class Chromium implements AutoCloseable {

    /** The program, found by {@link #require} (Debian's by default). */
    static volatile String binary = "/usr/bin/chromium";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final Process process;
    private final Path profile;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Page first;
    private final List<Page> pages = new ArrayList<>();

    /**
     * Finds Chromium for {@code tests} tests of {@code testClass} under the test-services rule: a
     * missing browser skips them (named in the build's skip line), or fails them when services are
     * required.
     */
    static void require(Class<?> testClass, int tests) {
        binary = dev.ludus.testing.services.Browser.chromium(testClass, tests);
    }

    @SuppressWarnings("unchecked")
    Chromium(Path work) throws Exception {
        profile = Files.createDirectories(work.resolve("chromium-" + System.nanoTime()));
        process = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0",
                "--window-size=1280,900", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        Path portFile = profile.resolve("DevToolsActivePort");
        Wait.until("Chromium's DevTools port", 30_000, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("chromium exited: " + Files.readString(profile.resolve("chromium.log")));
            }
            return Files.isRegularFile(portFile) && Files.readAllLines(portFile).size() >= 2;
        });
        port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        String pageUrl = null;
        for (int i = 0; i < 100 && pageUrl == null; i++) {
            String body = http.send(HttpRequest.newBuilder(devTools("/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (Object t : JSON.readValue(body, List.class)) {
                Map<String, Object> target = (Map<String, Object>) t;
                if ("page".equals(target.get("type"))) {
                    pageUrl = (String) target.get("webSocketDebuggerUrl");
                }
            }
            if (pageUrl == null) {
                Thread.sleep(100);
            }
        }
        if (pageUrl == null) {
            throw new IOException("Chromium shows no page target");
        }
        first = attach(pageUrl);
    }

    private URI devTools(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private Page attach(String pageUrl) throws Exception {
        Page p = new Page();
        p.socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), p.new Listener()).get(10, TimeUnit.SECONDS);
        p.call("Runtime.enable", Map.of());
        p.call("Page.enable", Map.of());
        synchronized (pages) {
            pages.add(p);
        }
        return p;
    }

    /** Opens another tab of this browser (same profile, so the same storage per origin), at about:blank. */
    Page newPage() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(devTools("/json/new?about:blank"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("Chromium refused a new tab: " + r.statusCode() + " " + r.body());
        }
        return attach((String) JSON.readValue(r.body(), MAP).get("webSocketDebuggerUrl"));
    }

    /** The first page. */
    Page page() {
        return first;
    }

    void navigate(String url) throws Exception {
        first.navigate(url);
    }

    Object eval(String expression) throws Exception {
        return first.eval(expression);
    }

    List<String> pageErrors() {
        return first.pageErrors();
    }

    void screenshot(Path file) {
        first.screenshot(file);
    }

    /** One tab, driven through its own DevTools connection. */
    static final class Page {
        private WebSocket socket;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<Map<String, Object>>> calls = new ConcurrentHashMap<>();
        private final List<String> pageErrors = new ArrayList<>();

        private final class Listener implements WebSocket.Listener {
            private final StringBuilder partial = new StringBuilder();

            @Override
            @SuppressWarnings("unchecked")
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        Map<String, Object> m = JSON.readValue(partial.toString(), MAP);
                        if (m.get("id") instanceof Number n) {
                            CompletableFuture<Map<String, Object>> f = calls.remove(n.intValue());
                            if (f != null) {
                                f.complete(m);
                            }
                        } else if ("Runtime.exceptionThrown".equals(m.get("method"))) {
                            synchronized (pageErrors) {
                                pageErrors.add(String.valueOf(((Map<String, Object>) m.get("params")).get("exceptionDetails")));
                            }
                        }
                    } catch (IOException e) {
                        // not for us
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }

        /** Calls a DevTools method and returns its result; fails on a protocol error. */
        @SuppressWarnings("unchecked")
        Map<String, Object> call(String method, Map<String, Object> params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
            calls.put(id, f);
            socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                    .get(10, TimeUnit.SECONDS);
            Map<String, Object> reply = f.get(30, TimeUnit.SECONDS);
            if (reply.containsKey("error")) {
                throw new IOException(method + ": " + reply.get("error"));
            }
            return (Map<String, Object>) reply.get("result");
        }

        void navigate(String url) throws Exception {
            call("Page.navigate", Map.of("url", url));
        }

        /** Lays the page out at this size; {@code mobile} as a phone does (meta viewport, touch). */
        void viewport(int width, int height, boolean mobile) throws Exception {
            call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1,
                    "mobile", mobile));
        }

        /** Reloads the page as a person pressing F5 would; returns without waiting for the load. */
        void reload() throws Exception {
            call("Page.reload", Map.of());
        }

        /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
        @SuppressWarnings("unchecked")
        Object eval(String expression) throws Exception {
            Map<String, Object> r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                    "awaitPromise", true));
            if (r.containsKey("exceptionDetails")) {
                throw new IOException("script failed: " + r.get("exceptionDetails"));
            }
            return ((Map<String, Object>) r.get("result")).get("value");
        }

        /** Uncaught errors the page has thrown so far. */
        List<String> pageErrors() {
            synchronized (pageErrors) {
                return List.copyOf(pageErrors);
            }
        }

        /** A PNG screenshot of the page, for a failing test to leave behind. */
        void screenshot(Path file) {
            try {
                Map<String, Object> r = call("Page.captureScreenshot", Map.of("format", "png"));
                Files.write(file, java.util.Base64.getDecoder().decode((String) r.get("data")));
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            synchronized (pages) {
                pages.forEach(p -> p.socket.abort());
            }
        } finally {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            // Chromium's helper processes may still be removing files of the profile as it is walked:
            // a file gone mid-walk is an UncheckedIOException, and either way leftovers stay in target/.
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | java.io.UncheckedIOException e) {
                // leftovers in target/ only
            }
        }
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
