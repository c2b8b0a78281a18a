package dev.ludus.eventlog;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of the event log. All integers are big-endian.
 *
 * <pre>
 * segment file  segment-NNNNNNNNNNNN.log (sequence number, 12 digits, from 1)
 *   header      32 bytes: int magic "LDEV" | short format 1 | short header length 32
 *                          | long segment sequence | long created (epoch ms) | int 0 | int CRC32C of bytes 0..27
 *   records     back to back until the end of the file
 *
 * record        int   length of the whole record, this field included
 *               int   CRC32C over the length field and every byte after this field
 *               byte  kind (1 = event)
 *               byte  flags: 1 = last event of an append (batch), 2 = last record of a group commit
 *               byte  stream name length s (1..255)    byte  event type length t (0..255)
 *               long  stream version (from 1)
 *               long  timestamp, epoch milliseconds
 *               long  group sequence (from 1, +1 per durable group)
 *               s bytes stream name (UTF-8), t bytes event type (UTF-8), then the payload
 * </pre>
 *
 * An append's events are consecutive records of one group; a group is one write and one fsync.
 */
public final class LogFormat {

    static final int SEGMENT_MAGIC = 0x4C444556; // "LDEV"
    static final short FORMAT = 1;
    public static final int SEGMENT_HEADER_BYTES = 32;

    static final int RECORD_HEADER_BYTES = 36;
    static final byte KIND_EVENT = 1;
    static final int FLAG_BATCH_END = 1;
    static final int FLAG_GROUP_END = 2;
    static final int KNOWN_FLAGS = FLAG_BATCH_END | FLAG_GROUP_END;

    static final int MAX_NAME_BYTES = 255;
    static final int MAX_TYPE_BYTES = 255;
    /** Largest payload of one event. */
    static final int MAX_DATA_BYTES = 16 << 20;
    /** Largest encoded size of one append (all its records). */
    static final int MAX_APPEND_BYTES = 64 << 20;
    static final int MAX_RECORD_BYTES = RECORD_HEADER_BYTES + MAX_NAME_BYTES + MAX_TYPE_BYTES + MAX_DATA_BYTES;

    // Field offsets inside a record.
    static final int OFF_CRC = 4;
    static final int OFF_KIND = 8;
    static final int OFF_FLAGS = 9;
    static final int OFF_NAME_LEN = 10;
    static final int OFF_TYPE_LEN = 11;
    static final int OFF_VERSION = 12;
    static final int OFF_TIMESTAMP = 20;
    static final int OFF_GROUP = 28;

    /** Result of {@link #check}: the bytes end before the record does. */
    static final int PARTIAL = -1;
    /** Result of {@link #check}: not a valid record (bad header or checksum). */
    static final int INVALID = -2;

    private static final String SEGMENT_PREFIX = "segment-";
    private static final String SEGMENT_SUFFIX = ".log";
    private static final int SEGMENT_DIGITS = 12;

    private LogFormat() {
    }

    // ---- positions: segment sequence in the high 24 bits, byte offset in the low 40 ----

    static long position(long segment, long offset) {
        return (segment << 40) | offset;
    }

    static long segmentOf(long position) {
        return position >>> 40;
    }

    static long offsetOf(long position) {
        return position & ((1L << 40) - 1);
    }

    // ---- segment files ----

    public static String segmentFileName(long sequence) {
        String digits = Long.toString(sequence);
        return SEGMENT_PREFIX + "0".repeat(Math.max(0, SEGMENT_DIGITS - digits.length())) + digits + SEGMENT_SUFFIX;
    }

