package dev.ludus.rooms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON encoding of persisted room records. */
final class Codec {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final ObjectMapper mapper = new ObjectMapper();

    byte[] encode(Map<String, Object> value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> decode(byte[] bytes) {
        try {
            return mapper.readValue(bytes, MAP);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable room record: " + e.getMessage(), e);
        }
    }
}
