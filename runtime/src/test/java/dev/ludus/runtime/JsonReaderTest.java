package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

public class JsonReaderTest {

    @Test
    public void readsObjectsArraysScalarsAndComments() {
        Object v = JsonReader.parse("""
                // leading comment
                { "a": [1, -2.5, true, false, null], /* inline */ "b": "x\\"y\\u0041\\n", "c": {} }
                """);
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, -2.5, true, false), ((List<?>) m.get("a")).subList(0, 4));
        assertEquals(null, ((List<?>) m.get("a")).get(4));
        assertEquals("x\"yA\n", m.get("b"));
        assertEquals(Map.of(), m.get("c"));
        assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()));
    }

    @Test
    public void errorsSayWhatAndWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonReader.parse("{\n  \"a\": 1,\n  \"b\" 2\n}"));
        assertEquals("expected ':' at line 3, column 7", e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\":1}x"))
                .getMessage().startsWith("unexpected text after the JSON value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\":1,\"a\":2}"))
                .getMessage().startsWith("duplicate member \"a\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("[1,"))
                .getMessage().startsWith("unexpected end of input"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("\"abc"))
                .getMessage().startsWith("unterminated string"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("/* open"))
                .getMessage().startsWith("unterminated comment"));
    }
}
