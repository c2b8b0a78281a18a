package dev.ludus.chaos;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class SettingsTest {

    private static Settings.Fault fault(Map<String, Object> props) throws Settings.Refused {
        return Settings.fault("f", props);
    }

    private static String refusal(Map<String, Object> props) {
        try {
            Settings.fault("f", props);
        } catch (Settings.Refused e) {
            return e.getMessage();
        }
        fail("refused: " + props);
        return null;
    }

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    public void aFaultReadsItsSettingsAndBuildsAFilterThatNeverMatchesAProxy() throws Exception {
        Settings.Fault f = fault(props("service", "dev.ludus.api.event.EventStore", "target", "(ludus.store=file)",
                "methods", "appendAsync, append", "latencyMillis", "500", "latencyJitterMillis", 100,
                "errorPercent", "2.5", "felix.fileinstall.filename", "file:/x/dev.ludus.chaos.fault-slow.cfg"));
        assertEquals(List.of("appendAsync", "append"), f.methods());
        assertEquals(500, f.latencyMillis());
        assertEquals(2.5, f.errorPercent(), 0);
        assertEquals(100, f.latencyPercent(), 0);
        assertEquals(30_000, f.timeoutMillis());
        assertTrue(f.reaches("append"));
        assertFalse(f.reaches("read"));
        assertEquals("(&(objectClass=dev.ludus.api.event.EventStore)(ludus.store=file)(!(ludus.chaos.fault=*)))",
                f.filter());
        assertEquals("dev.ludus.api.event.EventStore (ludus.store=file) [appendAsync, append]: +500±100 ms, 2.5% errors",
                f.describe());
        assertTrue(fault(props("service", "a.B", "errorPercent", 100)).reaches("anything"));
    }

    @Test
    public void aFaultWithAnyProblemIsRefusedWholeNamingEveryProblem() {
        String r = refusal(props("latencyMillis", "-1", "errorPrecent", "5", "timeoutPercent", "lots"));
        assertTrue(r, r.contains("service is required"));
        assertTrue(r, r.contains("latencyMillis must be from 0 to 600000, got -1"));
        assertTrue(r, r.contains("unknown setting 'errorPrecent'"));
        assertTrue(r, r.contains("timeoutPercent must be a number from 0 to 100, got 'lots'"));
        assertTrue(refusal(props("service", "not a class")).contains("fully qualified name"));
        assertTrue(refusal(props("service", "a.B", "target", "(broken", "errorPercent", 1)).contains("not an LDAP filter"));
        assertTrue(refusal(props("service", "a.B", "errorPercent", 60, "timeoutPercent", 50)).contains("must not exceed 100"));
        assertTrue(refusal(props("service", "a.B")).contains("injects nothing"));
        assertTrue(refusal(props("service", "a.B", "latencyMillis", 10, "latencyJitterMillis", 20))
                .contains("latencyJitterMillis (20) must not exceed latencyMillis (10)"));
        assertTrue(refusal(props("service", "a.B", "errorPercent", 1, "methods", "a.b")).contains("method names"));
        assertTrue(refusal(props("service", "a.B", "errorPercent", "NaN")).contains("errorPercent must be from 0 to 100"));
    }

    @Test
    public void aScheduleReadsItsSettingsAndMatchesSymbolicNamesByPattern() throws Exception {
        Settings.Schedule s = Settings.schedule("s", props("bundles", "dev.ludus.cache.*, dev.ludus.rooms",
                "action", "update", "everyMillis", "2000"));
        assertTrue(s.matches("dev.ludus.cache.caffeine"));
        assertTrue(s.matches("dev.ludus.rooms"));
        assertFalse(s.matches("dev.ludus.roomsX"));
        assertFalse(s.matches("dev.ludus.cache"));
        assertFalse("a dot is a dot", s.matches("dev.ludus.cacheXcaffeine"));
        assertEquals("update one of [dev.ludus.cache.*, dev.ludus.rooms] every 2000 ms (±20%)", s.describe());
        for (Map<String, Object> bad : List.of(props(), props("bundles", "*"), props("bundles", "a", "action", "kill"),
                props("bundles", "a", "everyMillis", 10), props("bundles", "a b"), props("bundles", "a", "x", 1))) {
            try {
                Settings.schedule("s", bad);
                fail("refused: " + bad);
            } catch (Settings.Refused expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
    }

    @Test
    public void theNameComesFromThePropertyOrTheFile() {
        assertEquals("slow", dev.ludus.config.support.ConfigReader.factoryName(Chaos.FAULT_PID, props("felix.fileinstall.filename",
                "file:/d/conf/dev.ludus.chaos.fault-slow.cfg")));
        assertEquals("mine", dev.ludus.config.support.ConfigReader.factoryName(Chaos.FAULT_PID, props("name", " mine ", "felix.fileinstall.filename",
                "file:/d/conf/dev.ludus.chaos.fault-slow.cfg")));
        assertEquals(null, dev.ludus.config.support.ConfigReader.factoryName(Chaos.FAULT_PID, props()));
    }

    interface Store {
        long append(String s) throws java.io.IOException;

        void close();
    }

    @Test
    public void anInjectedFailureIsOfATypeTheMethodDeclares() throws Exception {
        Method append = Store.class.getMethod("append", String.class);
        Throwable t = FaultProxy.failure(append, "boom");
        assertEquals(java.io.IOException.class, t.getClass());
        assertEquals("boom", t.getMessage());
        Throwable u = FaultProxy.failure(Store.class.getMethod("close"), "boom");
        assertEquals(ChaosException.class, u.getClass());
    }

    @Test
    public void aFullDiskReadsItsSettingsAndRefusesWhatCannotWork() throws Exception {
        Settings.Disk d = Settings.disk("small", props("path", "/tmp", "leaveMegabytes", "5", "maxMegabytes", 64,
                "holdMillis", "2000", "everyMillis", "10000"));
        assertEquals("/tmp", d.path());
        assertEquals(5, d.leaveMegabytes());
        assertEquals(64, d.maxMegabytes());
        assertEquals("fill /tmp to 5 MiB free (at most 64 MiB written) for 2000 ms, every 10000 ms", d.describe());
        Settings.Disk defaults = Settings.disk("d", props());
        assertEquals("", defaults.path());
        assertEquals(1024, defaults.maxMegabytes());
        assertEquals(30_000, defaults.holdMillis());
        assertEquals(0, defaults.everyMillis());
        try {
            Settings.disk("bad", props("path", "data/here", "maxMegabytes", "0", "holdMillis", "5000", "everyMillis", "4000",
                    "fillPercent", "50"));
            fail("refused");
        } catch (Settings.Refused e) {
            String r = e.getMessage();
            assertTrue(r, r.contains("path must be an absolute folder"));
            assertTrue(r, r.contains("maxMegabytes"));
            assertTrue(r, r.contains("everyMillis (4000) must be longer than holdMillis (5000)"));
            assertTrue(r, r.contains("fillPercent"));
        }
    }
}
