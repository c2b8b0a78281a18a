package dev.ludus.config.guard;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

/** How a component's properties, as SCR shows them, are compared with what the guard handed it. */
public class DeliveryCheckTest {

    private static Map<String, Object> running(Object... keysAndValues) {
        Map<String, Object> m = new HashMap<>();
        m.put("component.name", "x");
        m.put("component.id", 7L);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    @Test
    public void aComponentRunningWithWhatItWasHandedHasIt() {
        Map<String, Object> handed = Map.of("lockoutSeconds", 3L, "enabled", true, "origins", new String[] {"https://a"});
        assertTrue(DeliveryCheck.has(running("lockoutSeconds", 3L, "enabled", true, "origins", new String[] {"https://a"}),
                handed));
    }

    @Test
    public void aComponentLeftOnTheSaveBeforeDoesNot() {
        Map<String, Object> handed = Map.of("lockoutSeconds", 3L, "origins", new String[] {"https://a"});
        assertFalse(DeliveryCheck.has(running("lockoutSeconds", 2L, "origins", new String[] {"https://a"}), handed));
        assertFalse(DeliveryCheck.has(running("lockoutSeconds", 3L, "origins", new String[] {"https://b"}), handed));
        assertFalse("a property it lacks", DeliveryCheck.has(running("origins", new String[] {"https://a"}), handed));
        assertFalse("no properties at all", DeliveryCheck.has(null, handed));
        assertFalse("a number of another type is another value", DeliveryCheck.has(running("lockoutSeconds", 3), handed));
    }

    @Test
    public void keysIgnoreCaseAsConfigAdminsDo() {
        assertTrue(DeliveryCheck.has(running("LockoutSeconds", 3L), Map.of("lockoutSeconds", 3L)));
        assertFalse(DeliveryCheck.has(running("LockoutSeconds", 2L), Map.of("lockoutSeconds", 3L)));
    }

    @Test
    public void valuesScrShowsAsTextAreNotCompared() {
        // SCR's view turns a list or an int[] into text: no judgement can be made from it.
        Map<String, Object> handed = Map.of("hosts", List.of("a", "b"), "ports", new int[] {1, 2}, "name", "n");
        assertTrue(DeliveryCheck.has(running("hosts", "[a, b]", "ports", "[I@1b", "name", "n"), handed));
        assertFalse(DeliveryCheck.has(running("hosts", "[a, b]", "ports", "[I@1b", "name", "m"), handed));
    }
}
