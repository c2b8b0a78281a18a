package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class RecordCodecTest {

    private final RecordCodec codec = new RecordCodec();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Decodes {@code json} stored as {@code type}, expects {@code expected}, and re-encodes it byte for byte. */
    private void compatible(String type, String json, RoomRecord expected) {
        RoomRecord decoded = codec.decode(type, utf8(json));
        assertEquals(expected, decoded);
        assertEquals(type, decoded.type());
        assertEquals("re-encoded bytes differ from the stored ones", json, text(codec.encode(decoded)));
    }

    /*
     * The samples are the bytes the map-based encoder of the previous release wrote to room
     * streams, captured from its unit test runs: streams written by it must replay unchanged.
     */

    @Test
    public void readsAndWritesRoomCreatedAsStoredBefore() {
        compatible("room_created",
                "{\"name\":\"t\",\"gameType\":\"count\",\"createdBy\":\"ann\",\"options\":{\"target\":\"100\"},"
                        + "\"createdAt\":1796089655727,\"seats\":2}",
                new RoomRecord.Created("t", "count", "ann", Map.of("target", "100"), 1796089655727L, 2));
        // Without a creator the key is absent, not null.
        compatible("room_created",
                "{\"name\":\"w\",\"gameType\":\"count\",\"options\":{},\"createdAt\":1796089646679,\"seats\":2}",
                new RoomRecord.Created("w", "count", null, Map.of(), 1796089646679L, 2));
    }

    @Test
    public void readsAndWritesSeatChangesAsStoredBefore() {
        compatible("seat", "{\"seat\":0,\"playerId\":\"ann\",\"name\":\"Ann\",\"bot\":false}",
                new RoomRecord.SeatChanged(0, "ann", "Ann", false));
        compatible("seat", "{\"seat\":1,\"playerId\":null,\"name\":\"bot 2\",\"bot\":true}",
                new RoomRecord.SeatChanged(1, null, "bot 2", true));
        compatible("seat", "{\"seat\":1,\"playerId\":null,\"name\":null,\"bot\":false}",
                new RoomRecord.SeatChanged(1, null, null, false));
    }

    @Test
    public void readsAndWritesStartedAsStoredBefore() {
        compatible("started",
                "{\"seed\":3584442014926913843,\"startedAt\":1796089646965,\"players\":[{\"id\":\"eve\",\"name\":\"Eve\","
                        + "\"bot\":false},{\"id\":\"bot-1\",\"name\":\"bot 2\",\"bot\":true}]}",
                new RoomRecord.Started(3584442014926913843L, 1796089646965L, List.of(
                        new RoomRecord.Started.Player("eve", "Eve", false),
                        new RoomRecord.Started.Player("bot-1", "bot 2", true))));
        compatible("started",
                "{\"seed\":-5253021926690024666,\"startedAt\":1796089645059,\"players\":[{\"id\":\"bot-0\",\"name\":\"bot 1\","
                        + "\"bot\":true},{\"id\":\"bot-1\",\"name\":\"bot 2\",\"bot\":true}]}",
                new RoomRecord.Started(-5253021926690024666L, 1796089645059L, List.of(
                        new RoomRecord.Started.Player("bot-0", "bot 1", true),
                        new RoomRecord.Started.Player("bot-1", "bot 2", true))));
    }

    @Test
    public void readsAndWritesActionsAsStoredBefore() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("n", 1);
        args.put("junk", "a");
        compatible("action", "{\"seat\":1,\"type\":\"add\",\"args\":{\"n\":1,\"junk\":\"a\"}}",
                new RoomRecord.ActionTaken(1, "add", args, 0, null));
        compatible("action", "{\"seat\":0,\"type\":\"add\",\"args\":{\"n\":3}}",
                new RoomRecord.ActionTaken(0, "add", Map.of("n", 3), 0, null));
    }

    @Test
    public void readsAndWritesTheEndingsAsStoredBefore() {
        compatible("archived", "{}", new RoomRecord.Archived());
        compatible("announced", "{\"messageId\":\"game.finished:r1\"}", new RoomRecord.Announced("game.finished:r1"));
        compatible("closed", "{\"reason\":\"nobody sat in the room for 1 s\"}",
                new RoomRecord.Closed("nobody sat in the room for 1 s"));
        compatible("quarantined", "{\"reason\":\"record nested too deep\",\"generation\":0,\"failures\":3}",
                new RoomRecord.Quarantined("record nested too deep", 0, 3));
    }

    @Test
    public void readsAndWritesSnapshotHeadersAsStoredBefore() {
        String json = "{\"name\":\"bots\",\"gameType\":\"count\",\"createdBy\":null,\"options\":{\"target\":\"40\"},"
                + "\"createdAt\":1796089645055,\"state\":\"PLAYING\",\"seed\":-5253021926690024666,"
                + "\"startedAt\":1796089645059,\"seats\":[{\"playerId\":null,\"name\":\"bot 1\",\"bot\":true},"
                + "{\"playerId\":null,\"name\":\"bot 2\",\"bot\":true}]}";
        SnapshotHeader h = codec.decodeHeader(utf8(json));
        assertEquals(new SnapshotHeader("bots", "count", null, Map.of("target", "40"), 1796089645055L, "PLAYING",
                -5253021926690024666L, 1796089645059L, List.of(new SnapshotHeader.Seat(null, "bot 1", true),
                        new SnapshotHeader.Seat(null, "bot 2", true)), 0), h);
        assertEquals(json, text(codec.encodeHeader(h)));
    }

    @Test
    public void aNewSnapshotHeaderCarriesWhenTheLatestMoveWasTaken() {
        SnapshotHeader h = new SnapshotHeader("bots", "count", null, Map.of(), 1, "PLAYING", 7, 2,
                List.of(new SnapshotHeader.Seat(null, "bot 1", true)), 1796089645100L);
        byte[] bytes = codec.encodeHeader(h);
        assertTrue(text(bytes).endsWith(",\"lastMoveAt\":1796089645100}"));
        assertEquals(h, codec.decodeHeader(bytes));
    }

    @Test
    public void operatorsRecordsAreStoredWithTheirReasonAndWhoAsked() {
        assertEquals("{\"reason\":\"checking\",\"by\":\"admin\"}",
                text(codec.encode(new RoomRecord.OperatorPaused("checking", "admin"))));
        assertEquals("{\"by\":\"admin\",\"at\":1796089645100}",
                text(codec.encode(new RoomRecord.OperatorResumed("admin", 1796089645100L))));
        assertEquals("{\"reason\":\"flipped\",\"by\":\"admin\"}",
                text(codec.encode(new RoomRecord.Ended("flipped", "admin"))));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("ended", utf8("{\"reason\":\"x\"}")));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("operator_resumed", utf8("{\"by\":\"x\"}")));
    }

    /** A header with an operator's pause carries it; one without (every older one) reads as none. */
    @Test
    public void aSnapshotHeaderCarriesAnOperatorsPauseOnlyWhenThereIsOne() {
        SnapshotHeader paused = new SnapshotHeader("t", "count", null, Map.of(), 1, "PLAYING", 7, 2,
                List.of(new SnapshotHeader.Seat("ann", "Ann", false)), 3,
                new SnapshotHeader.OperatorPause("under review", "admin"), null);
        byte[] bytes = codec.encodeHeader(paused);
        assertTrue(text(bytes), text(bytes).endsWith(",\"lastMoveAt\":3,\"operatorPause\":{\"reason\":\"under review\","
                + "\"by\":\"admin\"}}"));
        assertEquals(paused, codec.decodeHeader(bytes));
        SnapshotHeader plain = new SnapshotHeader("t", "count", null, Map.of(), 1, "PLAYING", 7, 2,
                List.of(new SnapshotHeader.Seat("ann", "Ann", false)), 3);
        assertFalse(text(codec.encodeHeader(plain)).contains("operatorPause"));
        assertEquals(null, codec.decodeHeader(codec.encodeHeader(plain)).operatorPause());
    }

    @Test
    public void anActionRecordCarriesWhenAndWhyItWasTaken() {
        RoomRecord.ActionTaken a = new RoomRecord.ActionTaken(2, "add", Map.of("n", 1), 1796089645100L, "idle");
        assertEquals("{\"seat\":2,\"type\":\"add\",\"args\":{\"n\":1},\"at\":1796089645100,\"cause\":\"idle\"}",
                text(codec.encode(a)));
        assertEquals(a, codec.decode("action", codec.encode(a)));
    }

    /** {@code away} is one more value of the optional {@code cause}: the stored shape is unchanged. */
    @Test
    public void aMoveMadeForAnAwayPlayerIsStoredInTheSameShape() {
        RoomRecord.ActionTaken a = new RoomRecord.ActionTaken(1, "add", Map.of("n", 2), 1796089645100L, "away");
        assertEquals("{\"seat\":1,\"type\":\"add\",\"args\":{\"n\":2},\"at\":1796089645100,\"cause\":\"away\"}",
                text(codec.encode(a)));
        assertEquals(a, codec.decode("action", codec.encode(a)));
        assertTrue(a.forAbsentPlayer());
        assertFalse(new RoomRecord.ActionTaken(1, "add", Map.of(), 0, "bot").forAbsentPlayer());
        assertFalse("an older record, without a cause", new RoomRecord.ActionTaken(1, "add", Map.of(), 0, null).forAbsentPlayer());
    }

    @Test
    public void everyKindSurvivesARoundTrip() {
        List<RoomRecord> all = List.of(
                new RoomRecord.Created("Table ü \"1\"", "count", "ann", Map.of("target", "7"), 42L, 3),
                new RoomRecord.Created("x", "count", null, Map.of(), 0L, 1),
                new RoomRecord.SeatChanged(2, "bob", "Bob", false),
                new RoomRecord.SeatChanged(0, null, null, false),
                new RoomRecord.Started(Long.MIN_VALUE, Long.MAX_VALUE, List.of(new RoomRecord.Started.Player("bot-0", "bot 1", true))),
                new RoomRecord.ActionTaken(1, "move", Map.of("to", List.of(1, 2), "why", Map.of("k", true)), 1796089645055L, "bot"),
                new RoomRecord.ActionTaken(0, "pass", Map.of(), 0, null),
                new RoomRecord.Archived(),
                new RoomRecord.Announced("game.finished:r1"),
                new RoomRecord.Closed("nobody sat in the room for 600 s"),
                new RoomRecord.Quarantined("archive down", 4, 5),
                new RoomRecord.OperatorPaused("checking a report", "admin"),
                new RoomRecord.OperatorResumed("admin", 1796089645100L),
                new RoomRecord.Ended("table flipped", "admin"));
        // Each kind of the sealed interface is covered above.
        assertEquals(RoomRecord.class.getPermittedSubclasses().length,
                all.stream().map(Object::getClass).distinct().count());
        for (RoomRecord r : all) {
            assertEquals(r, codec.decode(r.type(), codec.encode(r)));
        }
    }

    @Test
    public void toleratesFieldsAddedLater() {
        assertEquals(new RoomRecord.Closed("gone"),
                codec.decode("closed", utf8("{\"reason\":\"gone\",\"by\":\"operator\"}")));
        // Options and args missing read as empty, as before.
        assertEquals(new RoomRecord.ActionTaken(0, "pass", Map.of(), 0, null),
                codec.decode("action", utf8("{\"seat\":0,\"type\":\"pass\"}")));
    }

    @Test
    public void refusesUnknownTypesAndIncompleteRecords() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> codec.decode("teleported", utf8("{}")));
        assertEquals("unknown room record type 'teleported'", unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> codec.decode("seat", utf8("{\"playerId\":\"ann\"}")));
        assertTrue(missing.getMessage(), missing.getMessage().startsWith("unreadable room record of type 'seat'"));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("started", utf8("{\"seed\":1")));
    }

    @Test
    public void embedsStoredDataVerbatimInDocuments() {
        String json = "{\"seat\":1,\"type\":\"add\",\"args\":{\"n\":1.0,\"big\":123456789012345678901234567890}}";
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("data", codec.tree(utf8(json)));
        assertEquals("{\"data\":" + json + "}", text(codec.write(doc)));
    }
}
