package dev.ludus.config.guard;

import static dev.ludus.config.guard.Metatype.rule;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;

public class SettingRuleTest {

    private static void refused(SettingRule rule, Object value) {
        assertTrue(rule.id() + " must refuse " + value, rule.check(value).refused());
    }

    private static void accepted(SettingRule rule, Object value, Object expected) {
        SettingRule.Outcome o = rule.check(value);
        assertNull(rule.id() + " must accept " + value + ": " + o.problem(), o.problem());
        assertEquals(expected, o.value());
    }

    @Test
    public void anIntegerIsParsedFromTextAndCheckedAgainstItsRange() {
        SettingRule r = rule("maxConnections", "Integer", "1", "1000000", "20000");
        accepted(r, "20000", 20000);
        accepted(r, " 42 ", 42);
        accepted(r, 7, 7);
        accepted(r, 7L, 7);
        accepted(r, "1", 1);
        accepted(r, "1000000", 1000000);
        refused(r, "banana");
        refused(r, "");
        refused(r, "0");
        refused(r, "-1");
        refused(r, "1000001");
        refused(r, "2.5");
        refused(r, 2.5d);
        refused(r, "99999999999"); // beyond int: the component could not read it
        refused(r, null);
        assertEquals("an integer from 1 to 1000000", r.check("banana").problem());
    }

    @Test
    public void theRangeIsFoundFromTheMetatypeWithTheTypesOwnLimitForAMissingBound() {
        assertEquals("an integer from 0 to 2147483647", rule("a", "Integer", "0", null, "5").allowed());
        assertEquals("an integer from -9223372036854775808 to 10", rule("a", "Long", null, "10", "5").allowed());
        assertEquals("an integer from 4096 to 1073741824", rule("a", "Long", "4096", "1073741824", "67108864").allowed());
        assertEquals("an integer", rule("a", "Integer", null, null, "1").allowed());
        accepted(rule("a", "Integer", null, null, "1"), "-5", -5);
    }

    @Test
    public void aLongKeepsItsWholeRange() {
        SettingRule r = rule("segmentSize", "Long", "4096", "1073741824", "67108864");
        accepted(r, "67108864", 67108864L);
        accepted(r, 4096, 4096L);
        refused(r, "4095");
        refused(r, "1073741825");
        refused(r, "64MB");
    }

    @Test
    public void aBooleanIsTrueOrFalseOnly() {
        SettingRule r = rule("includeDetails", "Boolean", null, null, "true");
        accepted(r, "true", true);
        accepted(r, "FALSE", false);
        accepted(r, Boolean.TRUE, true);
        refused(r, "banana"); // Boolean.valueOf would silently read it as false
        refused(r, "yes");
        refused(r, "1");
        assertEquals("true or false", r.allowed());
    }

    @Test
    public void textBoundsAreOnItsLengthAndTextIsPassedOnAsWritten() {
        SettingRule r = rule("schema", "String", "1", "63", "ludus_archive");
        accepted(r, "ludus_archive", "ludus_archive");
        accepted(r, " spaced ", " spaced ");
        refused(r, "");
        refused(r, "x".repeat(64));
        assertEquals("a text of 1 to 63 characters", r.allowed());
        assertEquals("a text of at least 1 characters", rule("url", "String", "1", null, "jdbc:x").allowed());
        SettingRule free = rule("directory", "String", null, null, "");
        accepted(free, "", "");
        assertEquals("a text", free.allowed());
    }

    @Test
    public void anEnumerationAcceptsOnlyItsOptions() {
        SettingRule r = rule("mode", "String", null, null, "safe", "fast", "safe");
        accepted(r, "safe", "safe");
        refused(r, "Safe");
        refused(r, "unsafe");
        assertEquals("one of fast, safe", r.allowed());
        SettingRule level = rule("level", "Integer", null, null, "5", "1", "5", "9");
        accepted(level, "5", 5);
        refused(level, "4");
    }

