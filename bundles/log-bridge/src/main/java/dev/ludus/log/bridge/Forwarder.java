package dev.ludus.log.bridge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.slf4j.LoggerFactory;

/**
 * Writes a Log Service entry at WARN, ERROR or AUDIT to SLF4J, under the logger named after the
 * bundle that logged it ({@code org.apache.felix.scr}, {@code org.apache.felix.fileinstall}, a
 * drop-in's own name), with its exception and stack trace.
 *
 * <p>Entries below WARN are not written: the framework logs every bundle and service event at INFO,
 * a few hundred at each start (they stay in the Web Console's Log page). One bundle's same message
 * again within a minute is counted instead of written, and the count goes with its next writing, so
 * a bundle that fails in a loop cannot fill the disk through this bridge.
 */
final class Forwarder implements LogListener {

    /** Where entries go: SLF4J, or a test's list. */
    interface Sink {
        void write(LogLevel level, String logger, String message, Throwable exception);
    }

    static final Sink SLF4J = (level, logger, message, exception) -> {
        org.slf4j.Logger log = LoggerFactory.getLogger(logger);
        if (level == LogLevel.WARN) {
            log.warn(message, exception);
        } else {
            log.error(message, exception);
        }
    };

    static final long REPEAT_MILLIS = 60_000;
    private static final int KEPT = 256;

    private final Sink sink;
    private final LongSupplier clock;
    /** Per bundle and message: when it was last written, and how often it came since. */
    private final Map<String, long[]> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > KEPT;
        }
    };

    Forwarder(Sink sink, LongSupplier clock) {
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void logged(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        if (level != LogLevel.WARN && level != LogLevel.ERROR && level != LogLevel.AUDIT) {
            return;
        }
        Bundle bundle = entry.getBundle();
        String source = bundle == null || bundle.getSymbolicName() == null ? "osgi" : bundle.getSymbolicName();
        String message = entry.getMessage() == null ? "" : entry.getMessage();
        long now = clock.getAsLong();
        long repeats;
        synchronized (recent) {
            long[] seen = recent.get(source + '\n' + message);
            if (seen != null && now - seen[0] < REPEAT_MILLIS) {
                seen[1]++;
                return;
            }
            repeats = seen == null ? 0 : seen[1];
            recent.put(source + '\n' + message, new long[] {now, 0});
        }
        String text = repeats == 0 ? message : message + " (and " + repeats + " more time" + (repeats == 1 ? "" : "s")
                + " within a minute before this)";
        sink.write(level, source, text, entry.getException());
    }
}
