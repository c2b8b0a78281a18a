package dev.ludus.config.guard;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class ConfigurationGuardTest {

    static final String PID = "dev.ludus.gateway";
    static final Map<String, SettingRule> RULES = Map.of(
            "maxConnections", Metatype.rule("maxConnections", "Integer", "1", "1000000", "20000"),
            "tokenTtlSeconds", Metatype.rule("tokenTtlSeconds", "Integer", "60", null, "86400"),
            "directory", Metatype.rule("directory", "String", null, null, ""));

    private final ConfigurationGuard guard = new ConfigurationGuard();

    private static Dictionary<String, Object> config(Object... keyValues) {
        Hashtable<String, Object> d = new Hashtable<>();
        d.put("service.pid", PID);
        for (int i = 0; i < keyValues.length; i += 2) {
            d.put((String) keyValues[i], keyValues[i + 1]);
        }
        return d;
    }

    @Test
    public void aValidConfigurationIsPassedOnWithTypedValues() {
        Dictionary<String, Object> d = config("maxConnections", "500", "other", "kept as is");
        ConfigurationGuard.Verdict v = guard.apply(PID, RULES, d);
        assertTrue(v.refusals().isEmpty());
        assertEquals(500, d.get("maxConnections"));
        assertEquals("kept as is", d.get("other"));
        assertEquals(PID, d.get("service.pid"));
        assertTrue(guard.refusals().isEmpty());
        assertEquals(List.of(PID), List.copyOf(guard.checked()));
    }

    @Test
    public void aBadValueAtStartTakesItsDefaultWhileTheValidValuesApply() {
        Dictionary<String, Object> d = config("maxConnections", "banana", "directory", "/srv/x");
        ConfigurationGuard.Verdict v = guard.apply(PID, RULES, d);
        assertEquals(1, v.refusals().size());
        Refusal r = v.refusals().get(0);
        assertEquals(new Refusal(PID, "maxConnections", "'banana'", "an integer from 1 to 1000000"), r);
        assertTrue(v.newlyRefused());
        assertFalse(v.keptLastGood());
        assertNull("removed, so the component's default applies", d.get("maxConnections"));
        assertEquals("/srv/x", d.get("directory"));
        assertEquals(List.of(r), guard.refusals().get(PID));
    }

    @Test
    public void aBadSaveChangesNothingTheLastGoodConfigurationStays() {
        guard.apply(PID, RULES, config("maxConnections", "500", "directory", "/a"));
        Dictionary<String, Object> bad = config("maxConnections", "-1", "directory", "/b", "tokenTtlSeconds", "120");
        ConfigurationGuard.Verdict v = guard.apply(PID, RULES, bad);
        assertTrue(v.keptLastGood());
        assertEquals(500, bad.get("maxConnections"));
        assertEquals("/a", bad.get("directory"));
        assertNull("not in the last good configuration: its default", bad.get("tokenTtlSeconds"));
        assertEquals(PID, bad.get("service.pid"));
    }

    @Test
    public void theSameRefusalIsReportedAsNewOnlyOnce() {
        // One PID read by two components (the event store and the snapshot store) is delivered twice.
        assertTrue(guard.apply(PID, RULES, config("maxConnections", "0")).newlyRefused());
        assertFalse(guard.apply(PID, RULES, config("maxConnections", "0")).newlyRefused());
        assertTrue("another bad value is news", guard.apply(PID, RULES, config("maxConnections", "-5")).newlyRefused());
        assertEquals("'-5'", guard.refusals().get(PID).get(0).value());
    }

    @Test
    public void aValidConfigurationClearsTheRefusal() {
        guard.apply(PID, RULES, config("maxConnections", "0"));
        ConfigurationGuard.Verdict v = guard.apply(PID, RULES, config("maxConnections", "10"));
        assertTrue(v.cleared());
        assertTrue(guard.refusals().isEmpty());
        assertFalse(guard.apply(PID, RULES, config("maxConnections", "10")).cleared());
    }

    @Test
    public void aValidSaveClearsTheRefusalEvenBeforeAComponentReceivesIt() {
        guard.apply(PID, RULES, config("maxConnections", "500"));
        guard.apply(PID, RULES, config("maxConnections", "x"));
        Dictionary<String, Object> stillBad = config("maxConnections", "y");
        assertFalse(guard.saved(PID, RULES, stillBad));
        assertEquals("left as stored", "y", stillBad.get("maxConnections"));
        assertFalse("a refusal stays while the save is bad", guard.refusals().isEmpty());
        assertTrue(guard.saved(PID, RULES, config("maxConnections", "700")));
        assertTrue(guard.refusals().isEmpty());
        assertFalse("nothing left to clear", guard.saved(PID, RULES, config("maxConnections", "700")));
        Dictionary<String, Object> bad = config("maxConnections", "z");
        assertTrue(guard.apply(PID, RULES, bad).keptLastGood());
        assertEquals("what a component last received stays the last good", 500, bad.get("maxConnections"));
    }

    @Test
    public void deletingTheConfigurationClearsTheRefusalAndDefaultsBecomeTheLastGood() {
        guard.apply(PID, RULES, config("maxConnections", "500"));
        guard.apply(PID, RULES, config("maxConnections", "x"));
        assertTrue(guard.deleted(PID));
        assertTrue(guard.refusals().isEmpty());
        assertFalse(guard.deleted(PID));
        Dictionary<String, Object> bad = config("maxConnections", "x", "directory", "/c");
        assertTrue(guard.apply(PID, RULES, bad).keptLastGood());
        assertNull(bad.get("maxConnections"));
        assertNull("the component runs on defaults: a bad save keeps them all", bad.get("directory"));
    }

    @Test
    public void everyRefusedPropertyIsNamedInOrder() {
        ConfigurationGuard.Verdict v = guard.apply(PID, RULES, config("tokenTtlSeconds", "-100", "maxConnections", "banana"));
        assertEquals(List.of("maxConnections", "tokenTtlSeconds"), v.refusals().stream().map(Refusal::property).toList());
        assertEquals("tokenTtlSeconds = '-100' (allowed: an integer from 60 to 2147483647)", v.refusals().get(1).toString());
    }
}
