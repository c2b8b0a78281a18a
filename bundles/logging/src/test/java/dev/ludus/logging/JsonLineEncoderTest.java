package dev.ludus.logging;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;

public class JsonLineEncoderTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("dev.ludus.rooms.Recovery");
    private final JsonLineEncoder encoder = new JsonLineEncoder();

    {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        encoder.setContext(context);
        encoder.bundles(name -> name.startsWith("dev.ludus.rooms.") ? "dev.ludus.rooms" : null);
        encoder.start();
    }

    private JsonNode line(LoggingEvent e) throws Exception {
        String text = new String(encoder.encode(e), StandardCharsets.UTF_8);
        assertTrue("one line, ended by a newline: " + text, text.endsWith("\n") && text.indexOf('\n') == text.length() - 1);
        return new ObjectMapper().readTree(text);
    }

    @Test
    public void anEventIsOneJsonObjectWithTheFixedFieldsAndItsBundle() throws Exception {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "recovered {} rooms", null,
                new Object[] {12});
        e.setTimeStamp(1_796_105_093_326L);
        e.setThreadName("ludus-rooms-recovery");
        JsonNode j = line(e);
        assertEquals("2026-12-01T06:04:53.326Z", j.get("time").asText());
        assertEquals("WARN", j.get("level").asText());
        assertEquals("dev.ludus.rooms.Recovery", j.get("logger").asText());
        assertEquals("dev.ludus.rooms", j.get("bundle").asText());
        assertEquals("ludus-rooms-recovery", j.get("thread").asText());
        assertEquals("recovered 12 rooms", j.get("message").asText());
        assertFalse(j.has("error"));
    }

    @Test
    public void correlationFieldsComeFromTheMdcAndClashesArePrefixed() throws Exception {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "act", null, null);
        e.setMDCPropertyMap(Map.of("requestId", "c7:42", "playerId", "p-1", "roomId", "r-9", "traceId",
                "4bf92f3577b34da6a3ce929d0e0e4736", "message", "sneaky"));
        JsonNode j = line(e);
        assertEquals("c7:42", j.get("requestId").asText());
        assertEquals("p-1", j.get("playerId").asText());
        assertEquals("r-9", j.get("roomId").asText());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", j.get("traceId").asText());
        assertEquals("act", j.get("message").asText());
        assertEquals("sneaky", j.get("mdc.message").asText());
    }

    @Test
    public void quotesControlCharactersAndStackTracesStayInsideOneLine() throws Exception {
        Logger other = context.getLogger("org.example.Thing");
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), other, Level.ERROR, "a \"quoted\"\nsecond line\t\u0001 \\ end",
                new IllegalStateException("broken\nreally"), null);
        JsonNode j = line(e);
        assertEquals("a \"quoted\"\nsecond line\t\u0001 \\ end", j.get("message").asText());
        assertFalse("no bundle for a logger outside any bundle", j.has("bundle"));
        assertTrue(j.get("error").asText(), j.get("error").asText().startsWith("java.lang.IllegalStateException: broken\nreally"));
        assertTrue(j.get("error").asText().contains("at dev.ludus.logging.JsonLineEncoderTest"));
    }

    @Test
    public void outsideAFrameworkNoBundleIsFound() {
        assertEquals(null, BundleOfLogger.fromFramework().apply("dev.ludus.rooms.Recovery"));
    }
}
