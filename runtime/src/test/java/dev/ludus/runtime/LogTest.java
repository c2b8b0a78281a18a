package dev.ludus.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Instant;

import org.junit.After;
import org.junit.Test;

public class LogTest {

    private static final Instant AT = Instant.parse("2026-12-01T06:16:22Z");

    @After
    public void backToText() {
        Log.useFormat(null, null);
    }

    @Test
    public void textIsTheDefault() {
        Log.useFormat(null, "");
        assertFalse(Log.json());
        assertEquals("2026-12-01 06:16:22.000 INFO  [ludus] ready", Log.format(AT, "INFO", "main", "ready"));
    }

    @Test
    public void jsonLinesCarryTheFieldsTheBundlesLinesHaveAndEscapeWhatTheyMust() {
        Log.useFormat("JSON", "text"); // the environment wins over the property, in any case
        assertTrue(Log.json());
        assertEquals("{\"time\":\"2026-12-01T06:16:22.000Z\",\"level\":\"WARN\",\"logger\":\"ludus\",\"thread\":\"main\","
                + "\"message\":\"a \\\"b\\\"\\nc\\\\d\\u0001\"}", Log.format(AT, "WARN", "main", "a \"b\"\nc\\d\u0001"));
    }

    @Test
    public void anUnknownFormatIsRefusedWithTheSettingsNameAndTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Log.useFormat(" xml ", null));
        assertEquals("LUDUS_LOG_FORMAT / ludus.log.format must be text or json, got 'xml'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Log.useFormat(null, "yaml"));
    }
}