    /** The sequence number of a segment file name, or -1 if the name is not one. */
    static long segmentSequence(String fileName) {
        if (!fileName.startsWith(SEGMENT_PREFIX) || !fileName.endsWith(SEGMENT_SUFFIX)
                || fileName.length() != SEGMENT_PREFIX.length() + SEGMENT_DIGITS + SEGMENT_SUFFIX.length()) {
            return -1;
        }
        long n = 0;
        for (int i = SEGMENT_PREFIX.length(); i < SEGMENT_PREFIX.length() + SEGMENT_DIGITS; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    static ByteBuffer segmentHeader(long sequence, long createdMillis) {
        ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        b.putInt(SEGMENT_MAGIC).putShort(FORMAT).putShort((short) SEGMENT_HEADER_BYTES)
                .putLong(sequence).putLong(createdMillis).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 28);
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    /** The sequence number in a segment header at {@code buf[0..]}, or -1 if the header is not valid. */
    static long checkSegmentHeader(ByteBuffer buf) {
        if (buf.limit() < SEGMENT_HEADER_BYTES || buf.getInt(0) != SEGMENT_MAGIC || buf.getShort(4) != FORMAT
                || buf.getShort(6) != SEGMENT_HEADER_BYTES) {
            return -1;
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().position(0).limit(28));
        if ((int) crc.getValue() != buf.getInt(28)) {
            return -1;
        }
        return buf.getLong(8);
    }

    // ---- records ----

    static int recordLength(int nameBytes, int typeBytes, int dataBytes) {
        return RECORD_HEADER_BYTES + nameBytes + typeBytes + dataBytes;
    }

    /**
     * Writes one record at {@code array[at..]} with version, timestamp, group, flags and CRC left
     * zero: the writer fills them in when it knows them ({@link #seal}).
     *
     * @return the offset after the record
     */
    static int put(byte[] array, int at, byte[] name, byte[] type, byte[] data) {
        int length = recordLength(name.length, type.length, data.length);
        ByteBuffer b = ByteBuffer.wrap(array, at, length);
        b.putInt(length).putInt(0).put(KIND_EVENT).put((byte) 0).put((byte) name.length).put((byte) type.length)
                .putLong(0).putLong(0).putLong(0);
        b.put(name).put(type).put(data);
        return at + length;
    }

    /**
     * Fills in the fields known only at commit time and the checksum of the record at
     * {@code buf[at..]} (whose length field is already set).
     *
     * @param view a duplicate of {@code buf} the method may reposition freely
     */
    static void seal(ByteBuffer buf, ByteBuffer view, CRC32C crc, int at, long version, long timestamp, long group, int flags) {
        buf.put(at + OFF_FLAGS, (byte) flags);
        buf.putLong(at + OFF_VERSION, version);
        buf.putLong(at + OFF_TIMESTAMP, timestamp);
        buf.putLong(at + OFF_GROUP, group);
        int length = buf.getInt(at);
        buf.putInt(at + OFF_CRC, checksum(view, crc, at, length));
    }

    private static int checksum(ByteBuffer view, CRC32C crc, int at, int length) {
        crc.reset();
        view.limit(view.capacity()).position(at).limit(at + 4);
        crc.update(view);
        view.limit(at + length).position(at + 8);
        crc.update(view);
        return (int) crc.getValue();
    }

    /**
     * Checks the record starting at {@code buf[at]}, where the readable bytes end at {@code end}.
     *
     * @param view a duplicate of {@code buf} the method may reposition freely
     * @return the record's length if it is whole and valid, {@link #PARTIAL} if the bytes end before
     *         the record does (or before its length field), {@link #INVALID} if it is not a record
     */
    static int check(ByteBuffer buf, ByteBuffer view, CRC32C crc, int at, int end) {
        if (end - at < RECORD_HEADER_BYTES) {
            // Too short even for a header. A zeroed or garbage stub is still "partial" here: the
            // caller decides from the position whether that is a torn tail.
            return end - at >= 4 && !plausibleLength(buf.getInt(at)) ? INVALID : PARTIAL;
        }
        int length = buf.getInt(at);
        if (!plausibleLength(length) || buf.get(at + OFF_KIND) != KIND_EVENT
                || (buf.get(at + OFF_FLAGS) & ~KNOWN_FLAGS) != 0) {
            return INVALID;
        }
        int nameLen = buf.get(at + OFF_NAME_LEN) & 0xFF;
        int typeLen = buf.get(at + OFF_TYPE_LEN) & 0xFF;
        if (nameLen == 0 || RECORD_HEADER_BYTES + nameLen + typeLen > length) {
            return INVALID;
        }
        if ((long) at + length > end) {
            return PARTIAL;
        }
        if (checksum(view, crc, at, length) != buf.getInt(at + OFF_CRC)) {
            return INVALID;
        }
        if ((buf.get(at + OFF_FLAGS) & FLAG_GROUP_END) != 0 && (buf.get(at + OFF_FLAGS) & FLAG_BATCH_END) == 0) {
            return INVALID; // a group is made of whole appends
        }
        return length;
    }

    private static boolean plausibleLength(int length) {
        return length >= RECORD_HEADER_BYTES + 1 && length <= MAX_RECORD_BYTES;
    }

    static int flags(ByteBuffer buf, int at) {
        return buf.get(at + OFF_FLAGS);
    }

    static long version(ByteBuffer buf, int at) {
        return buf.getLong(at + OFF_VERSION);
    }

    static long timestamp(ByteBuffer buf, int at) {
        return buf.getLong(at + OFF_TIMESTAMP);
    }

    static long group(ByteBuffer buf, int at) {
        return buf.getLong(at + OFF_GROUP);
    }

    static int nameLength(ByteBuffer buf, int at) {
        return buf.get(at + OFF_NAME_LEN) & 0xFF;
    }

    static int typeLength(ByteBuffer buf, int at) {
        return buf.get(at + OFF_TYPE_LEN) & 0xFF;
    }

    static byte[] bytes(ByteBuffer buf, int at, int length) {
        byte[] out = new byte[length];
        buf.get(at, out);
        return out;
    }
}
