package dev.ludus.game.liaptui;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import dev.ludus.api.game.GameSetup;
import dev.ludus.game.liaptui.LiapTuiEngine.CompletedTurn;
import dev.ludus.game.liaptui.LiapTuiEngine.Phase;
import dev.ludus.game.liaptui.LiapTuiEngine.RoundSummary;
import dev.ludus.game.liaptui.LiapTuiEngine.TurnPlay;

/**
 * The snapshot format, version 1 (big-endian, {@link DataOutputStream} layout):
 *
 * <pre>
 * magic "LT" (2 bytes), format version (1 byte) = 1
 * seed (long), maxRounds (int), winScore (int), redealTimeoutMillis (long)  -- must match the setup
 * version (long), phase (byte: 0 PREPARATION, 1 DECLARATION, 2 TURN, 3 GAME_OVER)
 * round (int), deal (int), multiplier (int), starter (byte), askSeat (byte), lastTurnWinner (byte)
 * per seat: 14 piece counts (bytes), declared (byte, -1 = not yet), zeroStreak (byte), won (byte), score (int)
 * turnNumber (byte), leader (byte), plays of the current turn: count (byte), each as a play (below)
 * last turn: present (byte 0/1); if present number (byte), winner (byte), 4 plays
 * last round: present (byte 0/1); if present round (int), multiplier (int), per seat declared (byte),
 *   won (byte), delta (int)
 * CRC-32 of everything before it (int)
 * play: seat (byte), 14 piece counts (bytes), competes (byte 0/1)
 * </pre>
 *
 * Reading validates every field and the piece count, so garbage is rejected rather than restored.
 */
final class SnapshotCodec {

    /** 2 adds the rounds each seat declared exactly; 1 is still read (those counts are then unknown). */
    static final byte FORMAT_VERSION = 2;
    private static final byte[] MAGIC = {'L', 'T'};

    private SnapshotCodec() {
    }

