package dev.ludus.rooms;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The one JSON encoding of what a room stores: its {@link RoomRecord}s, its snapshot header, and
 * (for the archive) a record's data as a plain JSON tree.
 *
 * <p>Decoding is strict about what it cannot interpret (an unknown record type, a missing
 * required field, malformed JSON all throw {@link IllegalArgumentException}) and lenient about
 * extra fields, so a stream written by a later version that only added fields still replays.
 */
final class RecordCodec {

    private final ObjectMapper mapper = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Archived has no fields and is stored as {}.
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** The stored bytes of {@code record}; its event type is {@link RoomRecord#type()}. */
    byte[] encode(RoomRecord record) {
        return write(record);
    }

    /**
     * The record stored as an event of {@code type} with {@code data}.
     *
     * @throws IllegalArgumentException for a type no room writes, or data that is not a valid
     *                                  record of that type
     */
    RoomRecord decode(String type, byte[] data) {
        try {
            return mapper.readValue(data, kind(type));
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable room record of type '" + type + "': " + e.getMessage(), e);
        }
    }

    /** The record of {@code type} whose data an archived document holds as a tree; as {@link #decode(String, byte[])}. */
    RoomRecord decode(String type, JsonNode data) {
        try {
            return mapper.treeToValue(data, kind(type));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("unreadable room record of type '" + type + "': " + e.getMessage(), e);
        }
    }

    /** A value turned into plain maps, lists and scalars, sharing nothing with it. */
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> copy(java.util.Map<String, Object> value) {
        return mapper.convertValue(mapper.valueToTree(value), java.util.LinkedHashMap.class);
    }

    private static Class<? extends RoomRecord> kind(String type) {
        return switch (type == null ? "" : type) {
            case RoomRecord.Created.TYPE -> RoomRecord.Created.class;
            case RoomRecord.SeatChanged.TYPE -> RoomRecord.SeatChanged.class;
            case RoomRecord.Started.TYPE -> RoomRecord.Started.class;
            case RoomRecord.ActionTaken.TYPE -> RoomRecord.ActionTaken.class;
            case RoomRecord.Archived.TYPE -> RoomRecord.Archived.class;
            case RoomRecord.Announced.TYPE -> RoomRecord.Announced.class;
            case RoomRecord.Closed.TYPE -> RoomRecord.Closed.class;
            case RoomRecord.Quarantined.TYPE -> RoomRecord.Quarantined.class;
            case RoomRecord.OperatorPaused.TYPE -> RoomRecord.OperatorPaused.class;
            case RoomRecord.OperatorResumed.TYPE -> RoomRecord.OperatorResumed.class;
            case RoomRecord.Ended.TYPE -> RoomRecord.Ended.class;
            default -> throw new IllegalArgumentException("unknown room record type '" + type + "'");
        };
    }

    byte[] encodeHeader(SnapshotHeader header) {
        return write(header);
    }

    /** @throws IllegalArgumentException if {@code data} is not a snapshot header */
    SnapshotHeader decodeHeader(byte[] data) {
        try {
            return mapper.readValue(data, SnapshotHeader.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable snapshot header: " + e.getMessage(), e);
        }
    }

    /** A record's data as stored, for documents that embed it verbatim (the archived game). */
    JsonNode tree(byte[] data) {
        try {
            return mapper.readTree(data);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable room record: " + e.getMessage(), e);
        }
    }

    /** Any value as JSON (the archived game document). */
    byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
