package dev.ludus.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The slow-header attack (slowloris), measured: opens many sockets that send a request head one
 * byte at a time and never finish it, while a bystander asks {@code GET /health}. Reports how long
 * the server held the sockets (the time each was closed by the server, or that it was still open
 * at the end) and the bystander's latency.
 *
 * <pre>
 * java -cp loadtest/target/ludus-loadtest.jar dev.ludus.loadtest.SlowHeaders --url http://127.0.0.1:8080/
 *     --sockets 1000 --byte-every-ms 1000 --seconds 30
 * </pre>
 */
public final class SlowHeaders {

    private SlowHeaders() {
    }

    public static void main(String[] args) throws Exception {
        String url = "http://127.0.0.1:8080/";
        int sockets = 1000;
        long every = 1000;
        int seconds = 30;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--sockets" -> sockets = Integer.parseInt(args[++i]);
                case "--byte-every-ms" -> every = Long.parseLong(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: SlowHeaders [--url http://127.0.0.1:8080/] [--sockets 1000]"
                            + " [--byte-every-ms 1000] [--seconds 30]");
                    System.exit(2);
                }
            }
        }
        URI uri = URI.create(url);
        byte[] head = ("GET / HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nX-Padding: " + "a".repeat(4000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<SocketChannel> open = new ArrayList<>();
        long[] closedAt = new long[sockets];
        long[] openedAt = new long[sockets];
        int[] sent = new int[sockets];
        long start = System.nanoTime();
        int refused = 0;
        for (int i = 0; i < sockets; i++) {
            try {
                SocketChannel s = SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()));
                openedAt[i] = System.nanoTime();
                s.configureBlocking(false);
                open.add(s);
            } catch (IOException e) {
                refused++;
                open.add(null);
                closedAt[i] = 0;
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Latencies health = new Latencies();
        int healthFailed = 0;
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long nextByte = System.nanoTime();
        ByteBuffer answer = ByteBuffer.allocate(4096);
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextByte) {
                nextByte += TimeUnit.MILLISECONDS.toNanos(every);
                for (int i = 0; i < open.size(); i++) {
                    SocketChannel s = open.get(i);
                    if (s == null || closedAt[i] != 0) {
                        continue;
                    }
                    try {
                        s.write(ByteBuffer.wrap(head, sent[i] % head.length, 1));
                        sent[i]++;
                        answer.clear();
                        if (s.read(answer) < 0) {
                            closedAt[i] = System.nanoTime(); // the server closed it
                        }
                    } catch (IOException e) {
                        closedAt[i] = System.nanoTime();
                    }
                }
            }
            long t0 = System.nanoTime();
            try {
                http.send(HttpRequest.newBuilder(uri.resolve("/health")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding());
                health.record(System.nanoTime() - t0);
            } catch (IOException e) {
                healthFailed++;
            }
            Thread.sleep(50);
        }
        List<Long> held = new ArrayList<>();
        int stillOpen = 0;
        for (int i = 0; i < open.size(); i++) {
            if (open.get(i) == null) {
                continue;
            }
            if (closedAt[i] == 0) {
                stillOpen++;
            } else {
                held.add(TimeUnit.NANOSECONDS.toMillis(closedAt[i] - openedAt[i]));
            }
            open.get(i).close();
        }
        held.sort(null);
        long lastOpened = 0;
        for (long t : openedAt) {
            lastOpened = Math.max(lastOpened, t == 0 ? 0 : t - start);
        }
        System.out.printf(Locale.ROOT, "slow-header sockets: %d opened (%d refused at connect), %d closed by the server,"
                + " %d still open after %d s%n", sockets - refused, refused, held.size(), stillOpen, seconds);
        if (!held.isEmpty()) {
            System.out.printf(Locale.ROOT, "  held from its connect to its close: shortest %.1f s, median %.1f s, longest %.1f s%n",
                    held.get(0) / 1000.0, held.get(held.size() / 2) / 1000.0, held.get(held.size() - 1) / 1000.0);
        }
        System.out.printf(Locale.ROOT, "  the last socket connected %.1f s after the first tried%n", lastOpened / 1e9);
        System.out.printf(Locale.ROOT, "bystander GET /health: %s (%d failed)%n", health.summary(), healthFailed);
    }
}