    static byte[] write(LiapTuiEngine e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(FORMAT_VERSION);
            out.writeLong(e.setup().seed());
            out.writeInt(e.options().maxRounds());
            out.writeInt(e.options().winScore());
            out.writeLong(e.options().redealTimeoutMillis());
            out.writeLong(e.version);
            out.writeByte(e.phase.ordinal());
            out.writeInt(e.round);
            out.writeInt(e.deal);
            out.writeInt(e.multiplier);
            out.writeByte(e.starter);
            out.writeByte(e.askSeat);
            out.writeByte(e.lastTurnWinner);
            for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
                for (int k = 0; k < Piece.KINDS; k++) {
                    out.writeByte(e.hands[s][k]);
                }
                out.writeByte(e.declared[s]);
                out.writeByte(e.zeroStreak[s]);
                out.writeByte(e.won[s]);
                out.writeInt(e.scores[s]);
            }
            out.writeByte(e.turnNumber);
            out.writeByte(e.leader);
            out.writeByte(e.plays.size());
            for (TurnPlay tp : e.plays) {
                writePlay(out, tp);
            }
            out.writeBoolean(e.lastTurn != null);
            if (e.lastTurn != null) {
                out.writeByte(e.lastTurn.number());
                out.writeByte(e.lastTurn.winner());
                for (TurnPlay tp : e.lastTurn.plays()) {
                    writePlay(out, tp);
                }
            }
            out.writeBoolean(e.lastRound != null);
            if (e.lastRound != null) {
                out.writeInt(e.lastRound.round());
                out.writeInt(e.lastRound.multiplier());
                for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
                    out.writeByte(e.lastRound.declared()[s]);
                    out.writeByte(e.lastRound.won()[s]);
                    out.writeInt(e.lastRound.delta()[s]);
                }
            }
            for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
                out.writeShort(e.exact[s]);
            }
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    private static void writePlay(DataOutputStream out, TurnPlay tp) throws IOException {
        out.writeByte(tp.seat());
        for (int k = 0; k < Piece.KINDS; k++) {
            out.writeByte(tp.play().count(k));
        }
        out.writeBoolean(tp.competes());
    }

    /**
     * Rebuilds an engine.
     *
     * @throws IllegalArgumentException if the bytes are not a valid snapshot of a game with this
     *                                  setup and these options
     */
    static LiapTuiEngine read(GameSetup setup, LiapTuiOptions options, Dealer dealer, byte[] snapshot) {
        if (snapshot == null || snapshot.length < MAGIC.length + 1 + 4) {
            throw new IllegalArgumentException("not a Liap Tui snapshot: too short");
        }
        if (snapshot[0] != MAGIC[0] || snapshot[1] != MAGIC[1]) {
            throw new IllegalArgumentException("not a Liap Tui snapshot: bad magic");
        }
        int format = snapshot[2];
        if (format != FORMAT_VERSION && format != 1) {
            throw new IllegalArgumentException("unsupported Liap Tui snapshot format version " + snapshot[2]
                    + "; this bundle reads versions 1 to " + FORMAT_VERSION);
        }
        CRC32 crc = new CRC32();
        crc.update(snapshot, 0, snapshot.length - 4);
        int stored = ((snapshot[snapshot.length - 4] & 0xff) << 24) | ((snapshot[snapshot.length - 3] & 0xff) << 16)
                | ((snapshot[snapshot.length - 2] & 0xff) << 8) | (snapshot[snapshot.length - 1] & 0xff);
        if (stored != (int) crc.getValue()) {
            throw new IllegalArgumentException("corrupt Liap Tui snapshot: checksum mismatch");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot, 3, snapshot.length - 7));
        try {
            LiapTuiEngine e = new LiapTuiEngine(setup, options, dealer);
            long seed = in.readLong();
            int maxRounds = in.readInt();
            int winScore = in.readInt();
            long redealTimeout = in.readLong();
            if (seed != setup.seed()) {
                throw new IllegalArgumentException("snapshot is of a game with another seed");
            }
            if (maxRounds != options.maxRounds() || winScore != options.winScore()
                    || redealTimeout != options.redealTimeoutMillis()) {
                throw new IllegalArgumentException("snapshot is of a game with other options: maxRounds=" + maxRounds
                        + ", winScore=" + winScore + ", redealTimeoutMillis=" + redealTimeout);
            }
            e.version = in.readLong();
            check(e.version >= 0, "version");
            e.phase = Phase.values()[range(in.readByte(), 0, Phase.values().length - 1, "phase")];
            e.round = range(in.readInt(), 1, options.maxRounds(), "round");
            e.deal = range(in.readInt(), 0, Integer.MAX_VALUE - 1, "deal");
            e.multiplier = range(in.readInt(), 1, Integer.MAX_VALUE, "multiplier");
            check(e.multiplier == e.deal + 1, "multiplier");
            e.starter = range(in.readByte(), 0, 3, "starter");
            e.askSeat = range(in.readByte(), -1, 3, "askSeat");
            e.lastTurnWinner = range(in.readByte(), -1, 3, "lastTurnWinner");
            for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
                for (int k = 0; k < Piece.KINDS; k++) {
                    e.hands[s][k] = range(in.readByte(), 0, Piece.of(k).copies(), "hand");
                }
                e.declared[s] = range(in.readByte(), -1, Piece.HAND, "declared");
                e.zeroStreak[s] = range(in.readByte(), 0, 2, "zeroStreak");
                e.won[s] = range(in.readByte(), 0, Piece.HAND, "won");
                e.scores[s] = in.readInt();
            }
            e.turnNumber = range(in.readByte(), 0, Piece.HAND, "turnNumber");
            e.leader = range(in.readByte(), -1, 3, "leader");
            int plays = range(in.readByte(), 0, 3, "plays");
            for (int i = 0; i < plays; i++) {
                e.plays.add(readPlay(in));
            }
            if (in.readBoolean()) {
                int number = range(in.readByte(), 1, Piece.HAND, "lastTurn.number");
                int winner = range(in.readByte(), 0, 3, "lastTurn.winner");
                List<TurnPlay> last = new ArrayList<>();
                for (int i = 0; i < LiapTuiEngine.SEATS; i++) {
                    last.add(readPlay(in));
                }
                e.lastTurn = new CompletedTurn(number, List.copyOf(last), winner);
            }
            if (in.readBoolean()) {
                int round = range(in.readInt(), 1, options.maxRounds(), "lastRound.round");
                int multiplier = range(in.readInt(), 1, Integer.MAX_VALUE, "lastRound.multiplier");
                int[] declared = new int[LiapTuiEngine.SEATS];
                int[] won = new int[LiapTuiEngine.SEATS];
                int[] delta = new int[LiapTuiEngine.SEATS];
                for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
                    declared[s] = range(in.readByte(), 0, Piece.HAND, "lastRound.declared");
                    won[s] = range(in.readByte(), 0, Piece.HAND, "lastRound.won");
                    delta[s] = in.readInt();
                }
                e.lastRound = new RoundSummary(round, multiplier, declared, won, delta);
            }
            if (format >= 2) {
                for (int s = 0; s < LiapTuiEngine.SEATS; s++) {
                    e.exact[s] = range(in.readUnsignedShort(), 0, options.maxRounds(), "exact");
                }
            } else {
                e.exactKnown = false;
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("corrupt Liap Tui snapshot: " + in.available() + " trailing bytes");
            }
            checkConsistent(e);
            return e;
        } catch (IOException ex) {
            throw new IllegalArgumentException("corrupt Liap Tui snapshot: truncated", ex);
        }
    }

    private static TurnPlay readPlay(DataInputStream in) throws IOException {
        int seat = range(in.readByte(), 0, 3, "play.seat");
        int[] counts = new int[Piece.KINDS];
        for (int k = 0; k < Piece.KINDS; k++) {
            counts[k] = range(in.readByte(), 0, Piece.of(k).copies(), "play");
        }
        Play p = Play.of(counts);
        check(p.size() >= 1 && p.size() <= Piece.HAND, "play size");
        return new TurnPlay(seat, p, in.readBoolean());
    }

    /** The cross-field rules every reachable state satisfies. */
    private static void checkConsistent(LiapTuiEngine e) {
        int[] inHands = new int[Piece.KINDS];
        for (int[] h : e.hands) {
            for (int k = 0; k < Piece.KINDS; k++) {
                inHands[k] += h[k];
            }
        }
        int[] played = new int[Piece.KINDS];
        for (TurnPlay tp : e.plays) {
            for (int k = 0; k < Piece.KINDS; k++) {
                played[k] += tp.play().count(k);
            }
        }
        for (int k = 0; k < Piece.KINDS; k++) {
            check(inHands[k] + played[k] <= Piece.of(k).copies(), "piece count");
        }
        int size0 = e.handSize(e.plays.isEmpty() ? 0 : e.plays.get(0).seat());
        for (int i = 0; i < LiapTuiEngine.SEATS; i++) {
            int seat = (e.leader < 0 ? i : (e.leader + i) % LiapTuiEngine.SEATS);
            int expected = size0;
            if (i < e.plays.size()) {
                check(e.plays.get(i).seat() == seat, "play order");
                check(e.plays.get(i).play().size() == e.plays.get(0).play().size(), "play size");
            }
            if (e.phase == Phase.TURN && !e.plays.isEmpty() && i >= e.plays.size()) {
                expected = size0 + e.plays.get(0).play().size();
            }
            check(e.handSize(seat) == expected, "hand sizes");
        }
        switch (e.phase) {
            case PREPARATION -> {
                check(e.askSeat >= 0 && e.weak(e.askSeat), "redeal offer");
                check(e.declaredCount() == 0 && e.handSize(0) == Piece.HAND, "preparation");
            }
            case DECLARATION -> check(e.declaredCount() < LiapTuiEngine.SEATS && e.handSize(0) == Piece.HAND,
                    "declaration");
            case TURN -> {
                check(e.declaredCount() == LiapTuiEngine.SEATS && e.leader >= 0 && e.turnNumber >= 1, "turn");
                check(e.plays.isEmpty() || e.plays.get(0).play().valid(), "lead");
            }
            case GAME_OVER -> check(e.handSize(0) == 0 && e.plays.isEmpty(), "game over");
        }
        check(e.phase == Phase.TURN || e.plays.isEmpty(), "plays outside a turn");
        check(Arrays.stream(e.declared).allMatch(d -> d >= 0) == (e.declaredCount() == LiapTuiEngine.SEATS),
                "declarations");
    }

    private static int range(int v, int min, int max, String field) {
        check(v >= min && v <= max, field);
        return v;
    }

    private static void check(boolean ok, String field) {
        if (!ok) {
            throw new IllegalArgumentException("corrupt Liap Tui snapshot: invalid " + field);
        }
    }
}
