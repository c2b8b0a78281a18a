package dev.ludus.testing.services;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;

import org.junit.Test;

public class ServicePolicyTest {

    private static ServicePolicy policy(Map<String, String> env) {
        return ServicePolicy.from(env::get);
    }

    @Test
    public void unsetMeansSkipAllowedAndEmbeddedAllowed() {
        assertEquals(new ServicePolicy(false, true), policy(Map.of()));
        assertEquals(new ServicePolicy(false, true), policy(Map.of("LUDUS_TEST_SERVICES", "auto", "LUDUS_TEST_EMBEDDED", " ON ")));
    }

    @Test
    public void requiredAndOffAreRead() {
        assertEquals(new ServicePolicy(true, false), policy(Map.of("LUDUS_TEST_SERVICES", "required", "LUDUS_TEST_EMBEDDED", "off")));
    }

    @Test
    public void aTypoIsRefusedNamingTheVariableInsteadOfSilentlySkipping() {
        for (Map<String, String> bad : List.of(Map.of("LUDUS_TEST_SERVICES", "requierd"), Map.of("LUDUS_TEST_EMBEDDED", "no"))) {
            try {
                policy(bad);
                fail("accepted " + bad);
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith(bad.keySet().iterator().next() + " must be"));
            }
        }
    }
}
