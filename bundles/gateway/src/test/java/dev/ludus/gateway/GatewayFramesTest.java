package dev.ludus.gateway;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.Rule;
import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * The WebSocket frames as the gateway's {@link Connection} handles them on Jetty's core layer:
 * a message in several frames, a message over the limit only in its sum, text that is not UTF-8
 * across frames, pings, and a close. Written against the socket ({@link RawClient}) so the frames
 * are exactly the ones named.
 */
public class GatewayFramesTest {

    private static final int TEXT = 1, BINARY = 2, CONTINUATION = 0, CLOSE = 8, PING = 9, PONG = 10, RSV1 = 0x40;

    @Rule
    public final GatewayFixture fixture = new GatewayFixture();

    @Test
    public void aTextMessageInSeveralFramesIsOneRequest() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        try (RawClient raw = new RawClient(s.port())) {
            // "é" (two bytes in UTF-8) split between two frames, as a client may split a message anywhere.
            byte[] hello = "{\"id\":1,\"type\":\"hello\",\"name\":\"Zoé\"}".getBytes(StandardCharsets.UTF_8);
            int cut = indexOf(hello, (byte) 0xc3) + 1;
            raw.sendFrame(TEXT, Arrays.copyOfRange(hello, 0, 5), false);
            raw.sendFrame(CONTINUATION, Arrays.copyOfRange(hello, 5, cut), false);
            raw.sendFrame(CONTINUATION, Arrays.copyOfRange(hello, cut, hello.length), true);
            RawClient.Frame welcome = raw.read(5000);
            assertNotNull("an answer to the joined hello", welcome);
            assertEquals(TEXT, welcome.opcode());
            assertTrue(welcome.text(), welcome.text().contains("\"type\":\"ok\"") && welcome.text().contains("\"id\":1"));
            assertTrue("the name arrived whole: " + welcome.text(), welcome.text().contains("Zoé"));
            // A ping between the frames of a message is answered at once, and the message still joins.
            raw.sendFrame(TEXT, "{\"id\":2,".getBytes(StandardCharsets.UTF_8), false);
            raw.sendFrame(PING, new byte[] {4, 2});
            RawClient.Frame pong = next(raw, PONG, null);
            assertArrayEquals("a pong carries the ping's payload", new byte[] {4, 2}, pong.payload());
            raw.sendFrame(CONTINUATION, "\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true);
            RawClient.Frame reply = next(raw, TEXT, "\"id\":2");
            assertTrue(reply.text(), reply.text().contains("\"type\":\"ok\""));
        }
        assertEquals("two messages counted, not four frames", 2L, detail(s, "messagesIn"));
    }

