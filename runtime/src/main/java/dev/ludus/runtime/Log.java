package dev.ludus.runtime;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The launcher's log lines. As text (the default): a UTC timestamp, a level, the message; errors go
 * to stderr. With {@code LUDUS_LOG_FORMAT=json}: one JSON object per line, with the fields the
 * bundles' JSON lines have ({@code time}, {@code level}, {@code logger} "ludus", {@code thread},
 * {@code message}), all on stdout so a log shipper reads one stream.
 */
final class Log {

    /** The system property that sets the format when the environment variable does not. */
    static final String FORMAT_PROPERTY = "ludus.log.format";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static volatile boolean json;

    private Log() {
    }

    /**
     * Chooses the format from {@code LUDUS_LOG_FORMAT} (or, if unset, the {@value #FORMAT_PROPERTY}
     * system property): {@code text} or {@code json}, in any case; unset means text.
     *
     * @throws IllegalArgumentException for any other value; the message says which are allowed
     */
    static void useFormat(String fromEnvironment, String fromProperty) {
        String v = fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment : fromProperty;
        String f = v == null || v.isBlank() ? "text" : v.strip().toLowerCase(Locale.ROOT);
        if (!f.equals("text") && !f.equals("json")) {
            throw new IllegalArgumentException("LUDUS_LOG_FORMAT / " + FORMAT_PROPERTY + " must be text or json, got '"
                    + v.strip() + "'");
        }
        json = f.equals("json");
    }

    /** Whether lines are JSON objects. */
    static boolean json() {
        return json;
    }

    static void info(String message) {
        line(System.out, "INFO", message);
    }

    static void warn(String message) {
        line(System.out, "WARN", message);
    }

    static void error(String message) {
        line(json ? System.out : System.err, "ERROR", message);
    }

    private static void line(PrintStream out, String level, String message) {
        out.println(format(Instant.now(), level, Thread.currentThread().getName(), message));
        out.flush();
    }

    /** One line in the current format, without its line end. */
    static String format(Instant time, String level, String thread, String message) {
        if (!json) {
            return TIME.format(time) + " " + String.format("%-5s", level) + " [ludus] " + message;
        }
        StringBuilder b = new StringBuilder(128).append("{\"time\":");
        string(b, ISO_MILLIS.format(time));
        b.append(",\"level\":");
        string(b, level);
        b.append(",\"logger\":\"ludus\",\"thread\":");
        string(b, thread);
        b.append(",\"message\":");
        string(b, message == null ? "null" : message);
        return b.append('}').toString();
    }

    /**
     * Appends {@code s} as a JSON string. The bundles' encoder (dev.ludus.logging) escapes the same
     * way; it lives inside Logback's bundle, which the launcher's class path cannot see.
     */
    private static void string(StringBuilder b, String s) {
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
