package dev.ludus.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The JSON twin of every page. Besides JSON's own escapes, {@code < > & '} are written as
 * {@code \u003c}-style escapes, so a hostile name stays inert even if a browser or a proxy were to
 * treat the body as HTML.
 */
final class ConsoleJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY;

    static {
        MAPPER.getFactory().setCharacterEscapes(new HtmlSafeEscapes());
        MAPPER.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        PRETTY = MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private ConsoleJson() {
    }

    /** The value as HTML-safe JSON. Values are maps, lists, strings, numbers and booleans. */
    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("console model not writable as JSON: " + e.getMessage(), e);
        }
    }

    /** Indented JSON for showing in a page (still to be HTML-escaped there). */
    static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    private static final class HtmlSafeEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] escapes = standardAsciiEscapesForJSON();

        HtmlSafeEscapes() {
            for (char c : new char[] {'<', '>', '&', '\''}) {
                escapes[c] = CharacterEscapes.ESCAPE_STANDARD;
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
