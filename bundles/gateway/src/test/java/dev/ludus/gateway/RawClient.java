package dev.ludus.gateway;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;

/**
 * A WebSocket client written against the socket, for what a well-behaved client library refuses to
 * do: send raw garbage, never answer pings, send unmasked or oversized frames.
 */
final class RawClient implements AutoCloseable {

    record Frame(int opcode, byte[] payload) {
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        String text() {
            int skip = opcode == 8 ? Math.min(2, payload.length) : 0;
            return new String(payload, skip, payload.length - skip, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Random random = new Random(7);

    RawClient(int port) throws IOException {
        this(port, "127.0.0.1:" + port, Map.of());
    }

    /** Upgrades with the given Host header and extra headers (such as Origin); fails unless answered 101. */
    RawClient(int port, String host, Map<String, String> headers) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        String head = upgrade(host, headers);
        if (!head.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("no upgrade: " + head);
        }
    }

    /** The HTTP status an upgrade request with these headers gets (101 when accepted). */
    static int upgradeStatus(int port, String host, Map<String, String> headers) throws IOException {
        try (RawClient c = new RawClient(port, host, headers)) {
            return 101;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith("no upgrade: HTTP/1.1 ")) {
                return Integer.parseInt(m.substring("no upgrade: HTTP/1.1 ".length()).substring(0, 3));
            }
            throw e;
        }
    }

    private String upgrade(String host, Map<String, String> headers) throws IOException {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        StringBuilder req = new StringBuilder("GET /ws HTTP/1.1\r\n");
        if (host != null) {
            req.append("Host: ").append(host).append("\r\n");
        }
        req.append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
                .append(Base64.getEncoder().encodeToString(nonce)).append("\r\nSec-WebSocket-Version: 13\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readHead(in);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed during the handshake");
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one masked frame (as a client must) with FIN set. */
    void sendFrame(int opcode, byte[] payload) throws IOException {
        sendFrame(opcode, payload, true);
    }

    /** Sends one masked frame; without FIN, a fragment that continuation frames (opcode 0) complete. */
    void sendFrame(int opcode, byte[] payload, boolean fin) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write((fin ? 0x80 : 0) | opcode);
        int len = payload.length;
        if (len < 126) {
            b.write(0x80 | len);
        } else if (len < 65536) {
            b.write(0x80 | 126);
            b.write(len >> 8);
            b.write(len);
        } else {
            b.write(0x80 | 127);
            b.writeBytes(ByteBuffer.allocate(8).putLong(len).array());
        }
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        b.writeBytes(mask);
        for (int i = 0; i < len; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        sendBytes(b.toByteArray());
    }

    void sendText(String text) throws IOException {
        sendFrame(1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame from the server, or null if the connection ended or nothing came in time. */
    Frame read(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            int b0 = in.read();
            if (b0 < 0) {
                return null;
            }
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads frames until a close frame arrives (returned) or the connection ends (null). */
    Frame readUntilClose(int timeoutMillis) throws IOException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            Frame f = read((int) Math.max(1, end - System.currentTimeMillis()));
            if (f == null || f.opcode() == 8) {
                return f;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
