package dev.ludus.loadtest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The slow-reader attack, measured: fills the lobby with rooms, then opens clients that never read
 * and ask for the largest lobby page many times a second, while a bystander pings. Reports how
 * long each attacker stayed connected, how many requests it got in, and the bystander's ping
 * latency. The server's memory is measured from outside (see {@code scripts/slow-readers.sh}).
 *
 * <pre>
 * java -cp loadtest/target/ludus-loadtest.jar dev.ludus.loadtest.SlowReaders --url ws://127.0.0.1:8080/ws
 *     --rooms 2000 --attackers 3 --rate 19 --seconds 45
 * </pre>
 */
public final class SlowReaders {

    private SlowReaders() {
    }

    public static void main(String[] args) throws Exception {
        String url = "ws://127.0.0.1:8080/ws";
        int rooms = 2000;
        int attackers = 3;
        int rate = 19;
        int seconds = 45;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--rooms" -> rooms = Integer.parseInt(args[++i]);
                case "--attackers" -> attackers = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: SlowReaders [--url ws://127.0.0.1:8080/ws] [--rooms 2000] [--attackers 3]"
                            + " [--rate 19] [--seconds 45]");
                    System.exit(2);
                }
            }
        }
        URI uri = URI.create(url);
        HttpClient http = HttpClient.newHttpClient();
        int made = fillLobby(http, uri, rooms);
        System.out.printf(Locale.ROOT, "lobby: %d rooms created%n", made);

        Bystander bystander = Bystander.open(http, uri);
        List<Attacker> list = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
            Attacker a = new Attacker(uri, i);
            list.add(a);
            a.start(rate, seconds);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            bystander.ping();
            Thread.sleep(100);
        }
        for (Attacker a : list) {
            a.join();
        }
        for (Attacker a : list) {
            System.out.printf(Locale.ROOT, "attacker %d: %d requests sent, %s%n", a.index, a.sent,
                    a.cutAfterMillis < 0 ? "still connected at the end" : "cut off after " + a.cutAfterMillis + " ms");
        }
        System.out.printf(Locale.ROOT, "bystander ping: %s (%d failed)%n", bystander.latency.summary(), bystander.failed);
        bystander.ws.abort();
    }

    /** Creates rooms, moving to a new player whenever one reaches its limit of open rooms. */
    private static int fillLobby(HttpClient http, URI uri, int rooms) throws Exception {
        int made = 0;
        int player = 0;
        while (made < rooms && player < rooms) {
            Bystander c = Bystander.open(http, uri);
            try {
                while (made < rooms) {
                    String reply = c.call("{\"id\":\"c\",\"type\":\"create_room\",\"game\":\"liap-tui\",\"name\":\"a lobby"
                            + " room with a name long enough to weigh something, number " + made + "\"}");
                    if (!reply.contains("\"type\":\"ok\"")) {
                        if (!reply.contains("rate_limited")) {
                            break; // this player may open no more rooms
                        }
                        Thread.sleep(1000);
                        continue;
                    }
                    made++;
                    Thread.sleep(50); // under the message budget
                }
            } finally {
                c.ws.abort();
            }
            player++;
        }
        return made;
    }

    /** A well-behaved client that waits for each reply. */
    private static final class Bystander implements WebSocket.Listener {
        final Latencies latency = new Latencies();
        int failed;
        WebSocket ws;
        private final StringBuilder partial = new StringBuilder();
        private final AtomicReference<CompletableFuture<String>> waiting = new AtomicReference<>();

        static Bystander open(HttpClient http, URI uri) throws Exception {
            Bystander b = new Bystander();
            b.ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, b).get(15, TimeUnit.SECONDS);
            b.call("{\"id\":\"h\",\"type\":\"hello\",\"name\":\"lobby\"}");
            return b;
        }

        String call(String request) throws Exception {
            CompletableFuture<String> f = new CompletableFuture<>();
            waiting.set(f);
            ws.sendText(request, true).get(10, TimeUnit.SECONDS);
            return f.get(10, TimeUnit.SECONDS);
        }

        void ping() {
            long t0 = System.nanoTime();
            try {
                call("{\"id\":\"p\",\"type\":\"ping\"}");
                latency.record(System.nanoTime() - t0);
            } catch (Exception e) {
                failed++;
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String m = partial.toString();
                partial.setLength(0);
                CompletableFuture<String> f = waiting.get();
                if (f != null && m.contains("\"id\":")) {
                    f.complete(m);
                }
            }
            webSocket.request(1);
            return null;
        }
    }

    /** A client that upgrades, says hello and then only writes: it never reads a byte. */
    private static final class Attacker extends Thread {
        final int index;
        private final URI uri;
        private int rate;
        private int seconds;
        volatile long sent;
        volatile long cutAfterMillis = -1;

        Attacker(URI uri, int index) {
            super("slow-reader-" + index);
            this.uri = uri;
            this.index = index;
        }

        void start(int perSecond, int forSeconds) {
            rate = perSecond;
            seconds = forSeconds;
            start();
        }

        @Override
        public void run() {
            long start = System.nanoTime();
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
                OutputStream out = s.getOutputStream();
                upgrade(s, out);
                frame(out, "{\"id\":0,\"type\":\"hello\",\"name\":\"slow\"}");
                long end = start + TimeUnit.SECONDS.toNanos(seconds);
                long gap = TimeUnit.SECONDS.toNanos(1) / Math.max(1, rate);
                long next = System.nanoTime();
                while (System.nanoTime() < end) {
                    frame(out, "{\"id\":" + (sent + 1) + ",\"type\":\"list_rooms\",\"limit\":500}");
                    sent++;
                    next += gap;
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        TimeUnit.NANOSECONDS.sleep(sleep);
                    }
                }
            } catch (IOException e) {
                cutAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void upgrade(Socket s, OutputStream out) throws IOException {
            byte[] nonce = new byte[16];
            new SecureRandom().nextBytes(nonce);
            String host = uri.getHost() + ":" + uri.getPort();
            out.write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The handshake's answer is the only thing this client reads.
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("closed during the handshake");
                }
                head.write(c);
            }
            if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
                throw new IOException("upgrade refused: " + head.toString(StandardCharsets.US_ASCII).lines().findFirst().orElse(""));
            }
        }

        /** One masked text frame, as a client must send. */
        private static void frame(OutputStream out, String text) throws IOException {
            byte[] p = text.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(p.length + 8);
            b.put((byte) 0x81);
            if (p.length < 126) {
                b.put((byte) (0x80 | p.length));
            } else {
                b.put((byte) (0x80 | 126)).putShort((short) p.length);
            }
            byte[] mask = {1, 2, 3, 4};
            b.put(mask);
            for (int i = 0; i < p.length; i++) {
                b.put((byte) (p[i] ^ mask[i & 3]));
            }
            out.write(b.array(), 0, b.position());
            out.flush();
        }
    }
}
