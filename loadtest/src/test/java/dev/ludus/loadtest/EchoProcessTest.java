package dev.ludus.loadtest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
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
}
