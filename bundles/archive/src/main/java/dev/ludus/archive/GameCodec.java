package dev.ludus.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.ludus.api.archive.CompletedGame;

/**
 * The queue's binary form of a {@link CompletedGame}, with the time it was queued. Exact: every
 * field, including nanoseconds, reads back equal.
 */
final class GameCodec {

    private static final int VERSION = 1;

    private GameCodec() {
    }

    static byte[] encode(CompletedGame game, Instant queuedAt) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(game.record().length + 256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            instant(out, queuedAt);
            out.writeUTF(game.gameId());
            out.writeUTF(game.gameType());
            instant(out, game.startedAt());
            instant(out, game.completedAt());
            out.writeInt(game.playerIds().size());
            for (String p : game.playerIds()) {
                out.writeUTF(p);
            }
            out.writeInt(game.record().length);
            out.write(game.record());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** A decoded entry: the game and when it was queued. */
    record Decoded(CompletedGame game, Instant queuedAt) {
    }

    static Decoded decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unknown queue entry version " + version);
        }
        Instant queuedAt = instant(in);
        String id = in.readUTF();
        String type = in.readUTF();
        Instant started = instant(in);
        Instant completed = instant(in);
        int players = in.readInt();
        if (players < 0 || players > payload.length) {
            throw new IOException("bad player count " + players);
        }
        List<String> playerIds = new ArrayList<>(players);
        for (int i = 0; i < players; i++) {
            playerIds.add(in.readUTF());
        }
        int length = in.readInt();
        if (length < 0 || length > payload.length) {
            throw new IOException("bad record length " + length);
        }
        byte[] record = in.readNBytes(length);
        if (record.length != length) {
            throw new IOException("record cut short");
        }
        return new Decoded(new CompletedGame(id, type, started, completed, playerIds, record), queuedAt);
    }

    private static void instant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant instant(DataInputStream in) throws IOException {
        long seconds = in.readLong();
        int nanos = in.readInt();
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (RuntimeException e) {
            throw new IOException("bad instant", e);
        }
    }
}