    @Test
    public void aReferenceTargetMustBeAFilter() {
        SettingRule r = rule("backend.target", "String", null, null, "(ludus.archive.backend=fs)");
        accepted(r, "(ludus.archive.backend=fs)", "(ludus.archive.backend=fs)");
        accepted(r, "", "");
        refused(r, "(ludus.archive.backend=jdbc");
        refused(r, "fs");
        assertTrue(r.allowed(), r.allowed().contains("LDAP filter"));
    }

    @Test
    public void decimalsRefuseWhatIsNotAFiniteNumber() {
        SettingRule r = rule("ratio", "Double", "0", "1", "0.5");
        accepted(r, "0.5", 0.5d);
        refused(r, "NaN");
        refused(r, "1.5");
        refused(r, "half");
    }

    @Test
    public void aSingleValuedPropertyRefusesSeveralValues() {
        SettingRule r = rule("threads", "Integer", "0", "64", "0");
        accepted(r, new String[] {"4"}, 4);
        refused(r, new String[] {"4", "5"});
        refused(r, List.of());
    }

    @Test
    public void eachOfSeveralValuesIsChecked() {
        org.apache.felix.metatype.AD ad = new org.apache.felix.metatype.AD();
        ad.setID("ports");
        ad.setType("Integer");
        ad.setCardinality(10);
        ad.setMin("1");
        ad.setMax("65535");
        SettingRule many = SettingRule.of(new org.osgi.service.metatype.AttributeDefinition() {
            public String getName() { return "ports"; }
            public String getID() { return "ports"; }
            public String getDescription() { return ""; }
            public int getCardinality() { return 10; }
            public int getType() { return ad.getType(); }
            public String[] getOptionValues() { return null; }
            public String[] getOptionLabels() { return null; }
            public String validate(String value) { return ad.validate(value); }
            public String[] getDefaultValue() { return null; }
        });
        String[] ports = {"80", "443"};
        assertSame(ports, many.check(ports).value());
        assertTrue(many.check(new String[] {"80", "0"}).refused());
    }

    @Test
    public void secretsAreNeverShown() {
        SettingRule secret = rule(".password", "Password", null, "5", "");
        assertEquals("(hidden)", secret.shown("hunter2-long"));
        assertTrue(secret.check("hunter2-long").refused());
        assertFalse(secret.check("pw").refused());
        assertEquals("'banana'", rule("a", "Integer", null, null, "1").shown("banana"));
        assertEquals("'x'", rule("a", "Integer", null, null, "1").shown(new String[] {"x"}));
    }

    /**
     * Every configuration a node starts with passes through a rule: finding the bounds asks the
     * metatype up to 64 times per bound (with texts up to 64 Ki characters long), so it waits for the
     * first refusal, and is done once.
     */
    @Test
    public void theBoundsAreSearchedOnlyWhenAValueIsRefusedAndOnlyOnce() {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        org.osgi.service.metatype.AttributeDefinition ad = Metatype.ad("schema", "String", "1", "63", "ludus_archive");
        SettingRule r = SettingRule.of(new org.osgi.service.metatype.AttributeDefinition() {
            public String getName() { return ad.getName(); }
            public String getID() { return ad.getID(); }
            public String getDescription() { return ""; }
            public int getCardinality() { return ad.getCardinality(); }
            public int getType() { return ad.getType(); }
            public String[] getOptionValues() { return ad.getOptionValues(); }
            public String[] getOptionLabels() { return ad.getOptionLabels(); }
            public String validate(String value) { asked.incrementAndGet(); return ad.validate(value); }
            public String[] getDefaultValue() { return ad.getDefaultValue(); }
        });
        assertEquals("making the rule asks nothing", 0, asked.get());
        accepted(r, "games", "games");
        assertEquals("an accepted value is validated once", 1, asked.get());
        assertEquals("a text of 1 to 63 characters", r.check("x".repeat(64)).problem());
        int searched = asked.get();
        assertTrue("the first refusal searches the bounds: " + searched, searched > 10);
        assertEquals("a text of 1 to 63 characters", r.check("").problem());
        assertEquals("a second refusal validates the value only", searched + 1, asked.get());
    }
}
