package dev.ludus.bus.local;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.Message;

/**
 * The bus's records in the event log, each one event of a stream:
 * <ul>
 * <li>{@code t:<topic>}, type {@code m}: a message (its version is its sequence);</li>
 * <li>{@code g:<group>}, type {@code cursor}: where the group has acknowledged every message of each
 * source up to (the last one counts);</li>
 * <li>{@code d:<group>}, type {@code dead}: a dead letter (its version is its id); type
 * {@code resolved}: dead letters replayed or discarded;</li>
 * <li>{@code r:<group>}, type {@code replay}: a dead letter queued for delivery again.</li>
 * </ul>
 * Every record starts with a format byte (1). Texts are UTF-8 with an int length (-1 for null).
 */
final class Records {

    static final String MESSAGE = "m";
    static final String CURSOR = "cursor";
    static final String DEAD = "dead";
    static final String RESOLVED = "resolved";
    static final String REPLAY = "replay";
    private static final int FORMAT = 1;

    private Records() {
    }

    static String topicStream(String topic) {
        return "t:" + topic;
    }

    static String cursorStream(String group) {
        return "g:" + group;
    }

    static String deadStream(String group) {
        return "d:" + group;
    }

    static String replayStream(String group) {
        return "r:" + group;
    }

    // ---------------------------------------------------------------- messages

    /** A message record, written straight into an array of its exact size (this is the publish path). */
    static byte[] message(String id, String key, String payload, Map<String, String> headers, long publishedAt) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        byte[] payloadBytes = payload.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 8 + 4 + idBytes.length + 4 + (keyBytes == null ? 0 : keyBytes.length) + 4 + 4 + payloadBytes.length;
        byte[][] headerBytes = new byte[headers.size() * 2][];
        int h = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            headerBytes[h] = e.getKey().getBytes(StandardCharsets.UTF_8);
            headerBytes[h + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + headerBytes[h].length + headerBytes[h + 1].length;
            h += 2;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size);
        b.put((byte) FORMAT).putLong(publishedAt);
        b.putInt(idBytes.length).put(idBytes);
        if (keyBytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(keyBytes.length).put(keyBytes);
        }
        b.putInt(headers.size());
        for (byte[] part : headerBytes) {
            b.putInt(part.length).put(part);
        }
        b.putInt(payloadBytes.length).put(payloadBytes);
        return b.array();
    }

    static Message readMessage(String topic, long sequence, byte[] data) {
        In in = new In(data);
        in.format();
        return in.message(topic, sequence);
    }

    // ---------------------------------------------------------------- cursors

    static byte[] cursor(Map<String, Long> watermarks) {
        Out out = new Out(16 + 32 * watermarks.size());
        out.format();
        out.integer(watermarks.size());
        for (Map.Entry<String, Long> e : watermarks.entrySet()) {
            out.text(e.getKey());
            out.number(e.getValue());
        }
        return out.bytes();
    }

    static Map<String, Long> readCursor(byte[] data) {
        In in = new In(data);
        in.format();
        int n = in.integer();
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.text(), in.number());
        }
        return out;
    }

    // ---------------------------------------------------------------- dead letters

    static byte[] dead(Message m, String handlerBundle, String handlerVersion, String error, int attempts, long deadAt) {
        Out out = new Out(128 + m.payload().length());
        out.format();
        out.text(m.topic());
        out.number(m.sequence());
        out.message(m.id(), m.key(), m.payload(), m.headers(), m.publishedAt().toEpochMilli());
        out.text(handlerBundle);
        out.text(handlerVersion);
        out.text(error);
        out.integer(attempts);
        out.number(deadAt);
        return out.bytes();
    }

    static DeadLetter readDead(String group, long id, byte[] data) {
        In in = new In(data);
        in.format();
        String topic = in.text();
        long sequence = in.number();
        in.format();
        Message m = in.message(topic, sequence);
        return new DeadLetter(Long.toString(id), group, m, in.text(), in.text(), in.text(), in.integer(),
                Instant.ofEpochMilli(in.number()));
    }

    /** Dead letters replayed or discarded. */
    record Resolution(String how, String by, long at, List<Long> ids) {
    }

    static byte[] resolved(String how, String by, long at, List<Long> ids) {
        Out out = new Out(32 + 8 * ids.size());
        out.format();
        out.text(how);
        out.text(by);
        out.number(at);
        out.integer(ids.size());
        for (long id : ids) {
            out.number(id);
        }
        return out.bytes();
    }

    static Resolution readResolved(byte[] data) {
        In in = new In(data);
        in.format();
        String how = in.text();
        String by = in.text();
        long at = in.number();
        int n = in.integer();
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.number());
        }
        return new Resolution(how, by, at, ids);
    }

    /** A replayed dead letter: its id and the message (with its original topic and sequence). */
    static byte[] replay(DeadLetter d) {
        Message m = d.message();
        Out out = new Out(64 + m.payload().length());
        out.format();
        out.number(Long.parseLong(d.id()));
        out.text(m.topic());
        out.number(m.sequence());
        out.message(m.id(), m.key(), m.payload(), m.headers(), m.publishedAt().toEpochMilli());
        return out.bytes();
    }

    static Message readReplay(byte[] data) {
        In in = new In(data);
        in.format();
        in.number(); // the dead letter's id, for diagnostics
        String topic = in.text();
        long sequence = in.number();
        in.format();
        return in.message(topic, sequence);
    }

    // ---------------------------------------------------------------- encoding

    private static final class Out {
        private final ByteArrayOutputStream bytes;
        private final DataOutputStream data;

        Out(int size) {
            bytes = new ByteArrayOutputStream(size);
            data = new DataOutputStream(bytes);
        }

        void format() {
            integer8(FORMAT);
        }

        void message(String id, String key, String payload, Map<String, String> headers, long publishedAt) {
            format();
            number(publishedAt);
            text(id);
            text(key);
            integer(headers.size());
            for (Map.Entry<String, String> h : headers.entrySet()) {
                text(h.getKey());
                text(h.getValue());
            }
            text(payload);
        }

        void integer8(int v) {
            try {
                data.writeByte(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void integer(int v) {
            try {
                data.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void number(long v) {
            try {
                data.writeLong(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void text(String s) {
            try {
                if (s == null) {
                    data.writeInt(-1);
                    return;
                }
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                data.writeInt(b.length);
                data.write(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    private static final class In {
        private final DataInputStream data;

        In(byte[] b) {
            data = new DataInputStream(new java.io.ByteArrayInputStream(b));
        }

        void format() {
            try {
                int f = data.readUnsignedByte();
                if (f != FORMAT) {
                    throw new IllegalStateException("bus record of unknown format " + f);
                }
            } catch (IOException e) {
                throw new IllegalStateException("bus record cut short", e);
            }
        }

        Message message(String topic, long sequence) {
            long publishedAt = number();
            String id = text();
            String key = text();
            int n = integer();
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                headers.put(text(), text());
            }
            return new Message(id, topic, key, text(), headers, Instant.ofEpochMilli(publishedAt), sequence);
        }

        int integer() {
            try {
                return data.readInt();
            } catch (IOException e) {
                throw new IllegalStateException("bus record cut short", e);
            }
        }

        long number() {
            try {
                return data.readLong();
            } catch (IOException e) {
                throw new IllegalStateException("bus record cut short", e);
            }
        }

        String text() {
            try {
                int n = data.readInt();
                if (n < 0) {
                    return null;
                }
                byte[] b = data.readNBytes(n);
                if (b.length != n) {
                    throw new IllegalStateException("bus record cut short");
                }
                return new String(b, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("bus record cut short", e);
            }
        }
    }
}
