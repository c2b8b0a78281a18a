package dev.ludus.runtime;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The launcher's log lines: a UTC timestamp, a level, the message. Errors go to stderr. */
final class Log {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private Log() {
    }

    static void info(String message) {
        line(System.out, "INFO ", message);
    }

    static void warn(String message) {
        line(System.out, "WARN ", message);
    }

    static void error(String message) {
        line(System.err, "ERROR", message);
    }

    private static void line(PrintStream out, String level, String message) {
        out.println(TIME.format(Instant.now()) + " " + level + " [ludus] " + message);
        out.flush();
    }
}
