package dev.ludus.game.liaptui;

import static dev.ludus.game.liaptui.Fixtures.accepted;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

import org.junit.Test;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;

public class SnapshotAndDeterminismTest {

    private final LiapTuiDefinition definition = new LiapTuiDefinition();

    /** The next move of a bot game, with the redeal timer firing now and then. */
    private static Action nextMove(GameEngine e, SplittableRandom rng) {
        if (e.pendingTimer().isPresent() && rng.nextInt(3) == 0) {
            return e.pendingTimer().get().onExpiry();
        }
        for (int s = 0; s < 4; s++) {
            if (e.botAction(s).isPresent()) {
                return e.botAction(s).get();
            }
        }
        throw new AssertionError("nobody to move");
    }

    @Test
    public void sameSeedAndActionsGiveIdenticalEventsAndSnapshots() {
        for (long seed : new long[] {0, 1, -99, 123456789012345L}) {
            GameSetup setup = Fixtures.setup(seed);
            GameEngine a = definition.create(setup);
            GameEngine b = definition.create(setup);
            assertArrayEquals(a.snapshot(), b.snapshot());
            SplittableRandom rng = new SplittableRandom(seed);
            while (!a.completed()) {
                Action move = nextMove(a, rng);
                List<GameEvent> ea = accepted(a.apply(move));
                List<GameEvent> eb = accepted(b.apply(move));
                assertEquals(ea, eb);
                assertArrayEquals(a.snapshot(), b.snapshot());
            }
            assertTrue(b.completed());
            assertEquals(a.result(), b.result());
        }
    }

    @Test
    public void differentSeedsDealDifferently() {
        assertFalse(Arrays.equals(definition.create(Fixtures.setup(1)).snapshot(),
                definition.create(Fixtures.setup(2)).snapshot()));
    }

    @Test
    public void aRestoredGameContinuesExactlyLikeTheOriginal() {
        for (long seed = 0; seed < 20; seed++) {
            GameSetup setup = Fixtures.setup(seed);
            GameEngine original = definition.create(setup);
            SplittableRandom rng = new SplittableRandom(seed);
            int stop = 20 + (int) (seed * 13);
            for (int i = 0; i < stop && !original.completed(); i++) {
                accepted(original.apply(nextMove(original, rng)));
            }
            GameEngine restored = definition.restore(setup, original.snapshot());
            assertEquals(original.version(), restored.version());
            assertEquals(original.completed(), restored.completed());
            assertEquals(original.pendingTimer(), restored.pendingTimer());
            while (!original.completed()) {
                for (int s = -1; s < 4; s++) {
                    assertEquals(original.view(s), restored.view(s));
                    assertEquals(original.allowedActions(s), restored.allowedActions(s));
                    assertEquals(original.botAction(s), restored.botAction(s));
                }
                Action move = nextMove(original, rng);
                assertEquals(accepted(original.apply(move)), accepted(restored.apply(move)));
                assertArrayEquals(original.snapshot(), restored.snapshot());
            }
            assertTrue(restored.completed());
            assertEquals(original.result(), restored.result());
        }
    }

    @Test
    public void everyPhaseRoundTrips() {
        Set<LiapTuiEngine.Phase> seen = EnumSet.noneOf(LiapTuiEngine.Phase.class);
        boolean midTurn = false;
        boolean withLastRound = false;
        for (long seed = 0; seed < 30 && !(seen.size() == 4 && midTurn && withLastRound); seed++) {
            GameSetup setup = Fixtures.setup(seed, Map.of("maxRounds", "2"));
            LiapTuiEngine e = (LiapTuiEngine) definition.create(setup);
            SplittableRandom rng = new SplittableRandom(seed);
            while (true) {
                seen.add(e.phase);
                midTurn |= !e.plays.isEmpty();
                withLastRound |= e.lastRound != null;
                byte[] snap = e.snapshot();
                GameEngine r = definition.restore(setup, snap);
                assertArrayEquals(snap, r.snapshot());
                assertEquals(e.view(0), r.view(0));
                if (e.completed()) {
                    break;
                }
                accepted(e.apply(nextMove(e, rng)));
            }
        }
        assertEquals(EnumSet.allOf(LiapTuiEngine.Phase.class), seen);
        assertTrue(midTurn && withLastRound);
    }

