package dev.ludus.logging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.event.KeyValuePair;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * Writes each logging event as one JSON object on one line, for log shippers:
 *
 * <pre>{"time":"2026-12-01T06:05:15.426Z","level":"INFO","logger":"dev.ludus.rooms.Recovery",
 * "bundle":"dev.ludus.rooms","thread":"ludus-rooms-recovery","message":"rooms: recovered 12 rooms …",
 * "roomId":"…","playerId":"…","requestId":"…","traceId":"…"}</pre>
 *
 * <p>{@code bundle} is the symbolic name of the bundle holding the logger's class (absent when the
 * logger is not named after a class of an installed bundle). Every MDC entry and every SLF4J key-value
 * pair becomes a field of its own; the correlation fields ({@code requestId}, {@code playerId},
 * {@code roomId}, {@code traceId}) arrive that way. A name that would clash with a fixed field
 * gets a {@code mdc.} prefix. A throwable is written whole, as {@code error}, inside the one line.
 * Configured in {@code conf/logback-json.xml}; chosen with {@code LUDUS_LOG_FORMAT=json}.
 */
public class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

    private static final Set<String> FIXED = Set.of("time", "level", "logger", "bundle", "thread", "message", "error");
    private static final byte[] NONE = new byte[0];
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Function<String, String> bundles = BundleOfLogger.fromFramework();

    /** For tests: where a logger's bundle name comes from. */
    void bundles(Function<String, String> lookup) {
        this.bundles = lookup;
    }

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        field(b, "time", TIME.format(Instant.ofEpochMilli(e.getTimeStamp())), true);
        field(b, "level", e.getLevel().toString(), false);
        field(b, "logger", e.getLoggerName(), false);
        String bundle = e.getLoggerName() == null ? null : bundles.apply(e.getLoggerName());
        if (bundle != null) {
            field(b, "bundle", bundle, false);
        }
        field(b, "thread", e.getThreadName(), false);
        field(b, "message", e.getFormattedMessage(), false);
        Map<String, String> mdc = e.getMDCPropertyMap();
        if (mdc != null) {
            for (Map.Entry<String, String> m : mdc.entrySet()) {
                field(b, name(m.getKey()), m.getValue(), false);
            }
        }
        List<KeyValuePair> pairs = e.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair p : pairs) {
                field(b, name(p.key), p.value == null ? null : String.valueOf(p.value), false);
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            field(b, "error", ThrowableProxyUtil.asString(t), false);
        }
        b.append("}\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String name(String key) {
        return key == null ? "mdc." : FIXED.contains(key) ? "mdc." + key : key;
    }

    private static void field(StringBuilder b, String name, String value, boolean first) {
        if (!first) {
            b.append(',');
        }
        string(b, name);
        b.append(':');
        if (value == null) {
            b.append("null");
        } else {
            string(b, value);
        }
    }

    /** Appends {@code s} as a JSON string: quotes, backslashes and every control character escaped. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
