package dev.ludus.web.security;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;

import org.junit.Test;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

public class WebSecurityFilterTest {

    @Test
    public void aBadConfigurationIsRefusedShownInHealthAndTheLastGoodOneKept() {
        WebSecurityFilter f = new WebSecurityFilter(TestConfig.with(Map.of("maxLoginFailures", 7)));
        assertEquals(HealthStatus.UP, f.check().status());
        f.modified(TestConfig.with(Map.of("maxLoginFailures", -1)));
        HealthResult h = f.check();
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("dev.ludus.web maxLoginFailures = '-1'"));
        f.modified(TestConfig.with(Map.of("maxLoginFailures", 3)));
        assertEquals("fixing the configuration clears the refusal", HealthStatus.UP, f.check().status());
    }

    @Test
    public void aBadConfigurationAtStartFallsBackToTheDefaults() {
        WebSecurityFilter f = new WebSecurityFilter(TestConfig.with(Map.of("lockoutSeconds", 0)));
        HealthResult h = f.check();
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().startsWith("bad_setting: dev.ludus.web lockoutSeconds"));
    }

    @Test
    public void anAllowHeaderNeverOffersTheRefusedMethods() {
        assertEquals("GET, HEAD, POST, OPTIONS",
                WebSecurityFilter.AllowWithoutTrace.withoutTrace("GET, HEAD, POST, TRACE, OPTIONS"));
        assertEquals("GET", WebSecurityFilter.AllowWithoutTrace.withoutTrace("trace,GET, TRACK"));
    }
}
