package dev.ludus.archive.fs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import dev.ludus.api.archive.CompletedGame;

/**
 * The pack file format: many archived games in one file, each compressed and checksummed, with a
 * footer listing them so a directory can be indexed without reading the records.
 *
 * <pre>
 * pack   := "LAP1" version:int entry* footer
 * entry  := "LAE1" headerLength:int header compressedLength:int compressed crc32c(header, compressed):int
 * header := gameId gameType startedAt completedAt playerCount:int playerId* rawLength:int rawCrc32c:int codec:byte
 * footer := count:int (offset:long length:int headerLength:int header)* crc32c(footer body):int footerStart:long "LAF1"
 * </pre>
 * Strings are Java modified UTF-8 ({@code DataOutput.writeUTF}); instants are epoch second
 * (long) and nanosecond (int). Codec 0 stores the record as is, 1 as zlib (Deflater) data.
 */
final class Pack {

    static final int PACK_MAGIC = 0x4C415031; // "LAP1"
    static final int ENTRY_MAGIC = 0x4C414531; // "LAE1"
    static final int FOOTER_MAGIC = 0x4C414631; // "LAF1"
    static final int VERSION = 1;
    static final int TRAILER_BYTES = 4 + 8 + 4;
    static final byte CODEC_STORED = 0;
    static final byte CODEC_DEFLATE = 1;

    private Pack() {
    }

    /** What the footer says about one entry: enough to filter, index and find it. */
    record Header(String gameId, String gameType, Instant startedAt, Instant completedAt, List<String> playerIds,
                  int rawLength, int rawCrc, byte codec) {
    }

    /** An entry's place in its pack. */
    record Listed(Header header, long offset, int length) {
    }

    /** A pack being built in memory. */
    static final class Builder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        private final DataOutputStream out = new DataOutputStream(bytes);
        private final List<Listed> listed = new ArrayList<>();
        private final List<byte[]> headers = new ArrayList<>();
        private final Deflater deflater;
        private byte[] scratch = new byte[64 * 1024];

