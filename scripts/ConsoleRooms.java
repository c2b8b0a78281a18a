import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates rooms over the players' protocol, for scripts/measure-console: java ConsoleRooms.java
 * WS_URL ROOMS CONNECTIONS. Each connection says hello, then creates its share of rooms one
 * request at a time (names "room N" and, every 100th, a hostile one). Prints how many were made.
 */
public class ConsoleRooms {

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int rooms = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        HttpClient client = HttpClient.newHttpClient();
        AtomicInteger made = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    Replies replies = new Replies();
                    WebSocket ws = client.newWebSocketBuilder().buildAsync(uri, replies).get(10, TimeUnit.SECONDS);
                    replies.ask(ws, "{\"id\":\"h\",\"type\":\"hello\",\"name\":\"measure\"}");
                    for (int n = next.getAndIncrement(); n < rooms; n = next.getAndIncrement()) {
                        String name = n % 100 == 0 ? "<script>alert(" + n + ")</script> \\\"q\\\" 'a'" : "room " + n;
                        String reply = replies.ask(ws, "{\"id\":\"r" + n + "\",\"type\":\"create_room\",\"game\":\"liap-tui\","
                                + "\"name\":\"" + name + "\"}");
                        if (reply.contains("\"type\":\"ok\"")) {
                            made.incrementAndGet();
                        } else {
                            System.err.println("create_room refused: " + reply);
                            return;
                        }
                    }
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(30, TimeUnit.MINUTES);
        System.out.println(made.get());
    }

    /** Sends one request at a time and waits for the message that carries its id. */
    static final class Replies implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private volatile String awaitedId;
        private volatile CompletableFuture<String> reply;

        String ask(WebSocket ws, String json) throws Exception {
            String id = json.substring(json.indexOf("\"id\":\"") + 6, json.indexOf('"', json.indexOf("\"id\":\"") + 6));
            CompletableFuture<String> f = new CompletableFuture<>();
            awaitedId = id;
            reply = f;
            ws.sendText(json, true).get(10, TimeUnit.SECONDS);
            return f.get(30, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                if (message.contains("\"id\":\"" + awaitedId + "\"")) {
                    reply.complete(message);
                }
            }
            ws.request(1);
            return null;
        }
    }
}