    @Test
    public void aMessageOverTheLimitOnlyInItsSumIsClosedWith1009() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.maxFrame = 1000;
        TestServer s = fixture.server(cfg);
        try (RawClient raw = new RawClient(s.port())) {
            byte[] part = new byte[600];
            Arrays.fill(part, (byte) 'x');
            raw.sendFrame(TEXT, part, false);
            raw.sendFrame(CONTINUATION, part, true);
            RawClient.Frame close = raw.readUntilClose(5000);
            assertNotNull(close);
            assertEquals(1009, close.closeCode());
        }
        try (RawClient raw = new RawClient(s.port())) {
            byte[] part = new byte[600];
            raw.sendFrame(BINARY, part, false);
            raw.sendFrame(CONTINUATION, part, true);
            RawClient.Frame close = raw.readUntilClose(5000);
            assertNotNull(close);
            assertEquals("binary too", 1009, close.closeCode());
        }
    }

    @Test
    public void textThatIsNotUtf8AcrossFramesIsClosedWith1007() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        try (RawClient raw = new RawClient(s.port())) {
            raw.sendFrame(TEXT, "{\"id\":1,".getBytes(StandardCharsets.UTF_8), false);
            raw.sendFrame(CONTINUATION, new byte[] {(byte) 0xc3, (byte) 0x28}, true);
            RawClient.Frame close = raw.readUntilClose(5000);
            assertNotNull(close);
            assertEquals(1007, close.closeCode());
        }
        try (RawClient raw = new RawClient(s.port())) {
            // A message that ends inside a character.
            raw.sendFrame(TEXT, new byte[] {'"', (byte) 0xe2, (byte) 0x82}, true);
            RawClient.Frame close = raw.readUntilClose(5000);
            assertNotNull(close);
            assertEquals(1007, close.closeCode());
        }
    }

    @Test
    public void aBinaryMessageInFramesIsRefusedOnceAndAClientsCloseIsAnswered() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        try (RawClient raw = new RawClient(s.port())) {
            raw.sendFrame(BINARY, new byte[] {1, 2}, false);
            raw.sendFrame(CONTINUATION, new byte[] {3}, true);
            RawClient.Frame refusal = raw.read(5000);
            assertNotNull(refusal);
            assertTrue(refusal.text(), refusal.text().contains("\"code\":\"bad_frame\""));
            raw.sendFrame(CLOSE, new byte[] {0x03, (byte) 0xe8}); // 1000
            RawClient.Frame close = raw.readUntilClose(5000);
            assertNotNull("the close is answered", close);
            assertEquals(1000, close.closeCode());
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (detail(s, "connections") > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the connection is gone from the gateway", 0L, detail(s, "connections"));
    }

    @Test
    public void aMessageDribbledInFramesDoesNotHoldTheConnectionPastTheIdleTimeout() throws Exception {
        TestConfig cfg = new TestConfig();
        cfg.idle = 2;
        cfg.ping = 1;
        TestServer s = fixture.server(cfg);
        try (RawClient raw = new RawClient(s.port())) {
            // A message begun and never finished, a byte every 200 ms (pings unanswered, as a
            // client holding connections open cheaply would).
            raw.sendFrame(TEXT, "{".getBytes(StandardCharsets.UTF_8), false);
            long t0 = System.currentTimeMillis();
            Integer closedWith = null;
            while (System.currentTimeMillis() - t0 < 8000 && closedWith == null) {
                try {
                    raw.sendFrame(CONTINUATION, new byte[] {' '}, false);
                } catch (java.io.IOException e) {
                    break; // dropped
                }
                RawClient.Frame f = raw.read(200);
                if (f != null && f.opcode() == CLOSE) {
                    closedWith = f.closeCode();
                }
            }
            assertEquals("closed as idle, as a silent connection is", Integer.valueOf(Codes.CLOSE_IDLE), closedWith);
            assertTrue("not before the idle timeout", System.currentTimeMillis() - t0 >= 1500);
        }
    }

    /**
     * A client may ask for compressed messages (permessage-deflate, which Jetty offers): the limit
     * counts what a message inflates to, so a small compressed frame of a huge message (a
     * "zip bomb", 20 MB of text in about 20 KB) is closed with 1009 as its inflated size passes the
     * limit, not held in memory whole; other players go on.
     */
    @Test
    public void aCompressedMessageIsLimitedByWhatItInflatesTo() throws Exception {
        TestServer s = fixture.server(new TestConfig());
        try (RawClient raw = new RawClient(s.port(), "127.0.0.1:" + s.port(),
                java.util.Map.of("Sec-WebSocket-Extensions", "permessage-deflate"))) {
            // Agreed: a compressed hello (RSV1 set) is answered; an unagreed RSV1 would close with 1002.
            raw.sendFrame(RSV1 | TEXT, deflate("{\"id\":1,\"type\":\"hello\",\"name\":\"Zip\"}".getBytes(StandardCharsets.UTF_8)));
            RawClient.Frame welcome = raw.read(5000);
            assertNotNull("an answer to the compressed hello", welcome);
            assertEquals(TEXT, welcome.opcode());
            String text = inflate(welcome.payload());
            assertTrue(text, text.contains("\"type\":\"ok\"") && text.contains("\"id\":1"));

            byte[] huge = new byte[20 << 20];
            Arrays.fill(huge, (byte) ' ');
            byte[] head = "{\"id\":2,\"type\":\"ping\",\"pad\":\"".getBytes(StandardCharsets.UTF_8);
            System.arraycopy(head, 0, huge, 0, head.length);
            huge[huge.length - 2] = '"';
            huge[huge.length - 1] = '}';
            byte[] bomb = deflate(huge);
            assertTrue("the bomb is small on the wire: " + bomb.length, bomb.length < 65536);
            raw.sendFrame(RSV1 | TEXT, bomb);
            RawClient.Frame close = raw.readUntilClose(5000);
            assertNotNull("closed", close);
            assertEquals(1009, close.closeCode());
        }
        ProtocolClient other = fixture.hello(s, "other");
        assertEquals("others play on", "ok", other.request("ping", java.util.Map.of()).get("type"));
    }

    private static byte[] deflate(byte[] data) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(9, true);
        d.setInput(data);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = d.deflate(buf, 0, buf.length, java.util.zip.Deflater.SYNC_FLUSH)) > 0) {
            out.write(buf, 0, n);
        }
        d.end();
        byte[] b = out.toByteArray();
        return Arrays.copyOf(b, b.length - 4); // a message ends without the flush's 00 00 ff ff
    }

    private static String inflate(byte[] payload) throws Exception {
        java.util.zip.Inflater i = new java.util.zip.Inflater(true);
        byte[] in = Arrays.copyOf(payload, payload.length + 4);
        in[in.length - 2] = (byte) 0xff;
        in[in.length - 1] = (byte) 0xff;
        i.setInput(in);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = i.inflate(buf)) > 0) {
            out.write(buf, 0, n);
        }
        i.end();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The next frame of the opcode (whose text holds {@code part}, if given), skipping the others. */
    private static RawClient.Frame next(RawClient raw, int opcode, String part) throws Exception {
        long end = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < end) {
            RawClient.Frame f = raw.read((int) Math.max(1, end - System.currentTimeMillis()));
            assertNotNull("a frame " + opcode + " containing " + part, f);
            if (f.opcode() == opcode && (part == null || f.text().contains(part))) {
                return f;
            }
        }
        throw new AssertionError("no frame " + opcode + " containing " + part + " in 5 s");
    }

    private static long detail(TestServer s, String name) {
        return ((Number) s.gateway.health().details().get(name)).longValue();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + b);
    }
}
