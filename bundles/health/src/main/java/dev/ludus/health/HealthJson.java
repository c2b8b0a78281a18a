package dev.ludus.health;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Jackson's escaping for health bodies: besides what JSON requires, {@code <}, {@code >},
 * {@code &}, U+2028 and U+2029 are written as {@code \\u} escapes, so a reason or a figure
 * quoted in a page or a script cannot close a tag or end a line there. Hex digits are lower
 * case and backspace and form feed use {@code \\u} escapes too, so bodies read exactly as they
 * did before Jackson wrote them (monitors compare them as text).
 */
final class HealthJson extends CharacterEscapes {
    private static final long serialVersionUID = 1L;

    /** Writes every health body: compact, members in insertion order, with these escapes. */
    static final ObjectWriter WRITER = JsonMapper.builder()
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .build()
            .writer()
            .with(new HealthJson());

    private static final SerializableString LINE_SEPARATOR = new SerializedString("\\u2028");
    private static final SerializableString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

    private final int[] ascii;

    private HealthJson() {
        ascii = standardAsciiEscapesForJSON();
        for (char c : new char[] {'<', '>', '&', '\b', '\f'}) {
            ascii[c] = ESCAPE_STANDARD;
        }
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        return switch (ch) {
            case 0x2028 -> LINE_SEPARATOR;
            case 0x2029 -> PARAGRAPH_SEPARATOR;
            default -> null;
        };
    }
}
