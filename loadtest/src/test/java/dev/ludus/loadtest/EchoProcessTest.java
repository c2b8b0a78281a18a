package dev.ludus.loadtest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

public class EchoProcessTest {

    @Test
    public void theEchoServerRunsInAProcessOfItsOwnEchoesAndStopsWithTheTool() throws Exception {
        EchoProcess echo = EchoProcess.start(null);
        ProcessHandle child;
        try {
            child = ProcessHandle.of(echo.pid()).orElseThrow();
            assertNotEquals(ProcessHandle.current().pid(), echo.pid());
            double before = echo.cpuSeconds();
            CompletableFuture<String> back = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + echo.port() + "/echo"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            back.complete(data.toString());
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"act\"}", true);
            assertEquals("{\"type\":\"act\"}", back.get(10, TimeUnit.SECONDS));
            ws.abort();
            assertTrue("the child's own CPU time, read from outside", echo.cpuSeconds() > 0 && echo.cpuSeconds() >= before);
        } finally {
            echo.close();
        }
        child.onExit().get(15, TimeUnit.SECONDS);
        assertFalse(child.isAlive());
    }

    @Test
    public void theFanOutEndpointAnswersTheSenderAndSendsTheBatchToEveryMemberOfItsGroupOnly() throws Exception {
        try (EchoProcess server = EchoProcess.start(null)) {
            HttpClient http = HttpClient.newHttpClient();
            List<String> a = new CopyOnWriteArrayList<>();
            List<String> b = new CopyOnWriteArrayList<>();
            List<String> other = new CopyOnWriteArrayList<>();
            WebSocket sender = connect(http, server, "/fanout?group=7", a);
            WebSocket member = connect(http, server, "/fanout?group=7", b);
            WebSocket stranger = connect(http, server, "/fanout?group=8", other);
            sender.sendText("{\"type\":\"act\"}", true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((a.size() < 2 || b.size() < 1) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200); // anything more would have arrived by now
            assertEquals("the reply and the batch to the sender", 2, a.size());
            assertEquals(EchoRun.ACK_BYTES, a.stream().mapToInt(String::length).min().getAsInt());
            assertEquals(EchoRun.BATCH_BYTES, a.stream().mapToInt(String::length).max().getAsInt());
            assertEquals("the batch to the other member", List.of(EchoRun.BATCH_BYTES), b.stream().map(String::length).toList());
            assertTrue("another group hears nothing: " + other, other.isEmpty());
            for (String text : a) {
                assertTrue(text, text.startsWith("{") && text.endsWith("}"));
            }
            for (WebSocket ws : List.of(sender, member, stranger)) {
                ws.abort();
            }
            try {
                connect(http, server, "/fanout", new CopyOnWriteArrayList<>());
                throw new AssertionError("a connection without a group was accepted");
            } catch (ExecutionException expected) {
                assertTrue(String.valueOf(expected.getCause()), String.valueOf(expected.getCause()).contains("Handshake")
                        || String.valueOf(expected.getCause().getCause()).contains("400"));
            }
        }
    }

    private static WebSocket connect(HttpClient http, EchoProcess server, String path, List<String> received) throws Exception {
        return http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + path), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                received.add(data.toString());
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }
}