    @Test
    public void restoreRejectsGarbage() {
        GameSetup setup = Fixtures.setup(9);
        GameEngine e = definition.create(setup);
        SplittableRandom rng = new SplittableRandom(9);
        for (int i = 0; i < 30; i++) {
            accepted(e.apply(nextMove(e, rng)));
        }
        byte[] good = e.snapshot();
        definition.restore(setup, good);

        garbage(setup, null, "too short");
        garbage(setup, new byte[0], "too short");
        garbage(setup, "hello, this is not a snapshot".getBytes(), "bad magic");
        garbage(setup, Arrays.copyOf(good, good.length - 1), "checksum");
        garbage(setup, Arrays.copyOf(good, good.length + 1), "checksum");
        byte[] version = good.clone();
        version[2] = 9;
        garbage(setup, version, "format version 9");
        for (int i = 3; i < good.length; i++) {
            byte[] flipped = good.clone();
            flipped[i] ^= 0x10;
            garbage(setup, flipped, "");
        }
        SplittableRandom noise = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            byte[] random = new byte[noise.nextInt(300)];
            noise.nextBytes(random);
            if (random.length > 2) {
                random[0] = 'L';
                random[1] = 'T';
                random[2] = 1;
            }
            garbage(setup, random, "");
        }
        // Valid bytes, but of another game.
        garbage(Fixtures.setup(10), good, "another seed");
        garbage(Fixtures.setup(9, Map.of("winScore", "60")), good, "other options");
    }

    @Test
    public void restoreChecksTheStateNotJustTheChecksum() {
        GameSetup setup = Fixtures.setup(9);
        LiapTuiEngine e = (LiapTuiEngine) definition.create(setup);
        byte[] good = e.snapshot();
        // Re-sign a snapshot whose first hand has one RED_GENERAL too many.
        byte[] body = Arrays.copyOf(good, good.length - 4);
        int handsAt = 3 + 8 + 4 + 4 + 8 + 8 + 1 + 4 + 4 + 4 + 3;
        assertEquals(e.hands[0][0], body[handsAt]);
        body[handsAt] = 2;
        garbage(setup, signed(body), "hand");
        body[handsAt] = (byte) (1 - e.hands[0][0]);
        garbage(setup, signed(body), "");
        body = Arrays.copyOf(good, good.length - 4);
        body[3 + 8 + 4 + 4 + 8 + 8] = 7; // phase
        garbage(setup, signed(body), "phase");
    }

    private static byte[] signed(byte[] body) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(out);
            data.write(body);
            CRC32 crc = new CRC32();
            crc.update(body);
            data.writeInt((int) crc.getValue());
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void garbage(GameSetup setup, byte[] bytes, String expected) {
        try {
            definition.restore(setup, bytes);
            fail("restored garbage " + (bytes == null ? null : Arrays.toString(bytes)));
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(expected));
        }
    }

    @Test
    public void aSnapshotIsCompact() {
        GameEngine e = definition.create(Fixtures.setup(4));
        SplittableRandom rng = new SplittableRandom(4);
        List<Integer> sizes = new ArrayList<>();
        while (!e.completed()) {
            sizes.add(e.snapshot().length);
            accepted(e.apply(nextMove(e, rng)));
        }
        int max = sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue("largest snapshot " + max + " bytes", max < 300);
    }

    /**
     * The result counts the rounds each seat won exactly what it declared (what player statistics
     * call declaration accuracy), as the round_scored events show them; a game restored from a
     * snapshot keeps the counts, and one restored from a format-1 snapshot (which had none) says
     * nothing rather than a wrong number.
     */
    @Test
    public void theResultCountsExactDeclarationsAcrossSnapshots() throws Exception {
        GameSetup setup = Fixtures.setup(11);
        GameEngine e = definition.create(setup);
        SplittableRandom rng = new SplittableRandom(11);
        int[] expected = new int[4];
        byte[] midGame = null;
        int moves = 0;
        while (!e.completed()) {
            for (GameEvent ev : accepted(e.apply(nextMove(e, rng)))) {
                if (ev.type().equals("round_scored")) {
                    List<?> declared = (List<?>) ev.data().get("declared");
                    List<?> won = (List<?>) ev.data().get("won");
                    for (int seat = 0; seat < 4; seat++) {
                        if (declared.get(seat).equals(won.get(seat))) {
                            expected[seat]++;
                        }
                    }
                }
            }
            if (++moves == 200) {
                midGame = e.snapshot();
            }
        }
        List<Integer> exact = Arrays.stream(expected).boxed().toList();
        assertEquals(exact, e.result().get("declaredExactly"));
        assertTrue("some round was hit exactly", exact.stream().mapToInt(Integer::intValue).sum() > 0);
        assertEquals(e.result(), definition.restore(setup, e.snapshot()).result());

        // Format 1: the same bytes without the counts, version byte 1, checksum redone.
        byte[] v2 = midGame;
        byte[] v1 = Arrays.copyOf(v2, v2.length - 4 - 8);
        v1[2] = 1;
        CRC32 crc = new CRC32();
        crc.update(v1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(v1);
        new DataOutputStream(out).writeInt((int) crc.getValue());
        GameEngine old = definition.restore(setup, out.toByteArray());
        assertFalse(old.result().containsKey("declaredExactly"));
        assertEquals(definition.restore(setup, v2).result().get("scores"), old.result().get("scores"));
    }
}
