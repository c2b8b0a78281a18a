package dev.ludus.itests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A plain HTTP/1.1 receiver on the loopback address for the tests (the JDK's HttpServer is not
 * visible inside the framework): it keeps every request POSTed to its path, bodies with
 * Content-Length or chunked, and answers each with the status its {@code answer} gives (200
 * unless told), keeping connections alive.
 */
final class HttpReceiver implements AutoCloseable {

    /** One request received. */
    record Request(String path, Map<String, String> headers, byte[] body, int status) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket server;
    private final String path;
    private final String contentType;
    private final Function<Request, Integer> answer;
    private final List<Request> requests = new ArrayList<>();

    /** On any free loopback port; every request answered 200. */
    HttpReceiver(String path, String contentType) throws IOException {
        this(0, path, contentType, r -> 200);
    }

    /**
     * @param port        0: any free one
     * @param path        the path whose POSTs are kept (others are answered and forgotten)
     * @param contentType of the (empty) answers
     * @param answer      the status for a request (called once per request, in order)
     */
    HttpReceiver(int port, String path, String contentType, Function<Request, Integer> answer) throws IOException {
        this.path = path;
        this.contentType = contentType;
        this.answer = answer;
        server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s), "http-receiver-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }, "http-receiver");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (true) {
                String request = line(in);
                if (request == null || request.isEmpty()) {
                    return;
                }
                Map<String, String> headers = new HashMap<>();
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
                byte[] body;
                if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    for (int n = Integer.parseInt(line(in).split(";")[0].trim(), 16); n > 0;
                         n = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                        b.write(in.readNBytes(n));
                        line(in);
                    }
                    line(in);
                    body = b.toByteArray();
                } else {
                    body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
                }
                int status = 200;
                if (request.startsWith("POST " + path + " ")) {
                    synchronized (this) {
                        status = answer.apply(new Request(path, headers, body, 0));
                        requests.add(new Request(path, headers, body, status));
                    }
                }
                out.write(("HTTP/1.1 " + status + (status < 300 ? " OK" : " Failed") + "\r\nContent-Type: " + contentType
                        + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the client went away
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return b.length() == 0 ? null : b.toString();
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** The requests POSTed to the path so far, in arrival order. */
    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    synchronized int posts() {
        return requests.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