        Builder(Deflater deflater) {
            this.deflater = deflater;
            try {
                out.writeInt(PACK_MAGIC);
                out.writeInt(VERSION);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Compresses and appends a game; returns where it went. */
        Listed add(CompletedGame game) {
            byte[] raw = game.record();
            CRC32C rawCrc = new CRC32C();
            rawCrc.update(raw);
            byte[] compressed = deflate(raw);
            byte codec = CODEC_DEFLATE;
            if (compressed.length >= raw.length) {
                compressed = raw;
                codec = CODEC_STORED;
            }
            Header h = new Header(game.gameId(), game.gameType(), game.startedAt(), game.completedAt(),
                    game.playerIds(), raw.length, (int) rawCrc.getValue(), codec);
            return addEncoded(h, encodeHeader(h), compressed);
        }

        /** Appends an entry copied unchanged from another pack (already verified). */
        Listed addCopy(Header h, byte[] headerBytes, byte[] compressed) {
            return addEncoded(h, headerBytes, compressed);
        }

        private Listed addEncoded(Header h, byte[] headerBytes, byte[] compressed) {
            long offset = bytes.size();
            CRC32C crc = new CRC32C();
            crc.update(headerBytes);
            crc.update(compressed);
            try {
                out.writeInt(ENTRY_MAGIC);
                out.writeInt(headerBytes.length);
                out.write(headerBytes);
                out.writeInt(compressed.length);
                out.write(compressed);
                out.writeInt((int) crc.getValue());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Listed l = new Listed(h, offset, (int) (bytes.size() - offset));
            listed.add(l);
            headers.add(headerBytes);
            return l;
        }

        private byte[] deflate(byte[] raw) {
            deflater.reset();
            deflater.setInput(raw);
            deflater.finish();
            int n = 0;
            if (scratch.length < raw.length + 64) {
                scratch = new byte[raw.length + 64];
            }
            while (!deflater.finished()) {
                n += deflater.deflate(scratch, n, scratch.length - n);
                if (n == scratch.length && !deflater.finished()) {
                    scratch = Arrays.copyOf(scratch, scratch.length * 2);
                }
            }
            return Arrays.copyOf(scratch, n);
        }

        boolean isEmpty() {
            return listed.isEmpty();
        }

        List<Listed> listed() {
            return listed;
        }

        /** The complete pack with its footer. */
        byte[] finish() {
            try {
                long footerStart = bytes.size();
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                DataOutputStream f = new DataOutputStream(body);
                f.writeInt(listed.size());
                for (int i = 0; i < listed.size(); i++) {
                    f.writeLong(listed.get(i).offset());
                    f.writeInt(listed.get(i).length());
                    f.writeInt(headers.get(i).length);
                    f.write(headers.get(i));
                }
                f.flush();
                byte[] footer = body.toByteArray();
                CRC32C crc = new CRC32C();
                crc.update(footer);
                out.write(footer);
                out.writeInt((int) crc.getValue());
                out.writeLong(footerStart);
                out.writeInt(FOOTER_MAGIC);
                out.flush();
                return bytes.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static byte[] encodeHeader(Header h) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeUTF(h.gameId());
            out.writeUTF(h.gameType());
            out.writeLong(h.startedAt().getEpochSecond());
            out.writeInt(h.startedAt().getNano());
            out.writeLong(h.completedAt().getEpochSecond());
            out.writeInt(h.completedAt().getNano());
            out.writeInt(h.playerIds().size());
            for (String p : h.playerIds()) {
                out.writeUTF(p);
            }
            out.writeInt(h.rawLength());
            out.writeInt(h.rawCrc());
            out.writeByte(h.codec());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static Header decodeHeader(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        String id = in.readUTF();
        String type = in.readUTF();
        Instant started = instant(in);
        Instant completed = instant(in);
        int n = in.readInt();
        if (n < 0 || n > bytes.length) {
            throw new IOException("bad player count " + n);
        }
        List<String> players = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            players.add(in.readUTF());
        }
        int rawLength = in.readInt();
        int rawCrc = in.readInt();
        byte codec = in.readByte();
        if (rawLength < 0 || (codec != CODEC_STORED && codec != CODEC_DEFLATE)) {
            throw new IOException("bad record description");
        }
        return new Header(id, type, started, completed, List.copyOf(players), rawLength, rawCrc, codec);
    }

    private static Instant instant(DataInputStream in) throws IOException {
        long s = in.readLong();
        int n = in.readInt();
        try {
            return Instant.ofEpochSecond(s, n);
        } catch (RuntimeException e) {
            throw new IOException("bad instant", e);
        }
    }

    /** Reads the footer of an open pack: every entry's header and place. */
    static List<Listed> readFooter(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8 + TRAILER_BYTES) {
            throw new IOException("too short for a pack: " + size + " bytes");
        }
        ByteBuffer head = read(ch, 0, 8);
        if (head.getInt() != PACK_MAGIC || head.getInt() != VERSION) {
            throw new IOException("not a version " + VERSION + " pack");
        }
        ByteBuffer trailer = read(ch, size - TRAILER_BYTES, TRAILER_BYTES);
        int crc = trailer.getInt();
        long footerStart = trailer.getLong();
        if (trailer.getInt() != FOOTER_MAGIC || footerStart < 8 || footerStart > size - TRAILER_BYTES) {
            throw new IOException("no pack footer");
        }
        byte[] footer = read(ch, footerStart, (int) (size - TRAILER_BYTES - footerStart)).array();
        CRC32C check = new CRC32C();
        check.update(footer);
        if ((int) check.getValue() != crc) {
            throw new IOException("pack footer checksum mismatch");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(footer));
        int count = in.readInt();
        if (count < 0 || count > footer.length) {
            throw new IOException("bad entry count " + count);
        }
        List<Listed> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = in.readLong();
            int length = in.readInt();
            int hl = in.readInt();
            if (hl < 0 || hl > footer.length) {
                throw new IOException("bad header length");
            }
            byte[] hb = in.readNBytes(hl);
            if (offset < 8 || length < 0 || offset + length > footerStart) {
                throw new IOException("entry outside the pack");
            }
            out.add(new Listed(decodeHeader(hb), offset, length));
        }
        return out;
    }

    /** An entry read back and verified, in its stored (possibly compressed) form. */
    record RawEntry(Header header, byte[] headerBytes, byte[] compressed) {
    }

    /** Reads the entry at {@code offset}, verifying its checksum; does not decompress. */
    static RawEntry readEntry(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = read(ch, offset, length);
        if (length < 16 || b.getInt() != ENTRY_MAGIC) {
            throw new IOException("bad entry magic");
        }
        int hl = b.getInt();
        if (hl < 0 || hl > length - 16) {
            throw new IOException("bad entry header length");
        }
        byte[] hb = new byte[hl];
        b.get(hb);
        int cl = b.getInt();
        if (cl < 0 || cl != length - 16 - hl) {
            throw new IOException("bad compressed length");
        }
        byte[] compressed = new byte[cl];
        b.get(compressed);
        int crc = b.getInt();
        CRC32C check = new CRC32C();
        check.update(hb);
        check.update(compressed);
        if ((int) check.getValue() != crc) {
            throw new IOException("entry checksum mismatch");
        }
        return new RawEntry(decodeHeader(hb), hb, compressed);
    }

    /** Decompresses and verifies the record of an entry; returns the game. */
    static CompletedGame toGame(RawEntry e, Inflater inflater) throws IOException {
        Header h = e.header();
        byte[] raw;
        if (h.codec() == CODEC_STORED) {
            raw = e.compressed();
        } else {
            raw = new byte[h.rawLength()];
            inflater.reset();
            inflater.setInput(e.compressed());
            try {
                int n = 0;
                byte[] extra = new byte[1];
                while (!inflater.finished()) {
                    int k = n < raw.length ? inflater.inflate(raw, n, raw.length - n) : inflater.inflate(extra);
                    if (n >= raw.length && k > 0) {
                        throw new IOException("record inflates to more than its length");
                    }
                    if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        break;
                    }
                    n += k;
                }
                if (n != raw.length || !inflater.finished()) {
                    throw new IOException("record inflates to a different length");
                }
            } catch (DataFormatException ex) {
                throw new IOException("record does not inflate: " + ex.getMessage(), ex);
            }
        }
        CRC32C check = new CRC32C();
        check.update(raw);
        if (raw.length != h.rawLength() || (int) check.getValue() != h.rawCrc()) {
            throw new IOException("record checksum mismatch");
        }
        return new CompletedGame(h.gameId(), h.gameType(), h.startedAt(), h.completedAt(), h.playerIds(), raw);
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of pack");
            }
            pos += n;
        }
        b.flip();
        return b;
    }
}
