package dev.ludus.log.bridge;

import static org.junit.Assert.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

public class ForwarderTest {

    private final List<String> written = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Forwarder forwarder = new Forwarder((level, logger, message, exception) ->
            written.add(level + " " + logger + " " + message + (exception == null ? "" : " / " + exception.getMessage())), now::get);

    @Test
    public void warnAndAboveAreWrittenUnderTheBundlesNameWithTheirException() {
        forwarder.logged(entry(LogLevel.ERROR, "org.apache.felix.scr", "[badc.Comp(35)] : The activate method has thrown an exception",
                new IllegalStateException("component boom")));
        forwarder.logged(entry(LogLevel.WARN, "org.apache.felix.fileinstall", "Error while starting bundle: file:/x/deploy/bad.jar", null));
        forwarder.logged(entry(LogLevel.AUDIT, null, "audited", null));
        forwarder.logged(entry(LogLevel.INFO, "org.apache.felix.framework", "BundleEvent STARTED", null));
        forwarder.logged(entry(LogLevel.DEBUG, "org.apache.felix.scr", "details", null));
        assertEquals(List.of(
                "ERROR org.apache.felix.scr [badc.Comp(35)] : The activate method has thrown an exception / component boom",
                "WARN org.apache.felix.fileinstall Error while starting bundle: file:/x/deploy/bad.jar",
                "AUDIT osgi audited"), written);
    }

    @Test
    public void theSameMessageOfABundleWithinAMinuteIsCountedAndTheCountGoesWithItsNextWriting() {
        for (int i = 0; i < 5; i++) {
            forwarder.logged(entry(LogLevel.ERROR, "b.loop", "failed again", null));
            now.addAndGet(1_000);
        }
        forwarder.logged(entry(LogLevel.ERROR, "b.other", "failed again", null));
        assertEquals(List.of("ERROR b.loop failed again", "ERROR b.other failed again"), written);
        now.addAndGet(Forwarder.REPEAT_MILLIS);
        forwarder.logged(entry(LogLevel.ERROR, "b.loop", "failed again", null));
        forwarder.logged(entry(LogLevel.ERROR, "b.loop", "failed again", null));
        now.addAndGet(Forwarder.REPEAT_MILLIS);
        forwarder.logged(entry(LogLevel.ERROR, "b.loop", "failed again", null));
        assertEquals(List.of("ERROR b.loop failed again", "ERROR b.other failed again",
                "ERROR b.loop failed again (and 4 more times within a minute before this)",
                "ERROR b.loop failed again (and 1 more time within a minute before this)"), written);
    }

    private static LogEntry entry(LogLevel level, String bundleName, String message, Throwable exception) {
        Bundle bundle = bundleName == null ? null : (Bundle) Proxy.newProxyInstance(ForwarderTest.class.getClassLoader(),
                new Class<?>[] {Bundle.class}, (p, m, a) -> m.getName().equals("getSymbolicName") ? bundleName : null);
        return new LogEntry() {
            @Override public Bundle getBundle() { return bundle; }
            @Override public ServiceReference<?> getServiceReference() { return null; }
            @Override @SuppressWarnings("deprecation") public int getLevel() { return level.ordinal(); }
            @Override public String getMessage() { return message; }
            @Override public Throwable getException() { return exception; }
            @Override public long getTime() { return 0; }
            @Override public LogLevel getLogLevel() { return level; }
            @Override public String getLoggerName() { return "test"; }
            @Override public long getSequence() { return 0; }
            @Override public String getThreadInfo() { return "test"; }
            @Override public StackTraceElement getLocation() { return null; }
        };
    }
}
